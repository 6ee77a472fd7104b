/**
 * The Polygon (Massive) API key. It is read from the environment once, sent only as an
 * `Authorization: Bearer` header, and never printed: no URL optdb builds carries it.
 */
import { OptdbError } from '../errors.js';

export const API_KEY_VARIABLE = 'POLYGON_API_KEY';

/** The key from `POLYGON_API_KEY`; a missing or empty key fails with a remedy. */
export function readApiKey(env: NodeJS.ProcessEnv = process.env): string {
  const key = env[API_KEY_VARIABLE]?.trim();
  if (!key) {
    throw new OptdbError('CONFIG_INVALID', `${API_KEY_VARIABLE} is not set: the Polygon API needs a key`, {
      remedy:
        `Set ${API_KEY_VARIABLE} to the API key from your Polygon.io (Massive) dashboard, ` +
        `e.g. \`export ${API_KEY_VARIABLE}=your-key\` (optdb sends it as an Authorization header and never prints it).`,
    });
  }
  return key;
}
