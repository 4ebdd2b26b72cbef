import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLowerCaseUuid } from '../../../protocol/index.ts';
import { signCall, verifyCall } from './call-token.ts';
import { createIdentityKey } from './keys.ts';

describe('call tokens', async () => {
  const caller = await createIdentityKey();
  const callee = await createIdentityKey();
  const placed = async () => {
    const input = await signCall(caller, callee.address, 'VIDEO', 1_700_000_000_000);
    const { signature, ...rest } = input;
    return { callId: input.callId, caller: caller.address, token: { ...rest, signature } };
  };

  it('should sign a lower-case call id and a nonce the callee verifies with the caller key', async () => {
    const call = await placed();
    assert.ok(isLowerCaseUuid(call.callId));
    assert.equal(await verifyCall(call, callee.address, caller.publicKey), true);
  });

  it('should refuse a token for someone else, from someone else, altered, or with the wrong key', async () => {
    const call = await placed();
    assert.equal(await verifyCall(call, caller.address, caller.publicKey), false, 'not to me');
    assert.equal(
      await verifyCall({ ...call, caller: callee.address }, callee.address, caller.publicKey),
      false,
    );
    const audio = { ...call, token: { ...call.token, media: 'AUDIO' as const } };
    assert.equal(await verifyCall(audio, callee.address, caller.publicKey), false, 'media changed');
    assert.equal(await verifyCall(call, callee.address, callee.publicKey), false, 'key of another address');
    assert.equal(await verifyCall(call, callee.address, null), false, 'caller unknown');
    assert.equal(await verifyCall({ ...call, callId: 'other' }, callee.address, caller.publicKey), false);
  });
});
