import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it } from 'node:test';
import { createApp } from '../../api/app.ts';
import { loadConfig } from '../../app/config.ts';
import { freePort } from '../support/process.ts';

const config = () => loadConfig({ NODE_ENV: 'test', HOST: '127.0.0.1' });

/** Connections on `port` in TIME_WAIT, from the kernel's table (ss, iproute2). */
function timeWaits(port: number): number {
  const out = execFileSync('ss', ['-tan', 'state', 'time-wait', `sport = :${port}`], { encoding: 'utf8' });
  return out.trim().split('\n').length - 1;
}

/**
 * A deployment listens on a fixed PORT: stopped and started again (a restart, a crash), the server
 * must get that port back at once, not after the minute its closed connections sit in TIME_WAIT.
 */
describe('listening on a fixed port', () => {
  it('should take its port back at once after a restart, despite the TIME_WAIT connections left', async () => {
    const first = await createApp(config());
    const port = await first.listen(await freePort(), '127.0.0.1');
    // The server closes this connection first (`Connection: close`): its side waits in TIME_WAIT,
    // as the sockets a shutdown closes do.
    const client = net.connect(port, '127.0.0.1');
    await once(client, 'connect');
    client.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    client.resume();
    await once(client, 'close');
    await first.close();
    assert.ok(timeWaits(port) > 0, 'the stopped server left a connection in TIME_WAIT');
    const second = await createApp(config());
    try {
      assert.equal(await second.listen(port, '127.0.0.1'), port);
    } finally {
      await second.close();
    }
  });

  it('should refuse a port something listens on, and one another CallVault holds', async () => {
    const other = net.createServer();
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const taken = (other.address() as net.AddressInfo).port;
    const app = await createApp(config());
    try {
      await assert.rejects(app.listen(taken, '127.0.0.1'), /cannot listen on 127\.0\.0\.1:\d+ \(in use/);
    } finally {
      other.close();
    }
    // Freed: the same app takes it now; a second CallVault on it is refused.
    assert.equal(await app.listen(taken, '127.0.0.1'), taken);
    const second = await createApp(config());
    try {
      await assert.rejects(second.listen(taken, '127.0.0.1'), /in use/);
    } finally {
      await second.close();
      await app.close();
    }
  });
});
