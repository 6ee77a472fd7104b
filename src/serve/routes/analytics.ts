/**
 * The analytics endpoints under /v1, computed in SQL from the stored history: a contract's
 * history; an underlying's smile, term structure, open interest by strike and expiration
 * summary as of a time; a day's most active and unusual-volume contracts. Same envelope,
 * errors, validation and read path as the Polygon-shaped routes; times are RFC 3339.
 */
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../route-context.js';
import { registerContractHistory } from './analytics/contract-history.js';
import { registerDayActivity } from './analytics/day-activity.js';
import { registerExpirations } from './analytics/expirations.js';
import { registerOpenInterest } from './analytics/open-interest.js';
import { registerSmile } from './analytics/smile.js';
import { registerTermStructure } from './analytics/term-structure.js';

export function registerAnalytics(app: FastifyInstance, context: RouteContext): void {
  registerContractHistory(app, context);
  registerSmile(app, context);
  registerTermStructure(app, context);
  registerOpenInterest(app, context);
  registerExpirations(app, context);
  registerDayActivity(app, context);
}
