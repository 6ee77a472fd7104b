/**
 * JSON text with BigInt written as bare digits. JSON.stringify refuses BigInt, and a
 * nanosecond timestamp passed through a JS number loses its last digits
 * (1763661434952035074 comes out as 1763661434952035000); Node 20 has no JSON.rawJSON.
 * Properties whose value is undefined are left out, as JSON.stringify does.
 */
export type JsonOut = null | boolean | number | bigint | string | readonly JsonOut[] | { readonly [key: string]: JsonOut | undefined };

// Millions of rows share a few dozen keys: quote each once.
const quotedKeys = new Map<string, string>();

export function jsonText(value: JsonOut): string {
  switch (typeof value) {
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) throw new RangeError(`jsonText: ${value} has no JSON form`);
      return String(value); // the same digits JSON.stringify writes
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      break;
  }
  if (value === null) return 'null';
  if (isArray(value)) {
    let text = '[';
    for (let i = 0; i < value.length; i++) text += (i === 0 ? '' : ',') + jsonText(value[i]!);
    return `${text}]`;
  }
  let text = '{';
  // for…in rather than Object.entries: no array per object, and the values are plain
  // object literals with no inherited enumerable keys.
  for (const key in value) {
    const item = value[key];
    if (item === undefined) continue;
    let quoted = quotedKeys.get(key);
    if (quoted === undefined) {
      quoted = `${JSON.stringify(key)}:`;
      quotedKeys.set(key, quoted);
    }
    text += (text.length === 1 ? '' : ',') + quoted + jsonText(item);
  }
  return `${text}}`;
}

function isArray(value: object): value is readonly JsonOut[] {
  return Array.isArray(value);
}
