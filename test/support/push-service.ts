/**
 * A local push service that behaves like a real one toward the sender (RFC 8030/8291/8292):
 * it checks the VAPID JWT (ES256 over the key in `k`, `aud` = its origin, `exp` within 24 h,
 * `sub` a mailto: or https: URL), requires TTL and aes128gcm, and decrypts each payload with
 * the device's private key — so tests assert on what a browser would really receive. It
 * answers 201, or what a test scripts (404, 410, 429 with Retry-After, 500, a hang), and can
 * hold messages for a device that is "offline", replacing pending ones by Topic as real
 * services do.
 */
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface PushRequest {
  device: string;
  status: number;
  /** The decrypted payload, parsed as JSON (null when the request was refused before decryption). */
  payload: any;
  ttl: number;
  urgency: string | null;
  topic: string | null;
  /** The VAPID key (`k`) and JWT claims the request carried. */
  vapidKey: string;
  claims: { aud: string; exp: number; sub: string };
  at: number;
}

interface Device {
  id: string;
  ecdh: ReturnType<typeof createECDH>;
  auth: Buffer;
  /** Statuses to answer next, in order (then 201). */
  script: { status: number; retryAfter?: string }[];
  /** Held while offline, one per topic (the newest), in arrival order. */
  held: PushRequest[];
  offline: boolean;
}

export interface FakeDevice {
  id: string;
  endpoint: string;
  /** What `PushSubscription.toJSON().keys` gives a browser. */
  p256dh: string;
  auth: string;
}

const b64u = (b: Buffer) => b.toString('base64url');

/** RFC 8291 aes128gcm decryption of one record with the device's private key. */
export function decryptAes128gcm(
  body: Buffer,
  ecdh: ReturnType<typeof createECDH>,
  authSecret: Buffer,
): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const ciphertext = body.subarray(21 + idlen);
  if (idlen !== 65) throw new Error(`keyid must be the 65-byte sender key, got ${idlen} bytes`);
  if (ciphertext.length > rs) throw new Error('more than one record');
  const uaPublic = ecdh.getPublicKey();
  const ecdhSecret = ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), uaPublic, asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', ecdhSecret, authSecret, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const padded = Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - 16)),
    decipher.final(),
  ]);
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('last record must end with the 0x02 delimiter');
  return padded.subarray(0, end);
}

/** Checks a VAPID `Authorization` header (RFC 8292); returns the claims or throws why not. */
export function verifyVapid(header: string | undefined, origin: string, now = Date.now()) {
  const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
  if (!m) throw new Error(`not a vapid Authorization header: ${header}`);
  const [, jwt, k] = m as unknown as [string, string, string];
  const [h, p, s] = jwt.split('.');
  if (!h || !p || !s) throw new Error('malformed JWT');
  const head = JSON.parse(Buffer.from(h, 'base64url').toString());
  if (head.alg !== 'ES256') throw new Error(`JWT alg must be ES256, got ${head.alg}`);
  const raw = Buffer.from(k, 'base64url');
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('k is not an uncompressed P-256 key');
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64u(raw.subarray(1, 33)), y: b64u(raw.subarray(33)) },
    format: 'jwk',
  });
  const ok = verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(s, 'base64url'),
  );
  if (!ok) throw new Error('JWT signature does not verify with k');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as {
    aud: string;
    exp: number;
    sub: string;
  };
  if (claims.aud !== origin) throw new Error(`aud ${claims.aud} is not ${origin}`);
  const nowS = Math.floor(now / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= nowS) throw new Error('JWT expired');
  if (claims.exp > nowS + 24 * 3600) throw new Error('JWT exp more than 24 h ahead');
  if (!/^(mailto:|https:)/.test(claims.sub ?? ''))
    throw new Error(`sub ${claims.sub} is not mailto: or https:`);
  return { k, claims };
}

