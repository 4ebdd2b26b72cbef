import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { main } from '../../events/cli.ts';
import { ADMIN, AUDITOR, type AuditServer, asOperator, startAuditServer } from '../support/audit.ts';
import { gql, register, send } from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';

async function run(args: string[]): Promise<{ code: number; lines: string[] }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const code = await main(args, out);
  out.end();
  return { code, lines: Buffer.concat(chunks).toString().split('\n').filter(Boolean) };
}

const dir = mkdtempSync(join(tmpdir(), 'cv-cli-'));

for (const mode of ['memory', 'postgres'] as const) {
  describe(`events CLI against a running server (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: AuditServer;
    const saved = process.env.CALLVAULT_OPERATOR_TOKEN;
    before(async () => {
      if (skip) return;
      s = await startAuditServer(mode);
      const [ada, bob] = [await register(s.url, 'Ada'), await register(s.url, 'Bob')];
      await send(s.url, ada, bob.address, 'secret body');
      await gql(
        s.url,
        'mutation($a: String!) { addContact(address: $a) { address } }',
        { a: bob.address },
        ada.token,
      );
      process.env.CALLVAULT_OPERATOR_TOKEN = AUDITOR;
    });
    after(async () => {
      if (saved === undefined) delete process.env.CALLVAULT_OPERATOR_TOKEN;
      else process.env.CALLVAULT_OPERATOR_TOKEN = saved;
      await s?.close();
    });

    it('should replay through the export endpoint and print digests equal to the live ones, states only with --dump', {
      skip,
    }, async () => {
      const { code, lines } = await run(['replay', '--server', s.url]);
      assert.equal(code, 0);
      assert.ok(!lines[0]!.includes('secret body'), 'no state, no message body, by default');
      const report = JSON.parse(lines[0]!);
      const live = (await asOperator(s.url, AUDITOR, '{ auditDigests { name live position } }')).data!
        .auditDigests as {
        name: string;
        live: string;
        position: number;
      }[];
      for (const d of live) {
        // The replay read the log before the digests' own AuditRead events; digests of the
        // domain read models do not change with audit events, so they must be equal.
        assert.equal(report.projections[d.name].digest, d.live, d.name);
      }
      const dump = await run(['replay', '--server', s.url, '--dump']);
      assert.ok(dump.lines[0]!.includes('secret body'));
      assert.ok(JSON.parse(dump.lines[0]!).projections.conversations.state);
    });

    it('should verify through the export endpoint, and against a signed checkpoint', { skip }, async () => {
      const res = await fetch(`${s.url}/api/admin/checkpoint`, {
        method: 'POST',
        headers: { 'x-admin-token': ADMIN },
      });
      const c = (await res.json()) as { position: number; hash: string; publicKey: string };
      const file = join(dir, `checkpoint-${mode}.json`);
      writeFileSync(file, JSON.stringify(c));
      const ok = await run(['verify', '--server', s.url, '--checkpoint', file, '--public-key', c.publicKey]);
      assert.equal(ok.code, 0, ok.lines.join());
      assert.equal(JSON.parse(ok.lines[0]!).checkpoint, 'reached');
      const otherKey = 'A'.repeat(43);
      const badKey = await run(['verify', '--server', s.url, '--checkpoint', file, '--public-key', otherKey]);
      assert.equal(badKey.code, 1);
      assert.match(JSON.parse(badKey.lines[0]!).reason, /not signed by that public key/);
      // An export cut before the checkpoint: a valid chain, but short of the published head.
      const exported = await run(['export', '--server', s.url, '--to', String(c.position - 2)]);
      const cut = join(dir, `cut-${mode}.ndjson`);
      writeFileSync(cut, `${exported.lines.join('\n')}\n`);
      assert.equal((await run(['verify', '--input', cut])).code, 0);
      const truncated = await run(['verify', '--input', cut, '--checkpoint', `${c.position}:${c.hash}`]);
      assert.equal(truncated.code, 1);
      assert.match(JSON.parse(truncated.lines[0]!).reason, /truncated/);
    });

    it('should refuse --server without a token or with a user session token', { skip }, async () => {
      process.env.CALLVAULT_OPERATOR_TOKEN = '';
      await assert.rejects(run(['verify', '--server', s.url]), /needs the admin or audit token/);
      process.env.CALLVAULT_OPERATOR_TOKEN = 'x'.repeat(30);
      await assert.rejects(run(['verify', '--server', s.url]), /export answered 403/);
      process.env.CALLVAULT_OPERATOR_TOKEN = AUDITOR;
    });
  });
}
