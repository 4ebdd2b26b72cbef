// Run inside a lab namespace (plain node, so it starts fast): one UDP socket sends a STUN Binding
// request (RFC 5389) to each `ip:port` given and prints, as JSON, the mapped address each server
// saw (XOR-MAPPED-ADDRESS). One socket for every destination is what tells NAT mapping behaviours
// apart (RFC 4787): endpoint-independent mapping shows one mapped address, address-and-port-
// dependent (symmetric) mapping one per destination. null: no answer within 3 s.
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

const COOKIE = 0x2112a442;

function request(id) {
  const b = Buffer.alloc(20);
  b.writeUInt16BE(0x0001, 0); // Binding request, no attributes
  b.writeUInt32BE(COOKIE, 4);
  id.copy(b, 8);
  return b;
}

function mapped(buf, id) {
  if (buf.length < 20 || buf.readUInt16BE(0) !== 0x0101 || !buf.subarray(8, 20).equals(id)) return undefined;
  for (let o = 20; o + 4 <= buf.length; ) {
    const type = buf.readUInt16BE(o);
    const len = buf.readUInt16BE(o + 2);
    if (type === 0x0020 && buf[o + 5] === 0x01) {
      const port = buf.readUInt16BE(o + 6) ^ (COOKIE >>> 16);
      const ip = (buf.readUInt32BE(o + 8) ^ COOKIE) >>> 0;
      return `${ip >>> 24}.${(ip >>> 16) & 255}.${(ip >>> 8) & 255}.${ip & 255}:${port}`;
    }
    o += 4 + Math.ceil(len / 4) * 4;
  }
  return undefined;
}

const socket = dgram.createSocket('udp4');
await new Promise((r) => socket.bind(0, r));
const localPort = socket.address().port;
const seen = {};
for (const target of process.argv.slice(2)) {
  const [host, port] = target.split(':');
  const id = randomBytes(12);
  const msg = request(id);
  seen[target] = await new Promise((resolve) => {
    const finish = (value) => {
      clearInterval(resend);
      clearTimeout(limit);
      socket.off('message', onMessage);
      resolve(value);
    };
    const onMessage = (buf) => {
      const m = mapped(buf, id);
      if (m) finish(m);
    };
    socket.on('message', onMessage);
    const resend = setInterval(() => socket.send(msg, Number(port), host), 200);
    const limit = setTimeout(() => finish(null), 3000);
    socket.send(msg, Number(port), host);
  });
}
socket.close();
process.stdout.write(`${JSON.stringify({ localPort, mapped: seen })}\n`);
