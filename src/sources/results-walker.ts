/**
 * Picks the results out of a snapshot document's token stream, one at a time, so a
 * page of a million results never sits in memory whole. Understands the three shapes:
 * a page whose `results` is an array, a single-contract page whose `results` is one
 * object, and a bare array of results. A top-level object that is not a page at all is
 * taken as one result.
 */
import type { Token } from 'stream-json/parser.js';
import { OptdbError } from '../errors.js';
import { JsonAssembler, setMember } from './json-assembler.js';
import type { JsonObject, JsonValue } from '../domain/json-value.js';
import { isPage, pageProblem } from './snapshot-page.js';

export type WalkerOutput = { kind: 'result'; value: JsonValue } | { kind: 'problem'; reason: string; page: JsonObject };

export class ResultsWalker {
  private top: 'object' | 'array' | undefined;
  /** Containers open outside of any value being assembled. */
  private depth = 0;
  private key: string | undefined;
  private inResults = false;
  private sawResults = false;
  private assembler: JsonAssembler | undefined;
  private assemblingResult = false;
  /** The page's own fields (status, request_id, ...): small, kept to judge the page. */
  private readonly page: JsonObject = {};
  private readonly output: WalkerOutput[] = [];

  constructor(private readonly source: string) {}

  /** True once the top-level value has started and not yet closed. */
  get unfinished(): boolean {
    return this.top !== undefined && this.depth > 0;
  }

  /** How many results (and page problems) are waiting for `take`. */
  get completed(): number {
    return this.output.length;
  }

  /** Results (and page problems) completed since the last call. */
  take(): WalkerOutput[] {
    return this.output.splice(0);
  }

  consume(token: Token): void {
    if (this.assembler !== undefined) {
      if (this.assembler.consume(token)) this.finishValue(this.assembler.value);
      return;
    }
    switch (token.name) {
      case 'keyValue':
        if (this.depth === 1) this.key = token.value;
        return;
      case 'startObject':
      case 'startArray':
        if (this.depth === 0) {
          this.top = token.name === 'startObject' ? 'object' : 'array';
          this.depth = 1;
        } else if (this.atResultsKey() && token.name === 'startArray') {
          this.inResults = true;
          this.sawResults = true;
          this.depth = 2;
        } else {
          this.startValue(token);
        }
        return;
      case 'endObject':
      case 'endArray':
        this.depth -= 1;
        if (this.depth === 1) this.inResults = false;
        if (this.depth === 0) this.finishTop();
        return;
      case 'stringValue':
      case 'numberValue':
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        if (this.depth === 0) {
          const message = `${this.source}: the JSON document is not an object or array of results`;
          throw new OptdbError('INPUT_FORMAT', message);
        }
        if (this.atResultsKey() && token.name === 'nullValue') {
          this.sawResults = true; // `"results": null` — an empty page
          return;
        }
        this.startValue(token);
        return;
      default:
        return;
    }
  }

  private atResultsKey(): boolean {
    return this.top === 'object' && this.depth === 1 && this.key === 'results';
  }

  private startValue(token: Token): void {
    this.assemblingResult = this.top === 'array' ? this.depth === 1 : this.inResults || this.key === 'results';
    if (this.atResultsKey()) this.sawResults = true;
    this.assembler = new JsonAssembler();
    if (this.assembler.consume(token)) this.finishValue(this.assembler.value);
  }

  private finishValue(value: JsonValue): void {
    this.assembler = undefined;
    if (this.assemblingResult) {
      this.output.push({ kind: 'result', value });
    } else if (this.key !== undefined) {
      setMember(this.page, this.key, value);
    }
  }

  private finishTop(): void {
    if (this.top !== 'object' || this.sawResults) return;
    if (!isPage(this.page)) {
      this.output.push({ kind: 'result', value: this.page });
      return;
    }
    const reason = pageProblem(this.page);
    if (reason !== undefined) this.output.push({ kind: 'problem', reason, page: this.page });
  }
}
