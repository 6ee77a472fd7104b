/** `chain-ndjson`: one snapshot result per line, as chain downloads are commonly stored. */
import { jsonText } from './json-text.js';
import type { OutputSink } from './output-sink.js';
import type { SampleContract } from './sample-contracts.js';
import { snapshotResult } from './snapshot-result.js';

export async function writeChainNdjson(contracts: Iterable<SampleContract>, sink: OutputSink): Promise<number> {
  let rows = 0;
  for (const contract of contracts) {
    const wait = sink.write(`${jsonText(snapshotResult(contract))}\n`);
    if (wait) await wait;
    rows++;
  }
  return rows;
}
