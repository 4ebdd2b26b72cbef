import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import {
  type Coturn,
  selfSignedCertificate,
  skipWithoutCoturn,
  startCoturn,
  turnRestCredentials,
} from '../../test/support/coturn.ts';
import { probeStun, probeTurn } from './probe.ts';
import {
  crc32,
  decodeStun,
  encodeStun,
  mappedAddressOf,
  verifyFingerprint,
  verifyIntegrity,
} from './stun-codec.ts';
import { parseIceUrl } from './urls.ts';

describe('ICE URLs', () => {
  it('should parse host, default ports and transports', () => {
    assert.deepEqual(parseIceUrl('stun:stun.example.org'), {
      scheme: 'stun',
      host: 'stun.example.org',
      port: 3478,
      transport: 'udp',
    });
    assert.deepEqual(parseIceUrl('turn:1.2.3.4:3479?transport=tcp'), {
      scheme: 'turn',
      host: '1.2.3.4',
      port: 3479,
      transport: 'tcp',
    });
    assert.deepEqual(parseIceUrl('turn:h?transport=udp'), {
      scheme: 'turn',
      host: 'h',
      port: 3478,
      transport: 'udp',
    });
    assert.deepEqual(parseIceUrl('turns:h'), { scheme: 'turns', host: 'h', port: 5349, transport: 'tls' });
    assert.deepEqual(parseIceUrl('turns:h:443?transport=tcp').transport, 'tls');
    assert.deepEqual(parseIceUrl('turns:h?transport=udp').transport, 'dtls');
    assert.deepEqual(parseIceUrl('stuns:h').port, 5349);
    assert.deepEqual(parseIceUrl('STUN:H:1').scheme, 'stun');
  });

  it('should take IPv6 literals in brackets only', () => {
    assert.deepEqual(parseIceUrl('stun:[::1]:19302'), {
      scheme: 'stun',
      host: '::1',
      port: 19302,
      transport: 'udp',
    });
    assert.deepEqual(parseIceUrl('turn:[2001:db8::1]?transport=tcp').host, '2001:db8::1');
    assert.throws(() => parseIceUrl('stun:2001:db8::1'), /brackets/);
    assert.throws(() => parseIceUrl('stun:[2001:db8::1'), /unterminated/);
    assert.throws(() => parseIceUrl('stun:[nope]:1'), /not an IPv6/);
  });

  it('should refuse what is not an ICE URL', () => {
    assert.throws(() => parseIceUrl('http://example.org'), /not a stun/);
    assert.throws(() => parseIceUrl('stun:'), /host/);
    assert.throws(() => parseIceUrl('stun:h:0'), /port/);
    assert.throws(() => parseIceUrl('stun:h:65536'), /port/);
    assert.throws(() => parseIceUrl('stun:h:x'), /port/);
    assert.throws(() => parseIceUrl('turn:h?transport=sctp'), /transport/);
    assert.throws(() => parseIceUrl('stun:h?transport=tcp'), /no transport/);
  });
});

describe('STUN messages (RFC 5769 test vectors)', () => {
  // RFC 5769 §2.2 and §2.3: Binding success responses, short-term password below.
  const password = Buffer.from('VOkJxbRl1RmTxUk/WvJxBt');
  const head = '2112a442b7e7a701bc34d686fa87dfae' + '8022000b7465737420766563746f7220';
  const ipv4 = Buffer.from(
    `0101003c${head}002000080001a147e112a643` +
      '000800142b91f599fd9e90c38c7489f92af9ba53f06be7d7' +
      '80280004c07d4c96',
    'hex',
  );
  const ipv6 = Buffer.from(
    `01010048${head}002000140002a1470113a9faa5d3f179bc25f4b5bed2b9d9` +
      '00080014a382954e4be67bf11784c97c8292c275bfe3ed41' +
      '80280004c8fb0b4c',
    'hex',
  );

  it('should decode XOR-MAPPED-ADDRESS and check MESSAGE-INTEGRITY and FINGERPRINT', () => {
    const v4 = decodeStun(ipv4)!;
    assert.equal(v4.type, 0x0101);
    assert.equal(mappedAddressOf(v4), '192.0.2.1:32853');
    assert.equal(verifyIntegrity(v4, password), true);
    assert.equal(verifyIntegrity(v4, Buffer.from('wrong')), false);
    assert.equal(verifyFingerprint(v4), true);

    const v6 = decodeStun(ipv6)!;
    assert.equal(mappedAddressOf(v6), '[2001:db8:1234:5678:11:2233:4455:6677]:32853');
    assert.equal(verifyIntegrity(v6, password), true);
    assert.equal(verifyFingerprint(v6), true);

    const corrupt = Buffer.from(ipv4);
    corrupt[corrupt.length - 1]! ^= 1;
    assert.equal(verifyFingerprint(decodeStun(corrupt)!), false);
  });

  it('should encode messages whose integrity and fingerprint verify', () => {
    const key = Buffer.from('key');
    const msg = encodeStun(0x0003, Buffer.alloc(12, 7), [[0x0006, Buffer.from('user')]], key);
    assert.equal(msg.length % 4, 0);
    assert.equal(msg.readUInt16BE(2), msg.length - 20);
    const decoded = decodeStun(msg)!;
    assert.deepEqual(
      decoded.attributes.map((a) => a.type),
      [0x0006, 0x0008, 0x8028],
    );
    assert.equal(verifyIntegrity(decoded, key), true);
    assert.equal(verifyFingerprint(decoded), true);
    if (typeof zlib.crc32 === 'function') assert.equal(crc32(msg), zlib.crc32(msg));
  });

  it('should not take non-STUN data for a message', () => {
    assert.equal(decodeStun(Buffer.from('GET / HTTP/1.1\r\n\r\n')), null);
    assert.equal(decodeStun(ipv4.subarray(0, 40)), null);
  });
});

