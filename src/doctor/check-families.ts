/** Every doctor check family, in the order the knowledge base's checklist runs them. */
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

export const CHECK_FAMILIES: readonly CheckFamily[] = [connectivity, migrations, statistics, connections, locks, configuration, pooler, plans, maintenance];
