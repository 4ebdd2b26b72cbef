import type { EventLog } from '../../events/store/types.ts';

/** Longest the health check waits for the store before calling it unreachable. */
export const HEALTH_PROBE_TIMEOUT_MS = 2000;

export interface HealthInputs {
  log: Pick<EventLog, 'head' | 'kind'>;
  /** The read models' loop failure, if it died. */
  readModelFailure: unknown;
  position: number;
  connections: number;
  version: string;
}

/**
 * `/api/health`: `ok` is true only when the read models are running and the store answered
 * within the probe timeout (a PostgreSQL that is down or hanging is not healthy), and the
 * status is 503 whenever `ok` is false, so load balancers and orchestrators can act on it.
 */
export async function health(
  inputs: HealthInputs,
  timeoutMs = HEALTH_PROBE_TIMEOUT_MS,
): Promise<{ status: string; body: Record<string, unknown> }> {
  let timer: NodeJS.Timeout | undefined;
  const head = await Promise.race([
    inputs.log.head().then(
      (position) => ({ position }),
      (error: unknown) => ({ error }),
    ),
    new Promise<{ error: string }>((resolve) => {
      timer = setTimeout(() => resolve({ error: 'timeout' }), timeoutMs);
    }),
  ]).finally(() => clearTimeout(timer));
  const storeOk = 'position' in head;
  const ok = storeOk && inputs.readModelFailure === null;
  return {
    status: ok ? '200 OK' : '503 Service Unavailable',
    body: {
      ok,
      timestamp: Date.now(),
      mode: inputs.log.kind,
      version: inputs.version,
      store: storeOk ? 'ok' : 'unavailable',
      position: inputs.position,
      lag: storeOk ? Math.max(0, head.position - inputs.position) : null,
      connections: inputs.connections,
    },
  };
}
