/**
 * No answer can grow the client's memory without bound: a body past MAX_BODY_BYTES is not
 * read to its end, the attempt fails as a malformed page (retried, then the request fails
 * with that reason), and other requests go on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_BODY_BYTES } from '../src/api/api-request.js';
import { PolygonClient } from '../src/api/polygon-client.js';
import { sampleChain } from './harness/polygon-fixtures.js';
import { PolygonServer } from './harness/polygon-server.js';

const KEY = 'body-limit-key-5d2';

test('a chain page larger than the body limit fails as malformed; a normal chain is still read', async (t) => {
  const [normal] = sampleChain('SPY', 1);
  const huge = normal!.replace('"details":{', `"padding":"${'x'.repeat(MAX_BODY_BYTES + 1024)}","details":{`);
  const server = await PolygonServer.start({ apiKey: KEY, chains: { BIG: [huge], SPY: sampleChain('SPY', 3) } });
  const client = new PolygonClient({
    apiKey: KEY,
    baseUrl: server.baseUrl,
    requestsPerSecond: 1000,
    retry: { retries: 1, minDelayMs: 10, maxDelayMs: 20 },
  });
  t.after(async () => {
    client.close();
    await server.close();
  });

  const pages = async (underlying: string) => {
    const results = [];
    for await (const page of client.chainSnapshot(underlying)) results.push(...page.results);
    return results;
  };
  await assert.rejects(pages('BIG'), (error: Error) => {
    assert.match(error.message, new RegExp(`more than ${MAX_BODY_BYTES} bytes`));
    return true;
  });
  assert.equal(server.requestsTo('/v3/snapshot/options/BIG').length, 2, 'the first attempt and its one retry');
  assert.equal((await pages('SPY')).length, 3);
});
