/**
 * Builds one JSON value from stream-json tokens. stream-json's own Assembler turns
 * numbers into floats (or plain strings); here every number becomes a LosslessNumber
 * holding its exact text, as JsonValue requires.
 */
import { LosslessNumber } from 'lossless-json';
import type { Token } from 'stream-json/parser.js';
import type { JsonObject, JsonValue } from '../domain/json-value.js';

type Container = JsonValue[] | JsonObject;

export class JsonAssembler {
  private readonly open: Container[] = [];
  private readonly keys: (string | undefined)[] = [];
  private key: string | undefined;
  /** The value, once `consume` has returned true. */
  value: JsonValue = null;

  /** Feeds one token (packed keys, strings and numbers); true when the value is complete. */
  consume(token: Token): boolean {
    switch (token.name) {
      case 'startObject':
        return this.start({});
      case 'startArray':
        return this.start([]);
      case 'endObject':
      case 'endArray':
        return this.end();
      case 'keyValue':
        this.key = token.value;
        return false;
      case 'stringValue':
        return this.add(token.value);
      case 'numberValue':
        return this.add(new LosslessNumber(token.value));
      case 'nullValue':
        return this.add(null);
      case 'trueValue':
        return this.add(true);
      case 'falseValue':
        return this.add(false);
      default:
        return false;
    }
  }

  private start(container: Container): false {
    this.open.push(container);
    this.keys.push(this.key);
    this.key = undefined;
    return false;
  }

  private end(): boolean {
    const container = this.open.pop() ?? null;
    this.key = this.keys.pop();
    return this.add(container);
  }

  private add(value: JsonValue): boolean {
    const parent = this.open[this.open.length - 1];
    if (parent === undefined) {
      this.value = value;
      return true;
    }
    if (Array.isArray(parent)) {
      parent.push(value);
    } else {
      setMember(parent, this.key ?? '', value);
    }
    return false;
  }
}

/** Sets a member like JSON.parse does: `__proto__` becomes an own property, never a prototype change. */
export function setMember(object: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[key] = value;
  }
}
