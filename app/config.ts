import { isIP } from 'node:net';

/**
 * Every setting, read and checked in one place at start-up. A bad value stops the process
 * with a message naming the variable; the README's configuration table mirrors this file.
 */
export interface Config {
  port: number;
  host: string;
  nodeEnv: 'development' | 'production' | 'test';
  production: boolean;
  databaseUrl: string | undefined;
  turn: {
    mode: 'custom' | 'rest' | 'off';
    urls: string[];
    username: string | undefined;
    credential: string | undefined;
    secret: string | undefined;
    ttlSeconds: number;
    freeTier: boolean;
  };
  stunUrls: string[];
  vapid: { publicKey: string; privateKey: string; subject: string } | null;
  /**
   * TRUST_PROXY: how many proxies in front of the server append to X-Forwarded-For (true = 1),
   * or the proxies' own addresses and CIDR ranges (then only requests from one of those are
   * believed, and the client is the right-most entry that is not one of them).
   */
  trustProxy: number | readonly string[];
  /** Web Push delivery (app/push/): see the README's configuration table. */
  push: {
    /** Plain-http push endpoints on loopback are accepted (tests, development; never production). */
    allowLoopbackHttp: boolean;
    /** Longest wait for one push service request. */
    timeoutMs: number;
    /** Most notifications waiting to be sent; more are dropped (and counted). */
    queueSize: number;
    /** Requests to push services at once. */
    concurrency: number;
    /** Worker threads that encrypt and send push requests (off the main event loop). */
    workers: number;
    /** Attempts per notification on 429/5xx/network errors (1 = no retry). */
    attempts: number;
    /** First retry delay without Retry-After; doubles per attempt. */
    retryBaseMs: number;
    /** TTL of a message notification at the push service. */
    messageTtlSeconds: number;
  };
  allowedOrigins: string[];
  /**
   * EMBED_SITE_SECRETS: per host origin (each in ALLOWED_ORIGINS), the HMAC-SHA256 secret its
   * backend signs verified-handover assertions with (docs/embedding.md, "Verified handover").
   */
  embedSiteSecrets: ReadonlyMap<string, Buffer>;
  adminToken: string | undefined;
  /**
   * `/metrics`: with `token`, only for `Authorization: Bearer <token>`; with `listen`, served on
   * that address only (not on the main port). In production with neither it is refused.
   */
  metrics: { token: string | undefined; listen: { host: string; port: number } | null };
  /** Read-only operator access to the audit API (never plan changes or checkpoints). */
  auditToken: string | undefined;
  /** Ed25519 seed (32 bytes, base64url) that signs chain checkpoints; unset: checkpoints are off. */
  auditSigningKey: string | undefined;
  graphiql: boolean;
  logLevel: string;
  sessionTtlHours: number;
  /** Register/sign-in/challenge requests per client IP: burst, then per minute. */
  authRate: { burst: number; perMinute: number };
  graphqlLimits: { depth: number; cost: number };
  /** Messages per identity: burst, then per minute. */
  messageRate: { burst: number; perMinute: number };
  /** An unanswered call is missed after this long. */
  ringTimeoutSeconds: number;
  /** How long /api/ice-verify waits for each STUN/TURN server. */
  iceProbeTimeoutMs: number;
  /** Most WebSocket connections; 0 = derived from the open-file limit. */
  maxConnections: number;
  version: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function bool(env: Env, name: string, fallback: boolean): boolean {
  const v = env[name]?.trim().toLowerCase();
  if (v === undefined || v === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(name, `expected true or false, got "${env[name]}"`);
}

/**
 * TRUST_PROXY: true/false as in the deployed app, the number of proxies in front, or a
 * comma-separated list of the proxies' addresses and CIDR ranges (`172.18.0.0/16, 10.0.0.5`).
 */
function trustProxy(env: Env): number | string[] {
  const v = env.TRUST_PROXY?.trim() ?? '';
  if (/^\d+$/.test(v)) return int(env, 'TRUST_PROXY', 0, 0, 10);
  if (!/[.:]/.test(v)) return bool(env, 'TRUST_PROXY', false) ? 1 : 0;
  const entries = list(v);
  for (const entry of entries) {
    const [address = '', prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new ConfigError(
        'TRUST_PROXY',
        `"${entry}" is not an IP address or CIDR range (expected true, false, a number of proxies, or their addresses)`,
      );
    }
  }
  return entries;
}

/** EMBED_SITE_SECRETS: `https://shop.example=<base64url secret, ≥ 32 bytes>,…`. */
function siteSecrets(env: Env, allowedOrigins: readonly string[]): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const entry of list(env.EMBED_SITE_SECRETS)) {
    const at = entry.indexOf('=');
    const origin = at < 0 ? entry : entry.slice(0, at);
    const secret = at < 0 ? '' : entry.slice(at + 1);
    if (!allowedOrigins.includes(origin))
      throw new ConfigError(
        'EMBED_SITE_SECRETS',
        `"${origin.slice(0, 100)}" is not in ALLOWED_ORIGINS (expected origin=secret pairs for allowed origins)`,
      );
    if (!BASE64URL.test(secret) || Buffer.from(secret, 'base64url').length < 32)
      throw new ConfigError(
        'EMBED_SITE_SECRETS',
        `the secret for ${origin} must be at least 32 random bytes in base64url (43+ characters)`,
      );
    if (out.has(origin)) throw new ConfigError('EMBED_SITE_SECRETS', `${origin} is listed twice`);
    out.set(origin, Buffer.from(secret, 'base64url'));
  }
  return out;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = env[name]?.trim();
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${v}"`);
  }
  return n;
}

