import { type CallTokenFields, callTokenMessage, toBase64url } from '../../../protocol/index.ts';
import type { CallMedia, PlaceCallInput } from '../gql/graphql.ts';
import { type IdentityKey, sign, verifyFrom } from './keys.ts';

/** A call token as the feed carries it (media in GraphQL's upper case). */
export interface ReceivedToken {
  callId: string;
  from: string;
  to: string;
  media: CallMedia;
  issuedAt: number;
  nonce: string;
  signature: string;
}

const fieldsOf = (t: Omit<ReceivedToken, 'signature'>): CallTokenFields => ({
  callId: t.callId,
  from: t.from,
  to: t.to,
  media: t.media === 'VIDEO' ? 'video' : 'audio',
  issuedAt: t.issuedAt,
  nonce: t.nonce,
});

/** A signed `placeCall` input: fresh lower-case call id, 16 random bytes of nonce. */
export async function signCall(
  key: IdentityKey,
  to: string,
  media: CallMedia,
  now: number = Date.now(),
): Promise<PlaceCallInput & { callId: string }> {
  const unsigned = {
    callId: crypto.randomUUID().toLowerCase(),
    from: key.address,
    to,
    media,
    issuedAt: now,
    nonce: toBase64url(crypto.getRandomValues(new Uint8Array(16))),
  };
  return { ...unsigned, signature: await sign(key, callTokenMessage(fieldsOf(unsigned))) };
}

/**
 * The callee's own check before it rings (docs/protocol.md, Verifying a call): the token is for
 * this call, from its caller, to me, and signed by the key that belongs to the caller's
 * address. The server is not trusted for any of it.
 */
export async function verifyCall(
  call: { callId: string; caller: string; token: ReceivedToken },
  me: string,
  callerPublicKey: string | null,
): Promise<boolean> {
  const { token } = call;
  if (token.callId !== call.callId || token.from !== call.caller || token.to !== me) return false;
  if (!callerPublicKey) return false;
  return verifyFrom(token.from, callerPublicKey, callTokenMessage(fieldsOf(token)), token.signature);
}
