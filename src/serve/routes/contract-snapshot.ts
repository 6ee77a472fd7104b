/** GET /v3/snapshot/options/{underlying}/{optionContract}: one contract's latest snapshot at or before `as_of`. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../api-error.js';
import { asOfBound, BEYOND_STORED } from '../as-of.js';
import { jsonBody } from '../json-body.js';
import { asOf, optionTicker, underlyingTicker } from '../parameters.js';
import type { RouteContext } from '../route-context.js';
import { type SnapshotRow, snapshotResult } from '../snapshot-result.js';
import { CONTRACT_SNAPSHOT } from '../sql/snapshots.js';

export function registerContractSnapshot(app: FastifyInstance, context: RouteContext): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v3/snapshot/options/:underlying/:optionContract',
    {
      schema: {
        summary: "One contract's snapshot as of a time",
        params: z.object({ underlying: underlyingTicker, optionContract: optionTicker }),
        querystring: z.object({ as_of: asOf }),
      },
    },
    async (request, reply) => {
      const { underlying, optionContract } = request.params;
      const bound = request.query.as_of === undefined ? BEYOND_STORED.toString() : asOfBound(request.query.as_of).toString();
      const rows = await context.read((read) => read<SnapshotRow>(CONTRACT_SNAPSHOT, [underlying, optionContract, bound]));
      if (rows[0] === undefined) {
        throw new ApiError(
          404,
          `no snapshot of ${optionContract} (underlying ${underlying}) is stored${request.query.as_of ? ` at or before ${request.query.as_of}` : ''}`,
        );
      }
      reply.type('application/json');
      return jsonBody({ status: 'OK', request_id: request.id, results: snapshotResult(rows[0]) });
    },
  );
}
