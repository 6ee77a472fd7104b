/**
 * The HTTP application: Fastify with zod-validated requests, the OpenAPI document at
 * /openapi.json, the bearer token check when a token is set, Polygon-shaped errors, and
 * the routes. No CORS headers are sent, so browsers on other origins cannot read the
 * answers; there is no body to parse (every route is a GET).
 */
import { randomBytes } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { BearerToken } from './access.js';
import { ApiError } from './api-error.js';
import type { CursorCodec } from './cursor.js';
import { isDashboardPage, registerDashboard } from './dashboard/dashboard.js';
import { errorReply } from './error-reply.js';
import { jsonBody } from './json-body.js';
import { RouteContext } from './route-context.js';
import { registerAnalytics } from './routes/analytics.js';
import { registerChainSnapshot } from './routes/chain-snapshot.js';
import { registerContractSnapshot } from './routes/contract-snapshot.js';
import { registerContractsReference } from './routes/contracts-reference.js';
import { registerDayAggs } from './routes/day-aggs.js';

export const OPENAPI_PATH = '/openapi.json';

/** One answered request, for logs: the path without its query (which may hold a key), never a header. */
export interface RequestLogEntry {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly statusCode: number;
  readonly ms: number;
}

export interface AppSettings {
  readonly pool: pg.Pool;
  readonly statementTimeoutMs: number;
  readonly token: string | undefined;
  readonly cursors: CursorCodec;
  readonly baseUrl: () => string;
  readonly version: string;
  readonly onRequest: ((entry: RequestLogEntry) => void) | undefined;
  readonly onError: ((error: Error) => void) | undefined;
}

// A Polygon request line is well under 2 KiB; 8 KiB of headers leaves room for a proxy's.
const MAX_HEADER_BYTES = 8 * 1024;
const MAX_PARAM_LENGTH = 100;
const REQUEST_TIMEOUT_MS = 30_000;

export async function buildApp(settings: AppSettings): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    requestTimeout: REQUEST_TIMEOUT_MS,
    bodyLimit: 1024,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    genReqId: () => randomBytes(16).toString('hex'),
    // A URL the router refuses before any route runs (bad percent-encoding, an overlong
    // path segment) is answered in the same shape as every other error.
    frameworkErrors: (error, request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const statusCode = tooLong ? 414 : 400;
      const message = tooLong ? `a path segment is longer than ${MAX_PARAM_LENGTH} characters` : 'the URL is not valid';
      void (reply as FastifyReply)
        .code(statusCode)
        .type('application/json')
        .send(jsonBody({ status: 'ERROR', request_id: request.id, error: message }));
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'optdb',
        version: settings.version,
        description: "Stored US options data in Polygon's shapes, as of any stored time",
      },
      ...(settings.token === undefined
        ? {}
        : { components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }, security: [{ bearer: [] }] }),
    },
    transform: jsonSchemaTransform,
  });

  const token = settings.token === undefined ? undefined : new BearerToken(settings.token);
  app.addHook('onRequest', async (request) => {
    // The dashboard's page and assets hold no data: a browser loads them without the
    // token, and the page sends it with each of its own requests.
    if (token !== undefined && !isDashboardPage(request.routeOptions.url) && !token.accepts(request.headers.authorization)) {
      throw new ApiError(401, 'unauthorized: send the token set in OPTDB_API_TOKEN as `Authorization: Bearer <token>`');
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    settings.onRequest?.({
      requestId: request.id,
      method: request.method,
      path: request.url.split('?', 1)[0]!,
      statusCode: reply.statusCode,
      ms: reply.elapsedTime,
    });
  });
  app.setErrorHandler(async (error, request, reply) => {
    const { statusCode, message, internal } = errorReply(error, settings.statementTimeoutMs);
    if (internal) settings.onError?.(error instanceof Error ? error : new Error(String(error)));
    reply.code(statusCode).type('application/json');
    return jsonBody({ status: statusCode === 404 ? 'NOT_FOUND' : 'ERROR', request_id: request.id, error: message });
  });
  app.setNotFoundHandler(async (request, reply) => {
    reply.code(404).type('application/json');
    return jsonBody({
      status: 'NOT_FOUND',
      request_id: request.id,
      error: `no such endpoint: ${request.method} ${request.url.split('?', 1)[0]!.slice(0, 200)}`,
    });
  });

  const context = new RouteContext(settings.pool, settings.statementTimeoutMs, settings.cursors, settings.baseUrl);
  registerChainSnapshot(app, context);
  registerContractSnapshot(app, context);
  registerContractsReference(app, context);
  registerDayAggs(app, context);
  registerAnalytics(app, context);
  registerDashboard(app, context, settings.onError);
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
  return app;
}
