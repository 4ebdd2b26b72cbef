import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { type Coturn, skipWithoutCoturn, startCoturn } from '../support/coturn.ts';
import { startServer } from '../support/server.ts';

async function verify(env: Record<string, string>) {
  const s = await startServer('memory', { ICE_PROBE_TIMEOUT_MS: '1500', ...env });
  try {
    const res = await fetch(`${s.url}/api/ice-verify`);
    return { http: res.status, body: await res.json() };
  } finally {
    await s.close();
  }
}

describe('/api/ice-verify probes each STUN and TURN server', () => {
  const skip = skipWithoutCoturn();
  let coturn: Coturn;
  before(async () => {
    if (!skip) coturn = await startCoturn({ secret: 'ice-verify-secret' });
  });
  after(async () => {
    if (!skip) await coturn.stop();
  });

  it('should report ok with every server reachable and TURN allocating with REST credentials', {
    skip,
  }, async () => {
    const { http, body } = await verify({
      STUN_URLS: `stun:127.0.0.1:${coturn.port}`,
      TURN_MODE: 'rest',
      TURN_URLS: `turn:127.0.0.1:${coturn.port},turn:127.0.0.1:${coturn.port}?transport=tcp`,
      TURN_SECRET: coturn.secret,
    });
    assert.equal(http, 200, JSON.stringify(body));
    assert.equal(body.status, 'ok');
    assert.equal(body.stunServersCount, 1);
    assert.equal(body.turnServersCount, 2);
    assert.deepEqual(
      body.servers.map((s: any) => [s.kind, s.ok]),
      [
        ['stun', true],
        ['turn', true],
        ['turn', true],
      ],
    );
  });

  it('should report a wrong TURN secret or static password as an error naming the server', {
    skip,
  }, async () => {
    const rest = await verify({
      STUN_URLS: `stun:127.0.0.1:${coturn.port}`,
      TURN_MODE: 'rest',
      TURN_URLS: `turn:127.0.0.1:${coturn.port}`,
      TURN_SECRET: 'not-the-secret',
    });
    assert.equal(rest.http, 503);
    assert.equal(rest.body.status, 'error');
    assert.match(rest.body.problems.join(), new RegExp(`turn:127.0.0.1:${coturn.port}: 401`));
    const custom = await verify({
      TURN_MODE: 'custom',
      TURN_URLS: `turn:127.0.0.1:${coturn.port}`,
      TURN_USERNAME: 'someone',
      TURN_CREDENTIAL: 'wrong',
    });
    assert.equal(custom.body.status, 'error');
    assert.equal(custom.body.servers[0].ok, false);
  });

  it('should report an unreachable server within the probe timeout', { skip }, async () => {
    // A UDP port that is bound but never answers.
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    try {
      const started = Date.now();
      const { body } = await verify({
        STUN_URLS: `stun:127.0.0.1:${silent.address().port}`,
        ICE_PROBE_TIMEOUT_MS: '400',
      });
      assert.equal(body.status, 'error');
      assert.match(body.servers[0].error, /timeout/);
      assert.ok(Date.now() - started < 5000);
    } finally {
      silent.close();
    }
  });
});
