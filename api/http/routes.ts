import uWS, { type TemplatedApp } from 'uWebSockets.js';
import type { Config } from '../../app/config.ts';
import type { ReadModels } from '../../app/read-models.ts';
import type { Services } from '../../app/services.ts';
import type { EventLog } from '../../events/store/types.ts';
import type { Yoga } from '../graphql.ts';
import type { InFlight } from '../in-flight.ts';
import type { createMetrics } from '../metrics.ts';
import type { GraphQLSockets } from '../ws.ts';
import { adminRoutes } from './admin-routes.ts';
import { clientIp } from './client-ip.ts';
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
      .get('/metrics', metricsRoute(deps.metrics))
      .get('/api/admin/export', admin.export)
      .get('/api/admin/checkpoint', admin.checkpoint)
      .post('/api/admin/checkpoint', admin.recordCheckpoint)
      // The web app's files and routes; anything it does not serve yields to the 404 below.
      .get('/*', webApp())
      .any('/*', notFound)
  );
}