function urls(env: Env, name: string, schemes: string[]): string[] {
  const out = list(env[name]);
  for (const u of out) {
    if (!schemes.some((s) => u.startsWith(`${s}:`)) || !/^[a-z]+:[^\s]+$/.test(u)) {
      throw new ConfigError(name, `"${u}" is not a ${schemes.join('/')}: URL`);
    }
  }
  return out;
}

/** `host:port` (`[v6]:port` for IPv6): a second address to listen on. */
function listenAddress(env: Env, name: string): { host: string; port: number } | null {
  const v = env[name]?.trim();
  if (!v) return null;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(v);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || !host || port > 65535 || (m[1] !== undefined && isIP(m[1]) !== 6)) {
    throw new ConfigError(name, `expected host:port (e.g. 127.0.0.1:9464 or [::1]:9464), got "${v}"`);
  }
  return { host, port };
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function loadConfig(env: Env = process.env, version = '0.1.0'): Config {
  const nodeEnvRaw = env.NODE_ENV?.trim() || 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    throw new ConfigError('NODE_ENV', `expected development, production or test, got "${nodeEnvRaw}"`);
  }
  const nodeEnv = nodeEnvRaw as Config['nodeEnv'];
  const production = nodeEnv === 'production';

  const databaseUrl = env.DATABASE_URL?.trim() || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'expected a postgres:// or postgresql:// URL');
  }

  const turnUrls = urls(env, 'TURN_URLS', ['turn', 'turns']);
  const modeRaw = env.TURN_MODE?.trim().toLowerCase() || (turnUrls.length > 0 ? 'custom' : 'off');
  if (!['custom', 'rest', 'off'].includes(modeRaw)) {
    throw new ConfigError('TURN_MODE', `expected custom, rest or off, got "${env.TURN_MODE}"`);
  }
  const mode = modeRaw as Config['turn']['mode'];
  const secret = env.TURN_SECRET || undefined;
  if (mode === 'rest' && !secret)
    throw new ConfigError('TURN_SECRET', 'TURN_MODE=rest needs the shared secret');

  const vapidPublic = env.VAPID_PUBLIC_KEY?.trim();
  const vapidPrivate = env.VAPID_PRIVATE_KEY?.trim();
  if (Boolean(vapidPublic) !== Boolean(vapidPrivate)) {
    throw new ConfigError(
      vapidPublic ? 'VAPID_PRIVATE_KEY' : 'VAPID_PUBLIC_KEY',
      'set both VAPID keys or neither',
    );
  }
  if (vapidPublic && !BASE64URL.test(vapidPublic))
    throw new ConfigError('VAPID_PUBLIC_KEY', 'expected base64url');
  if (vapidPrivate && !BASE64URL.test(vapidPrivate))
    throw new ConfigError('VAPID_PRIVATE_KEY', 'expected base64url');
  // The lengths web-push and browsers need: an uncompressed P-256 point and its scalar.
  if (vapidPublic && Buffer.from(vapidPublic, 'base64url').length !== 65)
    throw new ConfigError(
      'VAPID_PUBLIC_KEY',
      'expected a 65-byte P-256 public key (npm run vapid prints a pair)',
    );
  if (vapidPrivate && Buffer.from(vapidPrivate, 'base64url').length !== 32)
    throw new ConfigError(
      'VAPID_PRIVATE_KEY',
      'expected a 32-byte P-256 private key (npm run vapid prints a pair)',
    );

  const vapidSubject = env.VAPID_SUBJECT?.trim() || 'mailto:admin@localhost';
  if (!/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/.test(vapidSubject))
    throw new ConfigError('VAPID_SUBJECT', 'expected a mailto: address or an https:// URL');
  const allowLoopbackHttp = bool(env, 'PUSH_ALLOW_LOOPBACK_HTTP', !production);
  if (allowLoopbackHttp && production)
    throw new ConfigError(
      'PUSH_ALLOW_LOOPBACK_HTTP',
      'plain-http push endpoints are never accepted in production',
    );

  const allowedOrigins = list(env.ALLOWED_ORIGINS);
  for (const o of allowedOrigins) {
    let ok = false;
    try {
      const u = new URL(o);
      ok = (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o;
    } catch {}
    if (!ok) throw new ConfigError('ALLOWED_ORIGINS', `"${o}" is not an origin like https://example.com`);
  }

  const embedSiteSecrets = siteSecrets(env, allowedOrigins);

  const adminToken = env.ADMIN_TOKEN || undefined;
  if (adminToken && adminToken.length < 24)
    throw new ConfigError('ADMIN_TOKEN', 'use at least 24 characters');
  const auditToken = env.AUDIT_TOKEN || undefined;
  if (auditToken && auditToken.length < 24)
    throw new ConfigError('AUDIT_TOKEN', 'use at least 24 characters');
  if (auditToken && auditToken === adminToken)
    throw new ConfigError('AUDIT_TOKEN', 'must differ from ADMIN_TOKEN (it grants less)');
  const auditSigningKey = env.AUDIT_SIGNING_KEY?.trim() || undefined;
  if (
    auditSigningKey &&
    !(BASE64URL.test(auditSigningKey) && Buffer.from(auditSigningKey, 'base64url').length === 32)
  )
    throw new ConfigError(
      'AUDIT_SIGNING_KEY',
      'expected a 32-byte Ed25519 seed in base64url (43 characters)',
    );

  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken && metricsToken.length < 24)
    throw new ConfigError('METRICS_TOKEN', 'use at least 24 characters');

  const logLevel = env.LOG_LEVEL?.trim() || (nodeEnv === 'test' ? 'silent' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `unknown level "${logLevel}"`);
  }

  return {
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST?.trim() || '0.0.0.0',
    nodeEnv,
    production,
    databaseUrl,
    turn: {
      mode,
      urls: turnUrls,
      username: env.TURN_USERNAME || undefined,
      credential: env.TURN_CREDENTIAL || undefined,
      secret,
      ttlSeconds: int(env, 'TURN_TTL', 3600, 60, 7 * 24 * 3600),
      freeTier: bool(env, 'TURN_FREE_TIER', !databaseUrl),
    },
    stunUrls: urls(env, 'STUN_URLS', ['stun', 'stuns']),
    vapid:
      vapidPublic && vapidPrivate
        ? {
            publicKey: vapidPublic,
            privateKey: vapidPrivate,
            subject: vapidSubject,
          }
        : null,
    trustProxy: trustProxy(env),
    push: {
      allowLoopbackHttp,
      timeoutMs: int(env, 'PUSH_TIMEOUT_MS', 10_000, 100, 120_000),
      queueSize: int(env, 'PUSH_QUEUE_SIZE', 10_000, 1, 1_000_000),
      concurrency: int(env, 'PUSH_CONCURRENCY', 16, 1, 1000),
      workers: int(env, 'PUSH_WORKERS', 1, 1, 16),
      attempts: int(env, 'PUSH_ATTEMPTS', 4, 1, 20),
      retryBaseMs: int(env, 'PUSH_RETRY_BASE_MS', 1000, 1, 600_000),
      messageTtlSeconds: int(env, 'PUSH_MESSAGE_TTL_SECONDS', 24 * 3600, 0, 28 * 24 * 3600),
    },
    allowedOrigins,
    embedSiteSecrets,
    adminToken,
    metrics: { token: metricsToken, listen: listenAddress(env, 'METRICS_LISTEN') },
    auditToken,
    auditSigningKey,
    graphiql: bool(env, 'GRAPHIQL', !production),
    logLevel,
    sessionTtlHours: int(env, 'SESSION_TTL_HOURS', 24 * 30, 1, 24 * 365),
    authRate: {
      burst: int(env, 'AUTH_RATE_BURST', 20, 1, 1_000_000),
      perMinute: int(env, 'AUTH_RATE_PER_MINUTE', 20, 1, 1_000_000),
    },
    ringTimeoutSeconds: int(env, 'RING_TIMEOUT_SECONDS', 45, 1, 600),
    iceProbeTimeoutMs: int(env, 'ICE_PROBE_TIMEOUT_MS', 2000, 100, 30_000),
    maxConnections: int(env, 'MAX_CONNECTIONS', 0, 0, 10_000_000),
    messageRate: {
      burst: int(env, 'MESSAGE_RATE_BURST', 30, 1, 1_000_000),
      perMinute: int(env, 'MESSAGE_RATE_PER_MINUTE', 300, 1, 1_000_000),
    },
    graphqlLimits: {
      depth: int(env, 'GRAPHQL_MAX_DEPTH', 15, 2, 100),
      cost: int(env, 'GRAPHQL_MAX_COST', 5000, 10, 1_000_000),
    },
    version,
  };
}
