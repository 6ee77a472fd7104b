/**
 * `chain-json`: one snapshot response page, `{"status":"OK","request_id":…,"results":[…]}`,
 * written element by element (one per line, still one JSON document) instead of built
 * whole. Real pages hold at most 250 results; a sample page holds them all.
 */
import { jsonText } from './json-text.js';
import type { OutputSink } from './output-sink.js';
import type { SampleContract } from './sample-contracts.js';
import { snapshotResult } from './snapshot-result.js';

export async function writeChainJson(contracts: Iterable<SampleContract>, sink: OutputSink, requestId: string): Promise<number> {
  let rows = 0;
  await sink.write(`{"status":"OK","request_id":${JSON.stringify(requestId)},"results":[`);
  for (const contract of contracts) {
    const wait = sink.write(`${rows === 0 ? '\n' : ',\n'}${jsonText(snapshotResult(contract))}`);
    if (wait) await wait;
    rows++;
  }
  await sink.write(rows === 0 ? ']}\n' : '\n]}\n');
  return rows;
}
