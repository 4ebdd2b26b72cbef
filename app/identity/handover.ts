import { createHmac, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../../events/shared/errors.ts';

/**
 * The verified handover (docs/embedding.md, "Verified handover"): a host site's backend signs
 * `base64url(JSON {site, sub, name?, exp, nonce}) + "." + base64url(HMAC-SHA256(secret, first part))`
 * with the secret EMBED_SITE_SECRETS gives its origin; the frame passes it on with the host
 * origin it validated. This checks it; the caller takes the nonce (single use) and records it.
 */

export interface HandoverClaims {
  site: string;
  subject: string;
  name: string | null;
  /** ms since the epoch */
  expiresAt: number;
  nonce: string;
}

/** Longest an assertion may be valid for, from now. */
export const HANDOVER_MAX_LIFETIME_MS = 10 * 60 * 1000;
export const HANDOVER_ASSERTION_MAX = 2048;
const PART = /^[A-Za-z0-9_-]+$/;
const NONCE = /^[A-Za-z0-9_-]{16,128}$/;

const bad = (problem: string) => new DomainError('HANDOVER_INVALID', problem);

/** The claims of a valid assertion for `site`, or a HANDOVER_INVALID error saying what is wrong. */
export function verifyHandover(
  assertion: string,
  site: string,
  secrets: ReadonlyMap<string, Buffer>,
  now: number,
): HandoverClaims {
  const secret = secrets.get(site);
  if (!secret)
    throw bad(`verified handover is not configured for ${site.slice(0, 200)} (EMBED_SITE_SECRETS)`);
  if (assertion.length > HANDOVER_ASSERTION_MAX) throw bad('the assertion is too long');
  const [body, mac, ...rest] = assertion.split('.');
  if (!body || !mac || rest.length > 0 || !PART.test(body) || !PART.test(mac))
    throw bad('the assertion is not base64url(claims).base64url(signature)');
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw bad('the assertion signature does not match the secret of this site');
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw bad('the assertion claims are not JSON');
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
    throw bad('the assertion claims are not an object');
  const c = claims as Record<string, unknown>;
  const extra = Object.keys(c).filter((k) => !['site', 'sub', 'name', 'exp', 'nonce'].includes(k));
  if (extra.length > 0) throw bad(`unknown claim ${extra[0]!.slice(0, 40)}`);
  if (c.site !== site)
    throw bad('the assertion was signed for another site than the page embedding CallVault');
  if (typeof c.sub !== 'string' || c.sub.length < 1 || c.sub.length > 256 || /\p{Cc}/u.test(c.sub))
    throw bad('sub must be 1-256 characters without control characters');
  if (
    c.name !== undefined &&
    c.name !== null &&
    (typeof c.name !== 'string' || c.name.trim().length < 1 || c.name.length > 64 || /\p{Cc}/u.test(c.name))
  )
    throw bad('name must be 1-64 characters without control characters');
  if (typeof c.exp !== 'number' || !Number.isInteger(c.exp))
    throw bad('exp must be a whole number of seconds since the epoch');
  const expiresAt = c.exp * 1000;
  if (expiresAt <= now) throw bad('the assertion has expired');
  if (expiresAt > now + HANDOVER_MAX_LIFETIME_MS) throw bad('exp is more than 10 minutes ahead');
  if (typeof c.nonce !== 'string' || !NONCE.test(c.nonce))
    throw bad('nonce must be 16-128 base64url characters');
  return {
    site,
    subject: c.sub,
    name: typeof c.name === 'string' ? c.name.trim().normalize('NFC') : null,
    expiresAt,
    nonce: c.nonce,
  };
}

/** Signs claims as a host backend would (tests and docs/embedding.md's recipe do the same). */
export function signHandover(claims: Record<string, unknown>, secret: Buffer): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}
