import type { Config } from '../config.ts';

export interface IceReport {
  status: 'ok' | 'error';
  stunServersCount: number;
  turnServersCount: number;
  turnMode: Config['turn']['mode'];
  problems: string[];
}

/**
 * `GET /api/ice-verify`, in the deployed app's shape: counts of configured STUN and TURN
 * servers, and an error status with reasons when the TURN setup cannot work.
 */
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
