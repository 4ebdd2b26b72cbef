import { utf8 } from './utf8.ts';

/** What a signature over an auth message is good for. */
export type AuthPurpose = 'register' | 'sign-in';

/** Prefix of every challenge the server issues: `cvc_` + base64url(32 random bytes). */
export const CHALLENGE_PREFIX = 'cvc_';
/** A challenge as issued (47 characters). */
export const CHALLENGE_FORMAT = /^cvc_[A-Za-z0-9_-]{43}$/;
/** Prefix of every session token: `cvs_` + base64url(32 random bytes). */
export const SESSION_TOKEN_PREFIX = 'cvs_';

/**
 * The text a client signs to register or sign in (docs/protocol.md):
 * "callvault-auth-v1\n" + purpose + "\n" + challenge + "\n" + address.
 * The purpose and the address are inside, so a signature is good for one use only.
 */
export function authMessageText(purpose: AuthPurpose, challenge: string, address: string): string {
  return `callvault-auth-v1\n${purpose}\n${challenge}\n${address}`;
}

/** The exact bytes signed to register or sign in: the UTF-8 of `authMessageText`. */
export function authMessage(purpose: AuthPurpose, challenge: string, address: string): Uint8Array {
  return utf8(authMessageText(purpose, challenge, address));
}
