import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { main } from '../../events/cli.ts';
import { gql, register, send } from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { startServer } from '../support/server.ts';

describe('projections rebuilt by replay', async () => {
  const skip = await skipWithoutPostgres();
  it('should rebuild contacts, conversations and unread counts identical to the live read models', {
    skip,
  }, async () => {
    const s = await startServer('postgres');
    const saved = process.env.DATABASE_URL;
    try {
      const [ada, bob, eve] = [
        await register(s.url, 'Ada'),
        await register(s.url, 'Bob'),
        await register(s.url, 'Eve'),
      ];
      await gql(
        s.url,
        'mutation($a: String!) { addContact(address: $a, nickname: "B") { address } }',
        { a: bob.address },
        ada.token,
      );
      await gql(s.url, 'mutation($a: String!) { blockContact(address: $a) }', { a: eve.address }, ada.token);
      await gql(s.url, 'mutation { setDoNotDisturb(on: true) { doNotDisturb } }', {}, ada.token);
      const m1 = (await send(s.url, ada, bob.address, 'one')).data!.sendMessage;
      await send(s.url, bob, ada.address, 'two');
      await send(s.url, eve, ada.address, 'withheld');
      await gql(
        s.url,
        'mutation($id: ID!) { editMessage(id: $id, body: "uno") { id } }',
        { id: m1.id },
        ada.token,
      );
      await gql(
        s.url,
        'mutation($p: String!, $u: Position!) { markRead(peer: $p, upTo: $u) }',
        { p: ada.address, u: m1.position },
        bob.token,
      );
      await gql(s.url, 'mutation { changeDisplayName(displayName: "Ada L") { address } }', {}, ada.token);
      await s.app.readModels.sync();
      const live = s.app.readModels.digests();

      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      process.env.DATABASE_URL = s.db!.url;
      assert.equal(await main(['replay'], out), 0);
      const printed = Buffer.concat(chunks).toString();
      const report = JSON.parse(printed);
      assert.equal(report.events, await s.app.log.head());
      const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
      for (const name of ['directory', 'addressBooks', 'conversations', 'calls', 'plans', 'feedIndex']) {
        assert.ok(live[name], name);
        assert.match(report.projections[name].digest, /^[0-9a-f]{64}$/, `${name}: a SHA-256, not the state`);
        assert.equal(report.projections[name].digest, sha256(live[name]!), `${name} rebuilt identically`);
      }
      for (const body of ['Ada L', 'withheld', 'uno', 'two'])
        assert.ok(!printed.includes(body), `the report shows no state (${body})`);
      // The hashes match, so the live state is the replayed one: check what it says.
      const conv = JSON.parse(live.conversations!);
      assert.equal(conv[`${bob.address} ${ada.address}`].unread, 0);
      assert.equal(conv[`${ada.address} ${bob.address}`].unread, 1);
      assert.equal(
        conv[`${ada.address} ${eve.address}`],
        undefined,
        'the withheld message is nobody’s unread',
      );
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
      await s.close();
    }
  });
});
