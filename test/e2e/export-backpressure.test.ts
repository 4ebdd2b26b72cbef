import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ADMIN, type AuditServer, startAuditServer } from '../support/audit.ts';
import { eventually } from '../support/eventually.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';

const EVENTS = 20_000;
const PAD = 'x'.repeat(1000);

for (const mode of ['memory', 'postgres'] as const) {
  describe(`export backpressure (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: AuditServer;
    before(async () => {
      if (skip) return;
      s = await startAuditServer(mode);
      for (let i = 0; i < EVENTS; i += 1000) {
        const batch = Array.from({ length: 1000 }, (_, j) => ({
          type: 'Padded',
          data: { i: i + j, pad: PAD },
        }));
        await s.app.log.append(`test-pad-${i}`, batch);
      }
    });
    after(async () => {
      await s?.close();
    });

    it('should stop reading the log while the client does not read, and finish when it does', {
      skip,
    }, async () => {
      // Count the pages the route pulls from the log (the real service, observed).
      const audit = s.app.services.audit;
      const original = audit.exportRows.bind(audit);
      let pulled = 0;
      audit.exportRows = async function* (...args: Parameters<typeof original>) {
        for await (const page of original(...args)) {
          pulled++;
          yield page;
        }
      };
      const { port } = new URL(s.url);
      const socket = connect(Number(port), '127.0.0.1');
      socket.pause(); // read nothing: the kernel buffers fill, then uWS reports backpressure
      socket.write(
        `GET /api/admin/export HTTP/1.1\r\nHost: 127.0.0.1\r\nx-admin-token: ${ADMIN}\r\nConnection: close\r\n\r\n`,
      );
      await eventually(() => pulled > 0, 'the export to start');
      let last = -1;
      let since = Date.now();
      await eventually(() => {
        if (pulled !== last) {
          last = pulled;
          since = Date.now();
        }
        return Date.now() - since > 750;
      }, 'the export to stall');
      const pages = Math.ceil(EVENTS / 2000);
      assert.ok(pulled < pages - 2, `stalled after ${pulled} of ${pages} pages, not at the end`);

      // The response ends with the last chunk of the chunked encoding (uWS may keep the socket).
      const chunks: Buffer[] = [];
      const ended = new Promise<void>((resolve, reject) => {
        socket.on('data', (c: Buffer) => {
          chunks.push(c);
          if (c.toString('latin1').endsWith('\r\n0\r\n\r\n')) resolve();
        });
        socket.on('end', resolve);
        socket.on('error', reject);
      });
      socket.resume();
      await ended;
      socket.destroy();
      const text = Buffer.concat(chunks).toString();
      assert.match(text, /^HTTP\/1\.1 200 OK/);
      assert.equal(text.match(/^\{"position":/gm)?.length, EVENTS);
      assert.equal(pulled, pages);
      audit.exportRows = original;
    });
  });
}
