import type { TemplatedApp } from 'uWebSockets.js';
import type { Config } from '../../app/config.ts';
import type { ReadModels } from '../../app/read-models.ts';
import type { Services } from '../../app/services.ts';
import type { EventLog } from '../../events/store/types.ts';
import type { Yoga } from '../graphql.ts';
import type { InFlight } from '../in-flight.ts';
import type { createMetrics } from '../metrics.ts';
import uWS from '../uws.ts';
import type { GraphQLSockets } from '../ws.ts';
import { adminRoutes } from './admin-routes.ts';
import { clientIp } from './client-ip.ts';
import { embedRoutes } from './embed.ts';
import { graphqlRoute } from './graphql-route.ts';
import type { OriginPolicy } from './origin.ts';
import { webApp } from './static.ts';
import { healthRoute, iceVerifyRoute, metricsRoute, notFound } from './status-routes.ts';

/** Everything the routes serve from. */
export interface RouteDeps {
  config: Config;
  yoga: Yoga;
  sockets: GraphQLSockets;
  log: EventLog;
  readModels: ReadModels;
  services: Services;
  metrics: ReturnType<typeof createMetrics>;
  inFlight: InFlight;
  originAllowed: OriginPolicy;
  draining: () => boolean;
  now: () => Date;
}

export const remoteText = (ab: ArrayBuffer) => Buffer.from(ab).toString();

/** The uWS app: `/graphql` (WebSocket and HTTP), health, ICE verification, metrics, the web app, 404. */
export function routes(deps: RouteDeps): TemplatedApp {
  const { config, sockets, readModels } = deps;
  const embed = embedRoutes(config);
  const admin = adminRoutes(deps.services);
  const healthInputs = () => ({
    log: deps.log,
    readModelFailure: readModels.failure,
    position: readModels.position,
    connections: sockets.size,
    version: config.version,
  });
  return (
    uWS
      .App()
      .ws('/graphql', sockets.behavior)
      .any(
        '/graphql',
        graphqlRoute({
          yoga: deps.yoga,
          originAllowed: deps.originAllowed,
          inFlight: deps.inFlight,
          draining: deps.draining,
          ipOf: (res, req) =>
            clientIp(
              req.getHeader('x-forwarded-for') || undefined,
              () => remoteText(res.getRemoteAddressAsText()),
              config.trustProxy,
            ),
        }),
      )
      .get('/api/health', healthRoute(healthInputs))
      .head('/api/health', healthRoute(healthInputs, true))
      .get('/api/ice-verify', iceVerifyRoute(config, deps.now))
      // With METRICS_LISTEN, /metrics lives on that address only (app.ts listens there).
      .get(
        '/metrics',
        config.metrics.listen
          ? notFound
          : metricsRoute(deps.metrics, { token: config.metrics.token, open: !config.production }),
      )
      .get('/embed/v1/frame', embed.frame)
      .get('/embed/v1/*', embed.script)
      .get('/api/admin/export', admin.export)
      .get('/api/admin/checkpoint', admin.checkpoint)
      .post('/api/admin/checkpoint', admin.recordCheckpoint)
      // The web app's files and routes; anything it does not serve yields to the 404 below.
      .get('/*', webApp())
      .any('/*', notFound)
  );
}