export class FakePushService {
  readonly requests: PushRequest[] = [];
  /** Requests refused for a protocol error (bad JWT, no TTL, undecryptable): must stay empty. */
  readonly refusals: string[] = [];
  private readonly devices = new Map<string, Device>();
  private readonly waiters: { match: (r: PushRequest) => boolean; resolve: (r: PushRequest) => void }[] = [];
  private readonly sockets = new Set<Socket>();
  private hang = false;
  private hanging: ServerResponse[] = [];
  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<FakePushService> {
    let service!: FakePushService;
    const server = createServer((req, res) => service.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    service = new FakePushService(server, `http://127.0.0.1:${port}`);
    server.on('connection', (s) => {
      service.sockets.add(s);
      s.on('close', () => service.sockets.delete(s));
    });
    return service;
  }

  /** A new device subscription, with keys made here as a browser makes them. */
  device(): FakeDevice {
    const id = b64u(randomBytes(12));
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const auth = randomBytes(16);
    this.devices.set(id, { id, ecdh, auth, script: [], held: [], offline: false });
    return { id, endpoint: `${this.origin}/push/${id}`, p256dh: b64u(ecdh.getPublicKey()), auth: b64u(auth) };
  }

  /** The next answers for `device` (then 201 again); `410` for good is `gone`. */
  script(device: string, ...answers: { status: number; retryAfter?: string }[]): void {
    this.devices.get(device)!.script.push(...answers);
  }

  /** From now on `device` is unknown here: every request for it gets 410. */
  gone(device: string): void {
    this.devices.delete(device);
  }

  /** Requests are taken but never answered (a stalled push service). */
  setHanging(on: boolean): void {
    this.hang = on;
    if (!on) for (const r of this.hanging.splice(0)) r.destroy();
  }

  /** Requests taken and not answered while hanging. */
  get hangingCount(): number {
    return this.hanging.length;
  }

  /** Holds messages for `device` instead of delivering them; `online` hands over what is held. */
  setOffline(device: string, offline: boolean): PushRequest[] {
    const d = this.devices.get(device)!;
    d.offline = offline;
    return offline ? [] : d.held.splice(0);
  }

  forDevice(device: string): PushRequest[] {
    return this.requests.filter((r) => r.device === device);
  }

  /** The next request (already received or still to come) for which `match` holds. */
  next(match: (r: PushRequest) => boolean, timeoutMs = 15_000): Promise<PushRequest> {
    const seen = this.requests.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching push request arrived')), timeoutMs);
      this.waiters.push({
        match,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (this.hang) {
        this.hanging.push(res);
        return;
      }
      const id = /^\/push\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '')?.[1];
      const device = id ? this.devices.get(id) : undefined;
      if (req.method !== 'POST') return void res.writeHead(405).end();
      let verified: ReturnType<typeof verifyVapid>;
      let payload: unknown;
      const ttl = Number(req.headers.ttl);
      try {
        verified = verifyVapid(req.headers.authorization, this.origin);
        if (!Number.isInteger(ttl) || ttl < 0) throw new Error('TTL header missing');
        if (req.headers['content-encoding'] !== 'aes128gcm')
          throw new Error('Content-Encoding is not aes128gcm');
        if (!device) {
          this.record(id ?? '?', 410, null, ttl, req, verified);
          return void res.writeHead(410).end();
        }
        payload = JSON.parse(
          decryptAes128gcm(Buffer.concat(chunks), device.ecdh, device.auth).toString('utf8'),
        );
      } catch (error) {
        this.refusals.push(String(error));
        return void res.writeHead(400).end(String(error));
      }
      const scripted = device.script.shift();
      const status = scripted?.status ?? 201;
      const r = this.record(device.id, status, payload, ttl, req, verified);
      if (status === 201 && device.offline) {
        const i = r.topic ? device.held.findIndex((h) => h.topic === r.topic) : -1;
        if (i >= 0) device.held.splice(i, 1);
        device.held.push(r);
      }
      res.writeHead(status, scripted?.retryAfter ? { 'retry-after': scripted.retryAfter } : {}).end();
    });
  }

  private record(
    device: string,
    status: number,
    payload: unknown,
    ttl: number,
    req: IncomingMessage,
    v: ReturnType<typeof verifyVapid>,
  ): PushRequest {
    const r: PushRequest = {
      device,
      status,
      payload,
      ttl,
      urgency: (req.headers.urgency as string | undefined) ?? null,
      topic: (req.headers.topic as string | undefined) ?? null,
      vapidKey: v.k,
      claims: v.claims,
      at: Date.now(),
    };
    this.requests.push(r);
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      if (w.match(r)) {
        this.waiters.splice(i--, 1);
        w.resolve(r);
      }
    }
    return r;
  }

  async close(): Promise<void> {
    this.setHanging(false);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
