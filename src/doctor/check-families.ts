/**
 * Every doctor check family, in the order a database problem is diagnosed: can optdb
 * connect, is the schema what it expects, then the database's health (statistics,
 * connections, locks), the configuration (concurrency against the pool and the server,
 * the pooler), the plans of optdb's own statements, and the upkeep of its tables.
 */
import type { CheckFamily } from './check.js';
import { configuration } from './configuration.js';
import { connections } from './connections.js';
import { connectivity } from './connectivity.js';
import { locks } from './locks.js';
import { maintenance } from './maintenance.js';
import { migrations } from './migrations.js';
import { plans } from './plans.js';
import { pooler } from './pooler.js';
import { statistics } from './statistics.js';

export const CHECK_FAMILIES: readonly CheckFamily[] = [
  connectivity,
  migrations,
  statistics,
  connections,
  locks,
  configuration,
  pooler,
  plans,
  maintenance,
];
