import { Hono, type MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Herder, PluginCatalog } from '@sluice/coordinator';
import type { Loggers } from '@sluice/logging';
import {
  accessLog,
  allowedHosts,
  basicAuth,
  HttpError,
  NOT_FOUND,
  PeerClient,
  selectResourceMethod,
  toErrorResponse,
  type UsersModule,
} from '@sluice/rest';
import { mountConnectorRoutes } from './connectors-routes.js';
import { mapHerderError } from './errors.js';
import { mountLoggerRoutes } from './loggers-routes.js';
import { mountPluginRoutes } from './plugins-routes.js';

/**
 * The level of Kafka Connect's REST API this package implements: what `GET /` answers as `version`, since
 * tools gate features on it (kcctl offers stop and offsets from 3.5 on).
 */
export const CONNECT_API_VERSION = '3.9.1';

/** `GET /`: Connect's `ServerInfo`, and the runtime's own version beside it. */
export interface ServerInfo {
  /** The Connect API level (`CONNECT_API_VERSION`), as Connect answers its own version. */
  version: string;
  /** The commit the runtime was built from (16 hex digits, as Connect's), or `unknown`. */
  commit: string;
  kafka_cluster_id: string;
  /** Sluice's own version. */
  sluice_version?: string;
}

export interface RestDependencies {
  info(): ServerInfo;
  /** Whether the worker has finished starting (its herder has started what it must run). */
  ready(): boolean;
  loggers: Loggers;
  /**
   * The herder once it has read the internal topics. The API listens before that (as Connect's does), so
   * `/connectors` requests wait for it.
   */
  herder: Promise<Herder>;
  /** The plugins, their configs and validation: served while the worker starts, too. */
  catalog: PluginCatalog;
  /** This worker's place in its cluster, for `GET /sluice/v1/cluster` (Sluice's own, read-only). */
  cluster?: () => unknown;
  /** How this worker calls others when it forwards a request. @default a PeerClient without TLS settings */
  peers?: PeerClient;
  /** How long a request waits for the herder before a 500, as Connect's REST request timeout. @default 90000 */
  requestTimeoutMs?: number;
  /**
   * How long a request keeps trying to reach the worker that must serve it, while none is known or the one
   * it was sent to is gone (a rebalance, a dead leader). @default 30000
   */
  forwardRetryMs?: number;
  /**
   * HTTP Basic authentication (Connect's `BasicAuthSecurityRestExtension`): the users tables of the JAAS
   * `KafkaConnect` entry. Unset, requests are not authenticated (TLS client certificates aside).
   */
  basicAuth?: readonly UsersModule[];
  /**
   * `rest.allowed.hosts`: the Host headers served; others get 421. Unset, any. The worker's advertised host
   * (`advertisedHosts`) is always served, for requests from other workers.
   */
  allowedHosts?: readonly string[];
  /** `host:port` of this worker's advertised URL, served whatever `allowedHosts` says. */
  advertisedHosts?: () => readonly string[];
}

/** The logger of the access log, Connect's (`PUT /admin/loggers/<it>` silences it there too). */
export const ACCESS_LOGGER = 'org.apache.kafka.connect.runtime.rest.RestServer';

/**
 * Connect's internal endpoints, which its basic-auth filter lets through unauthenticated (`JaasBasicAuthFilter`):
 * they carry the session key's signature instead (KIP-507), checked by the herder.
 */
const INTERNAL_ENDPOINTS: ReadonlyArray<{ method: string; path: RegExp }> = [
  { method: 'POST', path: /^\/connectors\/[^/]+\/tasks\/?$/ },
  { method: 'PUT', path: /^\/connectors\/[^/]+\/fence\/?$/ },
];

/** Whether a request goes to one of Connect's internal (signed) endpoints, by the path the router matches. */
export function isInternalEndpoint(method: string, path: string): boolean {
  return INTERNAL_ENDPOINTS.some((endpoint) => endpoint.method === method && endpoint.path.test(path));
}

/** Kafka Connect's REST request timeout. */
export const DEFAULT_REST_REQUEST_TIMEOUT_MS = 90_000;

/** The Kafka Connect REST API. Every error, including unknown paths, is `{"error_code", "message"}`. */
export function createConnectApp(dependencies: RestDependencies): Hono {
  // Not strict: `/connectors/` is `/connectors`, as JAX-RS matches it (kcctl calls it so).
  const app = new Hono({ strict: false });
  // In this order, each before anything else of the request is looked at: one access-log line for every
  // request, the Host check, authentication, then resource selection (404, 405, 415) and the handlers.
  const access = dependencies.loggers.get(ACCESS_LOGGER);
  app.use(accessLog((line) => access.info(line)));
  if (dependencies.allowedHosts !== undefined && dependencies.allowedHosts.length > 0) {
    app.use(allowedHosts(dependencies.allowedHosts, dependencies.advertisedHosts));
  }
  if (dependencies.basicAuth !== undefined) {
    app.use(basicAuth({ modules: dependencies.basicAuth, exempt: isInternalEndpoint }));
  }
  app.use(selectResourceMethod(app));

  app.get('/', (c) => c.json(dependencies.info()));
  // Kafka Connect 3.9's probe endpoint (KIP-1017): 200 once started, 503 while starting.
  app.get('/health', (c) =>
    dependencies.ready()
      ? c.json({
          status: 'healthy',
          message: 'Worker has completed startup and is ready to handle requests.',
        })
      : c.json({ status: 'starting', message: 'Worker is still starting up.' }, 503),
  );
  mountLoggerRoutes(app, dependencies.loggers);
  const cluster = dependencies.cluster;
  if (cluster !== undefined) app.get('/sluice/v1/cluster', (c) => c.json(cluster()));
  let herder: Herder | undefined;
  const startedAt = new Date();
  const herderStarted = dependencies.herder.then((started) => (herder = started));
  // A failed start stops the worker; until then requests see the timeout, not an unhandled rejection.
  herderStarted.catch(() => undefined);
  const timeoutMs = dependencies.requestTimeoutMs ?? DEFAULT_REST_REQUEST_TIMEOUT_MS;
  const awaitHerder: MiddlewareHandler = async (_c, next) => {
    if (herder === undefined) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const outcome = await Promise.race([herderStarted.then(() => 'started' as const), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        throw new HttpError(
          500,
          `Request timed out. The worker is currently starting (reading the internal topics), which began at ${startedAt.toISOString()}`,
        );
      }
    }
    await next();
  };
  app.use('/connectors', awaitHerder);
  app.use('/connectors/*', awaitHerder);
  mountConnectorRoutes(app, () => herder!, {
    client: dependencies.peers ?? new PeerClient({ timeoutMs }),
    awaitConfigOffset: (offset, waitMs) => herder!.awaitConfigOffset(offset, waitMs),
    ...(dependencies.forwardRetryMs === undefined ? {} : { retryForMs: dependencies.forwardRetryMs }),
  });
  mountPluginRoutes(app, dependencies.catalog);

  app.notFound(() => {
    throw new HttpError(404, NOT_FOUND);
  });
  app.onError((error, c) => {
    const mapped =
      error instanceof HTTPException
        ? { status: error.status, body: { error_code: error.status, message: error.message } }
        : toErrorResponse(error, mapHerderError);
    return c.json(mapped.body, mapped.status as ContentfulStatusCode);
  });
  return app;
}
