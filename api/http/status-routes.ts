import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../../app/config.ts';
import type { createMetrics } from '../metrics.ts';
import { type HealthInputs, health } from './health.ts';
import { iceVerify } from './ice.ts';
import { respondAsync, sendJson } from './respond.ts';

type Route = (res: HttpResponse) => void;

/** `/api/health`, with inputs read at each request (also for HEAD: monitors that only look at the status). */
export const healthRoute =
  (inputs: () => HealthInputs, head = false): Route =>
  (res) =>
    respondAsync(res, () => health(inputs()), head);

/** `/api/ice-verify`: probes run at most once per 10 s, whatever the polling rate. */
export function iceVerifyRoute(config: Config, now: () => Date): Route {
  let cache: { at: number; report: ReturnType<typeof iceVerify> } | null = null;
  return (res) =>
    respondAsync(res, async () => {
      const t = Date.now();
      if (!cache || t - cache.at > 10_000) {
        cache = { at: t, report: iceVerify(config, config.iceProbeTimeoutMs, now().getTime()) };
      }
      const report = await cache.report;
      return { status: report.status === 'ok' ? '200 OK' : '503 Service Unavailable', body: report };
    });
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `/metrics` in Prometheus' text format. With a token, only for `Authorization: Bearer <token>`
 * (compared in constant time); `open: false` (production on the main port, no token and no
 * METRICS_LISTEN) refuses it with a hint instead of publishing it to anyone.
 */
export function metricsRoute(
  metrics: ReturnType<typeof createMetrics>,
  access: { token: string | undefined; open: boolean },
): (res: HttpResponse, req: HttpRequest) => void {
  const expected = access.token === undefined ? null : digest(`Bearer ${access.token}`);
  return (res, req) => {
    if (expected) {
      const given = digest(req.getHeader('authorization'));
      if (!timingSafeEqual(given, expected)) {
        sendJson(
          res,
          '401 Unauthorized',
          { error: 'metrics need Authorization: Bearer <METRICS_TOKEN>' },
          {
            'www-authenticate': 'Bearer realm="metrics"',
          },
        );
        return;
      }
    } else if (!access.open) {
      sendJson(res, '403 Forbidden', {
        error: 'metrics are off on this port: set METRICS_TOKEN or METRICS_LISTEN',
      });
      return;
    }
    respondAsync(res, async () => ({
      status: '200 OK',
      body: await metrics.registry.metrics(),
      type: metrics.registry.contentType,
    }));
  };
}

export const notFound: Route = (res) => sendJson(res, '404 Not Found', { error: 'not found' });
