/**
 * A source's records, readable one at a time like any async iterable, or in the batches
 * its reader produces them (the records of one input chunk). Awaiting a record costs more
 * than reading and validating a flat-file row, so the ingest takes them in batches.
 */
import type { SourceRecord } from './source-record.js';

export class RecordStream implements AsyncGenerator<SourceRecord> {
  private readonly oneByOne: AsyncGenerator<SourceRecord>;

  /** `batches` is read once, either way. */
  constructor(private readonly batches: AsyncGenerator<readonly SourceRecord[]>) {
    this.oneByOne = (async function* () {
      for await (const batch of batches) yield* batch;
    })();
  }

  /** The records as the reader produced them, a batch at a time. */
  inBatches(): AsyncGenerator<readonly SourceRecord[]> {
    return this.batches;
  }

  next(): Promise<IteratorResult<SourceRecord>> {
    return this.oneByOne.next();
  }

  return(value?: unknown): Promise<IteratorResult<SourceRecord>> {
    return this.oneByOne.return(value);
  }

  throw(error: unknown): Promise<IteratorResult<SourceRecord>> {
    return this.oneByOne.throw(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** Any source's records in batches: a RecordStream's own, others one record to a batch. */
export function recordBatches(records: AsyncIterable<SourceRecord>): AsyncIterable<readonly SourceRecord[]> {
  return records instanceof RecordStream ? records.inBatches() : singly(records);
}

async function* singly(records: AsyncIterable<SourceRecord>): AsyncGenerator<readonly SourceRecord[]> {
  for await (const record of records) yield [record];
}
