/**
 * Transports for the probes: a channel sends STUN requests and matches responses by
 * transaction id, over UDP, TCP or TLS (messages back to back on the stream, RFC 5389 §7.2.2).
 * Every wait ends at a deadline, name resolution included.
 */
import dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import tls from 'node:tls';
import { decodeStun, HEADER, type StunMessage } from './stun-codec.ts';
import type { IceUrl } from './urls.ts';

export interface ProbeOptions {
  /** For `stuns:`/`turns:`: extra trust (`ca`) for private deployments and tests. */
  tls?: Pick<tls.ConnectionOptions, 'ca' | 'rejectUnauthorized'>;
}

class ProbeTimeout extends Error {}

export interface Channel {
  /** Sends `msg` and resolves with the response to its transaction, or rejects at `deadline`. */
  request(msg: Buffer, deadline: number): Promise<StunMessage>;
  close(): Promise<void>;
}

interface Pending {
  resolve(m: StunMessage): void;
  reject(e: Error): void;
}

/** The error a probe reports when `target` did not answer in time. */
export function timeoutError(target: string, timeoutMs: number): Error {
  return new ProbeTimeout(`timeout: no answer from ${target} within ${timeoutMs} ms`);
}

/** Races `p` against the deadline; the timer is always cleared. */
async function beforeDeadline<T>(p: Promise<T>, deadline: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onTimeout()), Math.max(0, deadline - Date.now()));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

class ChannelBase {
  protected pending = new Map<string, Pending>();
  protected failure: Error | null = null;

  constructor(protected readonly onTimeout: () => Error) {}

  protected deliver(msg: StunMessage): void {
    const key = msg.transactionId.toString('hex');
    const waiter = this.pending.get(key);
    if (!waiter) return; // a late retransmission's answer, or not ours
    this.pending.delete(key);
    waiter.resolve(msg);
  }

  protected fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.pending.values()) w.reject(error);
    this.pending.clear();
  }

  /** Registers the transaction, calls `send` (and `retransmit` on timer ticks) until answered. */
  protected transact(msg: Buffer, deadline: number, send: () => void, rto?: number): Promise<StunMessage> {
    if (this.failure) return Promise.reject(this.failure);
    const key = msg.subarray(8, 20).toString('hex');
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<StunMessage>((resolve, reject) => {
      this.pending.set(key, { resolve, reject });
      send();
      if (rto !== undefined) {
        // RFC 5389 §7.2.1: retransmit with a doubling RTO (bounded by the deadline instead of Rc).
        let wait = rto;
        const tick = () => {
          if (!this.pending.has(key)) return;
          send();
          wait *= 2;
          timer = setTimeout(tick, wait);
        };
        timer = setTimeout(tick, wait);
      }
    });
    return beforeDeadline(answered, deadline, this.onTimeout).finally(() => {
      clearTimeout(timer);
      this.pending.delete(key);
    });
  }
}

class UdpChannel extends ChannelBase implements Channel {
  private socket: dgram.Socket;
  private closed: Promise<void> | null = null;

  constructor(
    private readonly address: string,
    private readonly port: number,
    family: 4 | 6,
    onTimeout: () => Error,
  ) {
    super(onTimeout);
    // Not connect()ed: an ICMP port-unreachable is not reported, so a dead port is a timeout as it
    // would be behind any firewall; answers from other sources are ignored below.
    this.socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    this.socket.on('message', (data, rinfo) => {
      if (rinfo.address !== this.address || rinfo.port !== this.port) return;
      const msg = decodeStun(data);
      if (msg) this.deliver(msg);
    });
    this.socket.on('error', (e) => this.fail(e));
  }

  request(msg: Buffer, deadline: number): Promise<StunMessage> {
    const send = () =>
      this.socket.send(msg, this.port, this.address, (e) => {
        if (e) this.fail(e);
      });
    return this.transact(msg, deadline, send, 500);
  }

  close(): Promise<void> {
    this.closed ??= new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // never bound, or already closed
      }
    });
    return this.closed;
  }
}

class StreamChannel extends ChannelBase implements Channel {
  private buffer: Buffer = Buffer.alloc(0);

