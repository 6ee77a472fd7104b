/**
 * Builds the parameter list of one statement: every value a request supplies goes in as
 * `$n`, so no request text ever becomes SQL. Only fixed fragments are concatenated.
 */
export class QueryParameters {
  readonly values: unknown[] = [];

  /** Adds a value and returns its placeholder, e.g. `$3`. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
