import { createHmac } from 'node:crypto';
import type { Plan } from '../../events/plans/events.ts';
import type { Config } from '../config.ts';

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
  /** When these credentials stop working (ms since the epoch); absent when they do not expire. */
  expiresAt?: number;
}

/**
 * coturn's `use-auth-secret` (TURN REST) credentials: username `<expiry>:<id>`, credential
 * base64(HMAC-SHA1(secret, username)). They expire by themselves, so no long-lived TURN
 * password reaches a browser.
 */
export function restCredentials(secret: string, id: string, expiresAtSeconds: number) {
  const username = `${expiresAtSeconds}:${id}`;
  return { username, credential: createHmac('sha1', secret).update(username).digest('base64') };
}

export function turnAllowed(config: Config, plan: Plan): boolean {
  return config.turn.mode !== 'off' && (plan === 'PRO' || config.turn.freeTier);
}

/** The ICE servers an identity may use: STUN always, TURN by plan and TURN_MODE. */
export function iceServersFor(config: Config, plan: Plan, address: string, nowMs: number): IceServer[] {
  const servers: IceServer[] = [];
  if (config.stunUrls.length > 0) servers.push({ urls: config.stunUrls });
  const { turn } = config;
  if (!turnAllowed(config, plan) || turn.urls.length === 0) return servers;
  if (turn.mode === 'custom' && turn.username && turn.credential) {
    servers.push({ urls: turn.urls, username: turn.username, credential: turn.credential });
  } else if (turn.mode === 'rest' && turn.secret) {
    const expiry = Math.floor(nowMs / 1000) + turn.ttlSeconds;
    servers.push({
      urls: turn.urls,
      ...restCredentials(turn.secret, address, expiry),
      expiresAt: expiry * 1000,
    });
  }
  return servers;
}
