import type { HttpResponse } from 'uWebSockets.js';
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

/** `/metrics` in Prometheus' text format. */
export const metricsRoute =
  (metrics: ReturnType<typeof createMetrics>): Route =>
  (res) =>
    respondAsync(res, async () => ({
      status: '200 OK',
      body: await metrics.registry.metrics(),
      type: metrics.registry.contentType,
    }));

export const notFound: Route = (res) => sendJson(res, '404 Not Found', { error: 'not found' });
