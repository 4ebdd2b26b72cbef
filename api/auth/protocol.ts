import { createHash, randomBytes } from 'node:crypto';

/** Lifetime of a sign-in challenge. */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;

export const newChallenge = () => `cvc_${randomBytes(32).toString('base64url')}`;
export const newSessionToken = () => `cvs_${randomBytes(32).toString('base64url')}`;
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
export const CHALLENGE_FORMAT = /^cvc_[A-Za-z0-9_-]{43}$/;

/**
 * The exact bytes a client signs to register or sign in (docs/protocol.md):
 * UTF-8 of "callvault-auth-v1\n" + purpose + "\n" + challenge + "\n" + address.
 * The purpose and the address are inside, so a signature is good for one use only.
 */
export function authMessage(purpose: 'register' | 'sign-in', challenge: string, address: string): Buffer {
  return Buffer.from(`callvault-auth-v1\n${purpose}\n${challenge}\n${address}`, 'utf8');
}
