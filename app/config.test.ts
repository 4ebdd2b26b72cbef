import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

const fails = (env: Record<string, string>, variable: string) =>
  assert.throws(
    () => loadConfig(env),
    (e: unknown) =>
      e instanceof ConfigError && e.variable === variable && e.message.startsWith(`${variable}:`),
    `${JSON.stringify(env)} should fail on ${variable}`,
  );

/** A key pair as `npm run vapid` prints it (a test fixture, used nowhere else). */
const PUBLIC = 'BHE_EV-ZVle_QEmMgff4KWVN8aA4GwTyddbCe4QeyToQqt2bXDQzDO2rn4RhxaOl-sjsX2ljU1chfD0llTTwhZ8';
const PRIVATE = 'su_vbqTOWjs46It2ijHSZr4eitWORim24dKZ02RrJb4';

describe('configuration', () => {
  it('should read EMBED_SITE_SECRETS for allowed origins and refuse short secrets or other origins', () => {
    const secret = Buffer.alloc(32, 7).toString('base64url');
    const shop = 'https://shop.example';
    const c = loadConfig({ ALLOWED_ORIGINS: shop, EMBED_SITE_SECRETS: `${shop}=${secret}` });
    assert.deepEqual(c.embedSiteSecrets.get(shop), Buffer.alloc(32, 7));
    assert.equal(loadConfig({}).embedSiteSecrets.size, 0);
    fails({ EMBED_SITE_SECRETS: `${shop}=${secret}` }, 'EMBED_SITE_SECRETS');
    fails(
      { ALLOWED_ORIGINS: shop, EMBED_SITE_SECRETS: `${shop}=${Buffer.alloc(31).toString('base64url')}` },
      'EMBED_SITE_SECRETS',
    );
    fails({ ALLOWED_ORIGINS: shop, EMBED_SITE_SECRETS: `${shop}=not base64!` }, 'EMBED_SITE_SECRETS');
    fails({ ALLOWED_ORIGINS: shop, EMBED_SITE_SECRETS: shop }, 'EMBED_SITE_SECRETS');
    fails(
      { ALLOWED_ORIGINS: shop, EMBED_SITE_SECRETS: `${shop}=${secret},${shop}=${secret}` },
      'EMBED_SITE_SECRETS',
    );
  });

  it('should run with nothing set: demo mode on port 3000, GraphiQL on', () => {
    const c = loadConfig({});
    assert.equal(c.port, 3000);
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.graphiql, true);
    assert.equal(c.turn.mode, 'off');
    assert.equal(c.turn.freeTier, true, 'demo mode gives everyone TURN');
    assert.equal(c.push.workers, 1, 'one push worker thread');
  });

  it("should read the deployed app's variables with their meanings", () => {
    const c = loadConfig({
      DATABASE_URL: 'postgresql://u:p@db:5432/callvault',
      TURN_MODE: 'custom',
      TURN_URLS: 'turn:callvs.com:3478,turn:callvs.com:3478?transport=tcp',
      TURN_USERNAME: 'user',
      TURN_CREDENTIAL: 'pw',
      STUN_URLS: 'stun:callvs.com:3478, stun:stun.l.google.com:19302',
      VAPID_PUBLIC_KEY: PUBLIC,
      VAPID_PRIVATE_KEY: PRIVATE,
      NODE_ENV: 'production',
      PORT: '8080',
      TRUST_PROXY: 'true',
    });
    assert.equal(c.port, 8080);
    assert.equal(c.production, true);
    assert.equal(c.graphiql, false, 'GraphiQL is off in production unless switched on');
    assert.deepEqual(c.turn.urls, ['turn:callvs.com:3478', 'turn:callvs.com:3478?transport=tcp']);
    assert.deepEqual(c.stunUrls, ['stun:callvs.com:3478', 'stun:stun.l.google.com:19302']);
    assert.equal(c.trustProxy, 1, 'TRUST_PROXY=true trusts one proxy');
    assert.equal(loadConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
    assert.equal(loadConfig({}).trustProxy, 0);
    assert.deepEqual(loadConfig({ METRICS_LISTEN: '[::1]:9464' }).metrics.listen, {
      host: '::1',
      port: 9464,
    });
    assert.deepEqual(loadConfig({ METRICS_LISTEN: '127.0.0.1:9464' }).metrics.listen, {
      host: '127.0.0.1',
      port: 9464,
    });
    assert.equal(loadConfig({}).metrics.listen, null);
    assert.equal(loadConfig({ PUSH_WORKERS: '3' }).push.workers, 3);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '172.18.0.0/16, 10.0.0.5,fd00::/8' }).trustProxy, [
      '172.18.0.0/16',
      '10.0.0.5',
      'fd00::/8',
    ]);
    assert.equal(c.turn.freeTier, false);
    assert.equal(c.vapid?.publicKey, PUBLIC);
    assert.equal(loadConfig({ NODE_ENV: 'production', GRAPHIQL: 'on' }).graphiql, true);
  });

  it('should stop on a bad value, naming the variable', () => {
    fails({ PORT: 'eighty' }, 'PORT');
    fails({ PORT: '70000' }, 'PORT');
    fails({ NODE_ENV: 'staging' }, 'NODE_ENV');
    fails({ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL');
    fails({ TURN_MODE: 'magic' }, 'TURN_MODE');
    fails({ TURN_URLS: 'http://turn.example.com' }, 'TURN_URLS');
    fails({ STUN_URLS: 'turn:x:3478' }, 'STUN_URLS');
    fails({ TURN_MODE: 'rest', TURN_URLS: 'turn:x:3478' }, 'TURN_SECRET');
    fails({ VAPID_PUBLIC_KEY: 'abc' }, 'VAPID_PRIVATE_KEY');
    fails({ VAPID_PUBLIC_KEY: 'a b', VAPID_PRIVATE_KEY: 'c' }, 'VAPID_PUBLIC_KEY');
    fails({ VAPID_PUBLIC_KEY: 'BPub_key-1', VAPID_PRIVATE_KEY: PRIVATE }, 'VAPID_PUBLIC_KEY');
    fails({ VAPID_PUBLIC_KEY: PUBLIC, VAPID_PRIVATE_KEY: 'priv_key-2' }, 'VAPID_PRIVATE_KEY');
    fails({ VAPID_SUBJECT: 'admin' }, 'VAPID_SUBJECT');
    fails({ NODE_ENV: 'production', PUSH_ALLOW_LOOPBACK_HTTP: 'true' }, 'PUSH_ALLOW_LOOPBACK_HTTP');
    fails({ PUSH_TIMEOUT_MS: '5' }, 'PUSH_TIMEOUT_MS');
    fails({ PUSH_WORKERS: '0' }, 'PUSH_WORKERS');
    fails({ PUSH_WORKERS: '17' }, 'PUSH_WORKERS');
    fails({ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY');
    fails({ TRUST_PROXY: '11' }, 'TRUST_PROXY');
    fails({ TRUST_PROXY: '10.0.0.0/33' }, 'TRUST_PROXY');
    fails({ TRUST_PROXY: '10.0.0.1, proxy.internal' }, 'TRUST_PROXY');
    fails({ TRUST_PROXY: '10.0.0.256' }, 'TRUST_PROXY');
    fails({ TRUST_PROXY: 'fd00::/8/1' }, 'TRUST_PROXY');
    fails({ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN');
    fails({ METRICS_LISTEN: '9464' }, 'METRICS_LISTEN');
    fails({ METRICS_LISTEN: '127.0.0.1:70000' }, 'METRICS_LISTEN');
    fails({ METRICS_LISTEN: '[nope]:9464' }, 'METRICS_LISTEN');
    fails({ ALLOWED_ORIGINS: 'example.com' }, 'ALLOWED_ORIGINS');
    fails({ ALLOWED_ORIGINS: 'https://example.com/path' }, 'ALLOWED_ORIGINS');
    fails({ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN');
    fails({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
    fails({ SESSION_TTL_HOURS: '0' }, 'SESSION_TTL_HOURS');
  });

  it('should leave an incomplete TURN setup to /api/ice-verify rather than refuse to start', () => {
    const c = loadConfig({ TURN_MODE: 'custom', TURN_URLS: 'turn:x:3478' });
    assert.equal(c.turn.mode, 'custom');
    assert.equal(c.turn.username, undefined);
  });
});

describe('audit configuration', () => {
  it('should read AUDIT_TOKEN and AUDIT_SIGNING_KEY', () => {
    const c = loadConfig({
      ADMIN_TOKEN: 'a'.repeat(24),
      AUDIT_TOKEN: 'b'.repeat(24),
      AUDIT_SIGNING_KEY: Buffer.alloc(32, 7).toString('base64url'),
    });
    assert.equal(c.auditToken, 'b'.repeat(24));
    assert.equal(c.auditSigningKey, Buffer.alloc(32, 7).toString('base64url'));
  });

  it('should refuse a short audit token, one equal to the admin token, and a signing key that is not 32 bytes', () => {
    fails({ AUDIT_TOKEN: 'short' }, 'AUDIT_TOKEN');
    fails({ ADMIN_TOKEN: 'a'.repeat(24), AUDIT_TOKEN: 'a'.repeat(24) }, 'AUDIT_TOKEN');
    fails({ AUDIT_SIGNING_KEY: Buffer.alloc(31).toString('base64url') }, 'AUDIT_SIGNING_KEY');
    fails({ AUDIT_SIGNING_KEY: 'not base64url!' }, 'AUDIT_SIGNING_KEY');
  });
});
