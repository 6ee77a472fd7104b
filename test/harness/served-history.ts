/**
 * A small stored history to serve: two captures of an AAPL chain (the second with other
 * open interest), the index-option result from Polygon's documentation, and day bars —
 * ingested through the library's ingestFiles, then served by serveApi on a free port.
 */
import { type ApiServer, type Config, ingestFiles, resolveConfig, serveApi, type ServeOptions } from '../../src/index.js';
import type { TestDatabases } from './database.js';
import { DOCUMENTED_RESULT, sampleChain } from './polygon-fixtures.js';
import type { TempDirectory } from './temp-dir.js';

export const CHAIN_SIZE = 40;
/** The two captures of the AAPL chain, and the open interest every contract has in the second. */
export const FIRST_CAPTURE = '2025-11-20T15:30:00Z';
export const SECOND_CAPTURE = '2025-11-20T20:00:00Z';
export const SECOND_OPEN_INTEREST = '777';
export const INDEX_CAPTURE = '2023-07-12T15:00:00Z';
export const BAR_TICKER = 'O:SPXW230712C04500000';

export interface ServedHistory {
  readonly config: Config;
  readonly server: ApiServer;
  /** The AAPL chain's results as ingested in the first capture (JSON text). */
  readonly firstChain: readonly string[];
  readonly secondChain: readonly string[];
}

export function micros(iso: string): bigint {
  return BigInt(Date.parse(iso)) * 1000n;
}

export async function serveHistory(
  databases: TestDatabases,
  dir: TempDirectory,
  label: string,
  options: ServeOptions = {},
): Promise<ServedHistory> {
  const db = await databases.migrated(label);
  const config = resolveConfig({}, { DATABASE_URL: db.url });
  const firstChain = sampleChain('AAPL', CHAIN_SIZE, '2025-11-20');
  const secondChain = firstChain.map((result) => result.replace(/"open_interest":\d+/, `"open_interest":${SECOND_OPEN_INTEREST}`));
  const page = (results: readonly string[]) => `{"status":"OK","request_id":"r","results":[${results.join(',')}]}`;
  const captures: [string, string][] = [
    [await dir.write(`${label}-first.json`, page(firstChain)), FIRST_CAPTURE],
    [await dir.write(`${label}-second.json`, page(secondChain)), SECOND_CAPTURE],
    [await dir.write(`${label}-index.json`, page([DOCUMENTED_RESULT])), INDEX_CAPTURE],
  ];
  for (const [file, at] of captures) await ingestFiles(config, [file], { capturedAtMicros: micros(at) });
  const bars = await dir.write(
    `${label}-bars.csv`,
    [
      'ticker,volume,open,close,high,low,window_start,transactions',
      `${BAR_TICKER},41840,3.3,1.7,3.5,1.35,1689134400000000000,1203`,
      `${BAR_TICKER},12000,1.650,2.10,2.2,1.2,1689048000000000000,`,
      `${BAR_TICKER},900,0.1,0.30000000000000004,0.4,0.05,1688961600000000000,7`,
    ].join('\n') + '\n',
  );
  await ingestFiles(config, [bars]);
  const server = await serveApi(config, { listen: { host: '127.0.0.1', port: 0 }, ...options });
  return { config, server, firstChain, secondChain };
}
