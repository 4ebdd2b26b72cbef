import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import vectors from '../../events/identity/fixtures/ed25519-edge-cases.json' with { type: 'json' };
import { addressOf } from '../../protocol/address.ts';
import {
  CALL_FEED,
  callToken,
  challenge,
  codeOf,
  FeedReader,
  gql,
  PLACE_CALL,
  REGISTER,
  register,
  SIGN_IN,
  TestIdentity,
  wsClient,
} from '../support/client.ts';
import { skipWithoutPostgres } from '../support/postgres.ts';
import { type Mode, startServer, type TestServer } from '../support/server.ts';

const hex = (h: string) => Buffer.from(h, 'hex');

/** register with a key the client does not hold, "signed" with R = identity and S = 0. */
async function forgedRegister(s: TestServer, keyHex: string) {
  const c = await challenge(s.url);
  const forged = Buffer.concat([hex(vectors.smallOrderKeys.keys[0]!), Buffer.alloc(32)]).toString(
    'base64url',
  );
  const r = await gql(s.url, REGISTER, {
    input: {
      publicKey: hex(keyHex).toString('base64url'),
      displayName: 'Forger',
      challenge: c,
      signature: forged,
    },
  });
  return { r, forged, address: addressOf(hex(keyHex)) };
}

for (const mode of ['memory', 'postgres'] as Mode[]) {
  describe(`signed input (${mode})`, async () => {
    const skip = mode === 'postgres' ? await skipWithoutPostgres() : false;
    let s: TestServer;
    before(async () => {
      if (!skip) s = await startServer(mode);
    });
    after(async () => {
      if (!skip) await s.close();
    });
    const test = (title: string, fn: () => Promise<void>) => it(title, { skip }, fn);

    test('should refuse to register a small-order key with a trivial signature, and so refuse the forged sign-in', async () => {
      const head = await s.app.log.head();
      for (const key of vectors.smallOrderKeys.keys) {
        const { r, forged, address } = await forgedRegister(s, key);
        assert.equal(codeOf(r), 'BAD_INPUT', `${key}: ${JSON.stringify(r)}`);
        const c = await challenge(s.url);
        const signIn = await gql(s.url, SIGN_IN, { input: { address, challenge: c, signature: forged } });
        assert.equal(signIn.data ?? null, null, key);
      }
      assert.equal(await s.app.log.head(), head);
    });

    test('should refuse the forged sign-in for a small-order key registered before keys were checked', async () => {
      // As an old server would have recorded it: straight into the log.
      const key = vectors.smallOrderKeys.keys[0]!;
      const address = addressOf(hex(key));
      await s.app.log.append(`identity-${address}`, [
        {
          type: 'IdentityRegistered',
          data: { address, publicKey: hex(key).toString('base64url'), displayName: 'Legacy' },
        },
      ]);
      const forged = Buffer.concat([hex(key), Buffer.alloc(32)]).toString('base64url');
      const c = await challenge(s.url);
      const r = await gql(s.url, SIGN_IN, { input: { address, challenge: c, signature: forged } });
      assert.equal(codeOf(r), 'SIGNATURE_INVALID', JSON.stringify(r));
    });

    test('should answer off-curve, non-canonical and mixed-order keys with BAD_INPUT, appending nothing', async () => {
      const head = await s.app.log.head();
      const mixedOrder = vectors.taming.cases[6]!.pub_key;
      for (const key of [...vectors.offCurveKeys.keys, ...vectors.nonCanonicalKeys.keys, mixedOrder]) {
        const { r } = await forgedRegister(s, key);
        assert.equal(codeOf(r), 'BAD_INPUT', `${key}: ${JSON.stringify(r)}`);
      }
      assert.equal(await s.app.log.head(), head);
    });

    test('should refuse a signature with S + L at sign-in', async () => {
      const ada = await register(s.url, 'Ada');
      const c = await challenge(s.url);
      const good = Buffer.from(ada.sign(ada.authMessage('sign-in', c)), 'base64url');
      const L = 2n ** 252n + 27742317777372353535851937790883648493n;
      let sPlusL = L;
      for (let i = 63; i >= 32; i--) sPlusL += BigInt(good[i]!) << BigInt(8 * (i - 32));
      const bad = Buffer.from(good);
      for (let i = 32; i < 64; i++) {
        bad[i] = Number(sPlusL & 255n);
        sPlusL >>= 8n;
      }
      const r = await gql(s.url, SIGN_IN, {
        input: { address: ada.address, challenge: c, signature: bad.toString('base64url') },
      });
      assert.equal(codeOf(r), 'SIGNATURE_INVALID');
      const ok = await gql(s.url, SIGN_IN, {
        input: { address: ada.address, challenge: c, signature: good.toString('base64url') },
      });
      assert.ok(ok.data?.signIn.token, 'the refusal did not burn the challenge');
    });

    test('should refuse a public key or signature spelled in non-canonical base64url', async () => {
      const id = new TestIdentity();
      const c = await challenge(s.url);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const respell = (t: string) => t.slice(0, -1) + alphabet[alphabet.indexOf(t.at(-1)!) ^ 1];
      const signature = id.sign(id.authMessage('register', c));
      const input = { publicKey: id.publicKey, displayName: 'X', challenge: c, signature };
      const key = await gql(s.url, REGISTER, { input: { ...input, publicKey: respell(id.publicKey) } });
      assert.equal(codeOf(key), 'BAD_INPUT');
      const sig = await gql(s.url, REGISTER, { input: { ...input, signature: respell(signature) } });
      assert.equal(codeOf(sig), 'SIGNATURE_INVALID');
      assert.ok((await gql(s.url, REGISTER, { input })).data?.register.token);
    });

    test('should refuse an upper-case callId signed as such, and hand the callee exactly the signed bytes otherwise', async () => {
      const ada = await register(s.url, 'Ada');
      const bob = await register(s.url, 'Bob');
      const head = await s.app.log.head();
      const upper = callToken(ada, bob.address, { callId: crypto.randomUUID().toUpperCase() });
      const refused = await gql(s.url, PLACE_CALL, { input: upper }, ada.token);
      assert.equal(codeOf(refused), 'BAD_INPUT', JSON.stringify(refused));
      const nonce = callToken(ada, bob.address);
      const padded = await gql(
        s.url,
        PLACE_CALL,
        { input: { ...nonce, nonce: `${nonce.nonce}=` } },
        ada.token,
      );
      assert.equal(codeOf(padded), 'BAD_INPUT', 'a padded nonce is not the signed text');
      assert.equal(await s.app.log.head(), head);

      const feed = new FeedReader(wsClient(s.wsUrl, bob.token).client, 0, CALL_FEED);
      const token = callToken(ada, bob.address);
      const placed = await gql(s.url, PLACE_CALL, { input: token }, ada.token);
      assert.equal(placed.data?.placeCall.callId, token.callId);
      const item = await feed.next((i) => i.__typename === 'CallUpdated' && i.call.callId === token.callId);
      const t = item.call.token;
      assert.deepEqual(
        [t.callId, t.from, t.to, t.media, t.issuedAt, t.nonce, t.signature],
        [token.callId, token.from, token.to, token.media, token.issuedAt, token.nonce, token.signature],
      );
      await feed.close();
    });
  });
}
