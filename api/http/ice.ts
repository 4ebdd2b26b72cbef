import { restCredentials } from '../../app/calls/ice-servers.ts';
import type { Config } from '../../app/config.ts';
import { probeStun, probeTurn } from '../ice/probe.ts';

export interface ServerCheck {
  url: string;
  kind: 'stun' | 'turn';
  /** true reachable (TURN: allocation granted), false not, null not probed. */
  ok: boolean | null;
  rttMs?: number;
  error?: string;
}

export interface IceReport {
  status: 'ok' | 'error';
  stunServersCount: number;
  turnServersCount: number;
  turnMode: Config['turn']['mode'];
  problems: string[];
  servers?: ServerCheck[];
}

/** What the configuration alone says: counts, and setups that cannot work. */
export function iceReport(config: Config): IceReport {
  const problems: string[] = [];
  const { turn } = config;
  if (turn.mode === 'custom') {
    if (turn.urls.length === 0) problems.push('TURN_MODE=custom but TURN_URLS is empty');
    if (!turn.username || !turn.credential) {
      problems.push('TURN_MODE=custom needs TURN_USERNAME and TURN_CREDENTIAL');
    }
  }
  if (turn.mode === 'rest' && turn.urls.length === 0) problems.push('TURN_MODE=rest but TURN_URLS is empty');
  if (config.stunUrls.length === 0 && turn.urls.length === 0)
    problems.push('no STUN_URLS and no TURN_URLS configured');
  return {
    status: problems.length === 0 ? 'ok' : 'error',
    stunServersCount: config.stunUrls.length,
    turnServersCount: turn.mode === 'off' ? 0 : turn.urls.length,
    turnMode: turn.mode,
    problems,
  };
}

/**
 * `GET /api/ice-verify`, in the deployed app's shape, plus a live probe of every server: a
 * STUN Binding request, and a TURN Allocate with the credentials browsers would get (then
 * released). A broken TURN setup shows here before users hit it.
 */
export async function iceVerify(config: Config, timeoutMs: number, nowMs: number): Promise<IceReport> {
  const report = iceReport(config);
  const { turn } = config;
  const creds =
    turn.mode === 'custom' && turn.username && turn.credential
      ? { username: turn.username, credential: turn.credential }
      : turn.mode === 'rest' && turn.secret
        ? restCredentials(turn.secret, 'ice-verify', Math.floor(nowMs / 1000) + 300)
        : null;
  const checks: Promise<ServerCheck>[] = [
    ...config.stunUrls.map(async (url) => {
      const r = await probeStun(url, timeoutMs);
      return {
        url,
        kind: 'stun' as const,
        ok: r.ok,
        ...(r.rttMs !== undefined ? { rttMs: r.rttMs } : {}),
        ...(r.error ? { error: r.error } : {}),
      };
    }),
    ...(turn.mode === 'off' ? [] : turn.urls).map(async (url): Promise<ServerCheck> => {
      if (!creds) return { url, kind: 'turn', ok: false, error: 'no credentials configured' };
      const r = await probeTurn(url, creds.username, creds.credential, timeoutMs);
      return {
        url,
        kind: 'turn',
        ok: r.ok,
        ...(r.rttMs !== undefined ? { rttMs: r.rttMs } : {}),
        ...(r.error ? { error: r.error } : {}),
      };
    }),
  ];
  const servers = await Promise.all(checks);
  for (const s of servers) if (s.ok === false) report.problems.push(`${s.url}: ${s.error ?? 'unreachable'}`);
  report.status = report.problems.length === 0 ? 'ok' : 'error';
  report.servers = servers;
  return report;
}
