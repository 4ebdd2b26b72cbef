import { createHash, randomBytes } from 'node:crypto';
import { CHALLENGE_PREFIX, SESSION_TOKEN_PREFIX } from '../../protocol/auth.ts';
import { toBase64url } from '../../protocol/base64url.ts';

// The server's half of sign-in: making challenges and session tokens and hashing tokens.
// The bytes a client signs, and the challenge format, are protocol/auth.ts.

/** Lifetime of a sign-in challenge. */
export const CHALLENGE_TTL_MS = 5 * 60 * 1000;

export const newChallenge = () => CHALLENGE_PREFIX + toBase64url(randomBytes(32));
export const newSessionToken = () => SESSION_TOKEN_PREFIX + toBase64url(randomBytes(32));
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A bearer token worth hashing and looking up: our prefix and a sane length. */
export const SESSION_TOKEN_FORMAT = (token: string) =>
  token.startsWith(SESSION_TOKEN_PREFIX) && token.length <= 100;
