/**
 * `writeSample`: synthetic but realistic US option data in Polygon's formats, streamed
 * contract by contract. The same options always give byte-identical output.
 */
import { writeChainJson } from './chain-json-writer.js';
import { writeChainNdjson } from './chain-ndjson-writer.js';
import { writeDayAggsCsv } from './day-aggs-csv-writer.js';
import { openSink } from './output-sink.js';
import { Random } from './random.js';
import { planSample, sampleContracts } from './sample-contracts.js';
import { type SampleFormat, resolveSampleOptions } from './sample-options.js';

export interface SampleResult {
  /** Rows written: results for the chain formats, traded contracts for day-aggs-csv. */
  readonly rows: number;
  /** Bytes stored: the compressed size for `.gz`, else the bytes written. */
  readonly bytes: number;
}

export async function writeSample(options: {
  out: string | NodeJS.WritableStream;
  format: SampleFormat;
  underlyings: number;
  contracts: number;
  date: string;
  seed: number;
}): Promise<SampleResult> {
  const resolved = resolveSampleOptions(options);
  const plan = planSample(resolved); // may refuse: before the output is touched
  const contracts = sampleContracts(plan);
  const sink = openSink(resolved.out);
  let rows: number;
  try {
    if (resolved.format === 'chain-ndjson') rows = await writeChainNdjson(contracts, sink);
    else if (resolved.format === 'chain-json') rows = await writeChainJson(contracts, sink, requestId(resolved.seed));
    else rows = await writeDayAggsCsv(contracts, sink);
  } catch (error) {
    sink.abort();
    throw error;
  }
  return { rows, bytes: await sink.close() };
}

/** 32 hex digits like the API's, from a stream of the seed no chain uses. */
function requestId(seed: number): string {
  const random = new Random(seed, 0xffff_fffe);
  return random.hex8() + random.hex8() + random.hex8() + random.hex8();
}
