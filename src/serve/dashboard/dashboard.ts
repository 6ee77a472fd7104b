/**
 * The live dashboard: the page and its assets, and the /v1 endpoints it reads besides the
 * analytics ones — underlyings and captures to choose from, the chain table, the ingest
 * status, and the events that announce new snapshots.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../route-context.js';
import { registerCaptureEvents } from './capture-events.js';
import { registerChainTable } from './chain-table.js';
import { registerDashboardPage } from './dashboard-page.js';
import { registerIngestStatus } from './ingest-status.js';
import { registerUnderlyings } from './underlyings.js';

export { isDashboardPage } from './dashboard-page.js';

export function registerDashboard(app: FastifyInstance, context: RouteContext, onError: ((error: Error) => void) | undefined): void {
  registerDashboardPage(app);
  registerUnderlyings(app, context);
  registerChainTable(app, context);
  registerIngestStatus(app, context);
  registerCaptureEvents(app, context, onError);
}
