import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalJson, chainHash } from '../../events/store/hash.ts';
import type { JsonObject, JsonValue } from '../../events/store/types.ts';
import { ADMIN, type AuditServer, startAuditServer } from '../support/audit.ts';
import { gql, register, send } from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';

/** The stand-alone verifier (Python 3, standard library only), run as an auditor would. */
const VERIFIER = join(import.meta.dirname, '../../tools/verify-export.py');
const dir = mkdtempSync(join(tmpdir(), 'cv-verify-'));

function verifier(args: string[], input?: string): { code: number; result: any } {
  const r = spawnSync('python3', [VERIFIER, ...args], { input, encoding: 'utf8' });
  if (r.status === 2 || r.error) throw new Error(`verifier: ${r.stderr || r.error}`);
  return { code: r.status!, result: JSON.parse(r.stdout) };
}

function verifyRows(rows: any[], extra: string[] = []) {
  const file = join(dir, `export-${Math.random().toString(36).slice(2)}.ndjson`);
  writeFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return verifier([file, ...extra]);
}

describe('the stand-alone verifier computes canonical JSON as the server does', () => {
  it('should write random JSON values (Unicode, numbers) byte for byte as canonicalJson', async () => {
    const values = fc.sample(fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 }), {
      numRuns: 400,
      seed: 15,
    }) as JsonValue[];
    values.push(
      0,
      1e21,
      1e-7,
      1e-6,
      5e-324,
      2 ** 53,
      0.1 + 0.2,
      1.7976931348623157e308,
      '\u0000\u001f\u2028',
      { '\uff61': 1, '😀': 2 },
    );
    // Not spawnSync: blocking the loop here would time out the PostgreSQL suites' set-up.
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('python3', [VERIFIER, '--canonical']);
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
      child.stdin.end(values.map((v) => `${JSON.stringify(v)}\n`).join(''));
    });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').slice(0, -1);
    assert.equal(lines.length, values.length);
    for (const [i, v] of values.entries()) {
      assert.equal(lines[i], canonicalJson(v), `value ${i}: ${JSON.stringify(v)}`);
    }
  });
});

for (const mode of ['memory', 'postgres'] as const) {
  describe(`verifying a real export independently (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: AuditServer;
    let rows: any[];
    let checkpoint: { position: number; hash: string };

    before(async () => {
      if (skip) return;
      s = await startAuditServer(mode);
      const [ada, bob] = [await register(s.url, 'Ada 😀'), await register(s.url, 'Bob')];
      await send(s.url, ada, bob.address, 'héllo "quoted" \\ tab\there € 𝄞');
      await send(s.url, bob, ada.address, 'line\nbreak\u2028');
      await gql(
        s.url,
        'mutation($a: String!) { addContact(address: $a, nickname: "Böb") { address } }',
        { a: bob.address },
        ada.token,
      );
      // Events of no domain with random JSON data, as stored (PostgreSQL: through jsonb).
      const data = fc.sample(
        fc.dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
        { numRuns: 30, seed: 7 },
      );
      for (const d of data)
        await s.app.log.append('test-random', [{ type: 'Random', data: d as JsonObject }]);
      const res = await fetch(`${s.url}/api/admin/checkpoint`, {
        method: 'POST',
        headers: { 'x-admin-token': ADMIN },
      });
      checkpoint = (await res.json()) as { position: number; hash: string };
      const text = await (
        await fetch(`${s.url}/api/admin/export`, { headers: { 'x-admin-token': ADMIN } })
      ).text();
      rows = text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
    });
    after(async () => {
      await s?.close();
    });

    it('should accept the export as served, up to the log head and a published checkpoint', {
      skip,
    }, async () => {
      const { code, result } = verifyRows(rows, [
        '--checkpoint',
        `${checkpoint.position}:${checkpoint.hash}`,
      ]);
      assert.equal(code, 0, JSON.stringify(result));
      assert.equal(result.count, rows.length);
      assert.equal(result.lastHash, rows.at(-1).hash);
      const file = join(dir, `checkpoint-${mode}.json`);
      writeFileSync(file, JSON.stringify(checkpoint));
      assert.equal(
        verifyRows(rows, ['--checkpoint', file]).code,
        0,
        'the checkpoint as GET /api/admin/checkpoint serves it',
      );
    });

    it('should find an edited row at its position', { skip }, () => {
      const edited = structuredClone(rows);
      edited[4].data = { ...edited[4].data, extra: 1 };
      const { code, result } = verifyRows(edited);
      assert.equal(code, 1);
      assert.equal(result.position, 5);
      assert.match(result.reason, /hash does not match/);
    });

    it('should find an edited time or metadata, and a row whose hash alone was changed', { skip }, () => {
      const t = structuredClone(rows);
      t[6].time = new Date(Date.parse(t[6].time) + 1).toISOString();
      assert.equal(verifyRows(t).result.position, 7);
      const m = structuredClone(rows);
      m[2].metadata = { ...m[2].metadata, actor: 'someone-else' };
      assert.equal(verifyRows(m).result.position, 3);
      const h = structuredClone(rows);
      h[3].hash = '0'.repeat(64);
      assert.equal(verifyRows(h).result.position, 4);
    });

    it('should find an inserted, a deleted and a moved row', { skip }, () => {
      const inserted = [...rows.slice(0, 5), rows[4], ...rows.slice(5)];
      assert.deepEqual(pick(verifyRows(inserted)), { code: 1, position: 6 });
      const deleted = [...rows.slice(0, 5), ...rows.slice(6)];
      assert.deepEqual(pick(verifyRows(deleted)), { code: 1, position: 6 });
      const moved = [...rows.slice(0, 5), rows[6], rows[5], ...rows.slice(7)];
      const r = verifyRows(moved);
      assert.deepEqual(pick(r), { code: 1, position: 6 });
      assert.match(r.result.reason, /deleted, inserted or moved/);
    });

    it('should find a truncated tail only against a checkpoint', { skip }, () => {
      const cut = rows.filter((r) => r.position < checkpoint.position - 2);
      assert.equal(
        verifyRows(cut).code,
        0,
        'a cut chain is still a chain: only an anchor shows what is missing',
      );
      const r = verifyRows(cut, ['--checkpoint', `${checkpoint.position}:${checkpoint.hash}`]);
      assert.equal(r.code, 1);
      assert.match(r.result.reason, /truncated/);
    });

    it('should find a chain rewritten from an edited row on against a checkpoint', { skip }, () => {
      const forged = structuredClone(rows);
      forged[4].data = { ...forged[4].data, forged: true };
      let previous = forged[3].hash;
      for (const row of forged.slice(4)) {
        row.hash = chainHash(previous, { ...row, time: new Date(row.time) });
        previous = row.hash;
      }
      assert.equal(verifyRows(forged).code, 0, 'a consistent forgery passes the chain alone');
      const r = verifyRows(forged, ['--checkpoint', `${checkpoint.position}:${checkpoint.hash}`]);
      assert.equal(r.code, 1);
      assert.equal(r.result.position, checkpoint.position);
    });

    it('should check a partial export from its first row, or from the hash before it', { skip }, () => {
      const part = rows.slice(5, 15);
      assert.equal(verifyRows(part).result.checkedFrom, 6);
      assert.equal(verifyRows(part, ['--previous-hash', rows[4].hash]).code, 0);
      assert.equal(verifyRows(part, ['--previous-hash', rows[3].hash]).result.position, 6);
    });
  });
}

const pick = (r: { code: number; result: { position: number } }) => ({
  code: r.code,
  position: r.result.position,
});