  private constructor(
    private readonly socket: net.Socket,
    onTimeout: () => Error,
  ) {
    super(onTimeout);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  static async open(
    kind: 'tcp' | 'tls',
    address: string,
    port: number,
    servername: string | undefined,
    options: ProbeOptions,
    deadline: number,
    onTimeout: () => Error,
  ): Promise<StreamChannel> {
    const socket =
      kind === 'tls'
        ? tls.connect({ host: address, port, ...(servername ? { servername } : {}), ...options.tls })
        : net.connect({ host: address, port });
    const connected = new Promise<void>((resolve, reject) => {
      socket.once(kind === 'tls' ? 'secureConnect' : 'connect', () => resolve());
      socket.once('error', reject);
    });
    try {
      await beforeDeadline(connected, deadline, onTimeout);
    } catch (e) {
      await destroy(socket);
      const err = e as NodeJS.ErrnoException;
      if (err.code === 'ECONNREFUSED') throw new Error(`connection refused by ${address}:${port}`);
      if (kind === 'tls' && !(err instanceof ProbeTimeout))
        throw new Error(`TLS handshake failed: ${err.message}`);
      throw err;
    }
    return new StreamChannel(socket, onTimeout);
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 4) {
      let size: number;
      if ((this.buffer[0]! & 0xc0) === 0x40) {
        // ChannelData (RFC 8656 §12.5): padded to 4 bytes on streams; not ours, skip it.
        size = 4 + Math.ceil(this.buffer.readUInt16BE(2) / 4) * 4;
      } else if ((this.buffer[0]! & 0xc0) === 0) {
        size = HEADER + this.buffer.readUInt16BE(2);
      } else {
        this.fail(new Error('the server sent data that is not STUN'));
        this.socket.destroy();
        return;
      }
      if (this.buffer.length < size) return;
      const frame = this.buffer.subarray(0, size);
      this.buffer = this.buffer.subarray(size);
      const msg = decodeStun(frame);
      if (msg) this.deliver(msg);
    }
  }

  request(msg: Buffer, deadline: number): Promise<StunMessage> {
    return this.transact(msg, deadline, () => this.socket.write(msg));
  }

  close(): Promise<void> {
    return destroy(this.socket);
  }
}

function destroy(socket: net.Socket): Promise<void> {
  if (socket.destroyed && socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.destroy();
    if (socket.closed) resolve();
  });
}

interface Target {
  parsed: IceUrl;
  address: string;
  family: 4 | 6;
  label: string;
}

/** Resolves the URL's host (within the deadline) to the address a channel connects to. */
export async function resolveTarget(
  parsed: IceUrl,
  deadline: number,
  onTimeout: () => Error,
): Promise<Target> {
  const literal = net.isIP(parsed.host);
  let address = parsed.host;
  let family = literal as 0 | 4 | 6;
  if (!literal) {
    try {
      const found = await beforeDeadline(lookup(parsed.host), deadline, onTimeout);
      address = found.address;
      family = found.family as 4 | 6;
    } catch (e) {
      if (e instanceof ProbeTimeout) throw e;
      throw new Error(`cannot resolve ${parsed.host}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
  }
  const hostLabel = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  const resolved = address === parsed.host ? '' : ` (${address})`;
  return {
    parsed,
    address,
    family: family === 6 ? 6 : 4,
    label: `${hostLabel}:${parsed.port}${resolved} over ${parsed.transport.toUpperCase()}`,
  };
}

/** A channel to the target over the URL's transport (DTLS is refused: not probed). */
export async function openChannel(
  target: Target,
  options: ProbeOptions,
  deadline: number,
  onTimeout: () => Error,
): Promise<Channel> {
  const { parsed, address, family } = target;
  if (parsed.transport === 'udp') return new UdpChannel(address, parsed.port, family, onTimeout);
  if (parsed.transport === 'dtls') throw new Error('DTLS is not probed');
  const servername = net.isIP(parsed.host) ? undefined : parsed.host;
  return StreamChannel.open(parsed.transport, address, parsed.port, servername, options, deadline, onTimeout);
}

/** The message of anything thrown. */
export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
