import webpush from 'web-push';
import type { Config } from '../config.ts';

/** The VAPID key pair push requests are signed with (RFC 8292). */
export interface PushKeys {
  publicKey: string;
  privateKey: string;
  subject: string;
  /** Generated at start (demo mode): browsers' subscriptions die with the process. */
  ephemeral: boolean;
}

/**
 * The keys from VAPID_*; without them, demo mode (the in-memory log, which dies with the
 * process anyway) makes an ephemeral pair, and a durable deployment runs without push —
 * an ephemeral pair there would silently break every subscription at each restart.
 */
export function pushKeys(config: Config): { keys: PushKeys | null; note: string } {
  if (config.vapid) return { keys: { ...config.vapid, ephemeral: false }, note: 'push notifications on' };
  if (!config.databaseUrl) {
    const pair = webpush.generateVAPIDKeys();
    return {
      keys: { ...pair, subject: 'mailto:admin@localhost', ephemeral: true },
      note: 'push notifications on with an ephemeral VAPID key pair (demo mode; set VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY, see npm run vapid)',
    };
  }
  return {
    keys: null,
    note: 'push notifications off: VAPID_PUBLIC_KEY/VAPID_PRIVATE_KEY are not set (npm run vapid prints a pair)',
  };
}
