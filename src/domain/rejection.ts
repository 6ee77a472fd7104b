/**
 * Why one record cannot become a row. Validation reads a record field by field, often
 * several calls deep; the first problem ends it at once, thrown as a Rejection and caught
 * where the record's validation began, which returns the reason instead of a row.
 */
export class Rejection extends Error {}

export function reject(reason: string): never {
  throw new Rejection(reason);
}