/**
 * Open UDP/TCP handles by kind. A handle closed in this turn of the event loop is released in the
 * next, so this lets the loop turn (a bounded number of times) until the counts stop changing.
 */
async function socketCounts(): Promise<Record<string, number>> {
  const count = () => {
    const counts: Record<string, number> = {};
    for (const r of process.getActiveResourcesInfo()) {
      if (/UDP|TCP|TLS/i.test(r)) counts[r] = (counts[r] ?? 0) + 1;
    }
    return JSON.stringify(counts);
  };
  let last = count();
  for (let i = 0; i < 20; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    const now = count();
    if (now === last && i >= 2) break;
    last = now;
  }
  return JSON.parse(last);
}

describe('ICE probes against a real coturn', { skip: skipWithoutCoturn() }, () => {
  let turn: Coturn;
  let cert: ReturnType<typeof selfSignedCertificate>;
  before(async () => {
    cert = selfSignedCertificate();
    turn = await startCoturn({ secret: 'probe-test-secret', tls: { cert: cert.cert, key: cert.key } });
  });
  after(async () => {
    await turn?.stop();
    cert?.remove();
  });

  it('should get a Binding success with our mapped address over UDP', async () => {
    const r = await probeStun(`stun:127.0.0.1:${turn.port}`, 2000);
    assert.equal(r.ok, true, r.error);
    assert.match(r.mappedAddress!, /^127\.0\.0\.1:\d+$/);
    assert.equal(typeof r.rttMs, 'number');
    assert.equal(r.error, undefined);
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`should allocate over ${transport.toUpperCase()} with REST credentials and release it`, async () => {
      const { username, credential } = turn.credentials('alice');
      const url = `turn:127.0.0.1:${turn.port}${transport === 'tcp' ? '?transport=tcp' : ''}`;
      const r = await probeTurn(url, username, credential, 2000);
      assert.equal(r.ok, true, r.error);
      assert.equal(r.transport, transport);
      const [host, port] = r.relayedAddress!.split(':');
      assert.equal(host, '127.0.0.1');
      assert.ok(Number(port) >= turn.relayPorts.min && Number(port) <= turn.relayPorts.max, r.relayedAddress);
      assert.match(r.mappedAddress!, /^127\.0\.0\.1:\d+$/);
      assert.ok(r.lifetimeSeconds! > 0);
      assert.equal(r.released, true);
    });
  }

  it('should allocate over TLS (turns:) and answer a Binding over TLS (stuns:)', async () => {
    const { username, credential } = turn.credentials('alice');
    const tls = { ca: cert.pem };
    const t = await probeTurn(`turns:127.0.0.1:${turn.tlsPort}`, username, credential, 2000, { tls });
    assert.equal(t.ok, true, t.error);
    assert.equal(t.transport, 'tls');
    assert.equal(t.released, true);
    const s = await probeStun(`stuns:127.0.0.1:${turn.tlsPort}`, 2000, { tls });
    assert.equal(s.ok, true, s.error);

    const untrusted = await probeTurn(`turns:127.0.0.1:${turn.tlsPort}`, username, credential, 2000);
    assert.equal(untrusted.ok, false);
    assert.match(untrusted.error!, /TLS handshake failed: self-signed certificate/);
    const dtls = await probeTurn(`turns:127.0.0.1:${turn.tlsPort}?transport=udp`, username, credential, 2000);
    assert.deepEqual([dtls.ok, dtls.error], [null, 'not probed (DTLS)']);
  });

  it('should report a wrong credential as 401 over UDP and TCP', async () => {
    const { username } = turn.credentials('alice');
    for (const suffix of ['', '?transport=tcp']) {
      const r = await probeTurn(`turn:127.0.0.1:${turn.port}${suffix}`, username, 'not-the-credential', 2000);
      assert.equal(r.ok, false);
      assert.equal(r.errorCode, 401);
      assert.match(r.error!, /^401 Unauthorized: wrong TURN credentials/);
      assert.equal(r.relayedAddress, undefined);
    }
  });

  it('should report an expired REST username and a secret mismatch as 401', async () => {
    const expired = turnRestCredentials(turn.secret, 'alice', -60);
    const r = await probeTurn(`turn:127.0.0.1:${turn.port}`, expired.username, expired.credential, 2000);
    assert.deepEqual([r.ok, r.errorCode], [false, 401]);
    const other = turnRestCredentials('some-other-secret', 'alice');
    const s = await probeTurn(`turn:127.0.0.1:${turn.port}`, other.username, other.credential, 2000);
    assert.deepEqual([s.ok, s.errorCode], [false, 401]);
  });

  it('should say so when the server needs credentials and none are given', async () => {
    const r = await probeTurn(`turn:127.0.0.1:${turn.port}`, '', '', 2000);
    assert.equal(r.ok, false);
    assert.match(r.error!, /^401 Unauthorized: the server requires TURN credentials and none are configured/);
  });

  it('should time out on a dead UDP port within the timeout', async () => {
    const dead = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => dead.bind(0, '127.0.0.1', () => resolve()));
    const port = dead.address().port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const { username, credential } = turn.credentials('alice');
    for (const probe of [
      () => probeStun(`stun:127.0.0.1:${port}`, 300),
      () => probeTurn(`turn:127.0.0.1:${port}`, username, credential, 300),
    ]) {
      const started = Date.now();
      const r = await probe();
      const elapsed = Date.now() - started;
      assert.equal(r.ok, false);
      assert.match(r.error!, /^timeout: no answer from 127\.0\.0\.1:\d+ over UDP within 300 ms$/);
      assert.ok(elapsed >= 290 && elapsed < 500, `took ${elapsed} ms`);
    }
  });

  it('should time out on a TCP server that never answers, and hang up on it', async () => {
    let hungUp!: () => void;
    const closed = new Promise<void>((resolve) => {
      hungUp = resolve;
    });
    const silent = net.createServer((socket) => socket.on('close', hungUp).resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const r = await probeTurn(`turn:127.0.0.1:${port}?transport=tcp`, 'u', 'p', 300);
      const elapsed = Date.now() - started;
      assert.equal(r.ok, false);
      assert.match(r.error!, /^timeout: no answer from 127\.0\.0\.1:\d+ over TCP within 300 ms$/);
      assert.ok(elapsed >= 290 && elapsed < 500, `took ${elapsed} ms`);
      await closed;
    } finally {
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('should report a refused TCP connection at once', async () => {
    const s = net.createServer();
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((resolve) => s.close(resolve));
    const started = Date.now();
    const r = await probeTurn(`turn:127.0.0.1:${port}?transport=tcp`, 'u', 'p', 2000);
    assert.equal(r.ok, false);
    assert.equal(r.error, `connection refused by 127.0.0.1:${port}`);
    assert.ok(Date.now() - started < 500);
  });

  it('should retransmit a Binding request lost on UDP', async () => {
    // A fake STUN server that drops the first request and answers the retransmission.
    const server = dgram.createSocket('udp4');
    let seen = 0;
    server.on('message', (data, rinfo) => {
      if (++seen === 1) return;
      const request = decodeStun(data)!;
      const xor = Buffer.alloc(8);
      xor.writeUInt16BE(0x0001, 0);
      xor.writeUInt16BE(rinfo.port ^ 0x2112, 2);
      xor.writeUInt32BE((0x7f000001 ^ 0x2112a442) >>> 0, 4);
      server.send(encodeStun(0x0101, request.transactionId, [[0x0020, xor]]), rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', () => resolve()));
    try {
      const r = await probeStun(`stun:127.0.0.1:${server.address().port}`, 3000);
      assert.equal(r.ok, true, r.error);
      assert.equal(seen, 2);
      assert.ok(r.rttMs! >= 450, `rtt ${r.rttMs} ms includes the 500 ms retransmission timer`);
      assert.match(r.mappedAddress!, /^127\.0\.0\.1:\d+$/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('should leave no socket open after any probe', async () => {
    const baseline = await socketCounts();
    const { username, credential } = turn.credentials('alice');
    await Promise.all([
      probeStun(`stun:127.0.0.1:${turn.port}`, 1000),
      probeTurn(`turn:127.0.0.1:${turn.port}`, username, credential, 1000),
      probeTurn(`turn:127.0.0.1:${turn.port}?transport=tcp`, username, 'wrong', 1000),
      probeTurn(`turns:127.0.0.1:${turn.tlsPort}`, username, credential, 1000, { tls: { ca: cert.pem } }),
      probeStun('stun:127.0.0.1:9', 200),
      probeStun('stun:not a url', 200),
    ]);
    assert.deepEqual(await socketCounts(), baseline);
  });
});
