import { DomainError } from './errors.ts';

/**
 * Text rules shared by every place that takes a string from outside (docs/protocol.md,
 * "Text"). Lengths count code points (what a person sees as characters, near enough), after
 * NFC for names.
 */

// With the `u` flag a surrogate pair is one code point, so this matches only lone halves:
// strings JavaScript allows but that are not Unicode (PostgreSQL's jsonb refuses them).
const LONE_SURROGATE = /\p{Cs}/u;

/** True when `text` is well-formed UTF-16, i.e. encodes to UTF-8 and back unchanged. */
export const isWellFormed = (text: string): boolean => !LONE_SURROGATE.test(text);

/**
 * True when `text` holds a control character: C0 (U+0000–U+001F) and DEL (U+007F) always,
 * C1 (U+0080–U+009F) too unless `c1` is false (wire formats such as SDP are ASCII-minded and
 * allow them), except the characters listed in `allowed` (e.g. TAB and newlines in free text).
 * The one definition of "control character" for every text rule.
 */
export function hasControlCharacter(text: string, { c1 = true, allowed = '' } = {}): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const control = c < 0x20 || c === 0x7f || (c1 && c >= 0x80 && c <= 0x9f);
    if (control && !allowed.includes(text[i]!)) return true;
  }
  return false;
}
// Line and paragraph separators, and the bidi embedding, override and isolate controls: in a
// one-line name they break the layout or reorder the text shown around the name (spoofing).
const NAME_FORMAT = /[\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

const codePoints = (s: string) => [...s].length;

/**
 * A one-line name (display name, nickname, device name): NFC, trimmed, 1 to `max`
 * characters, no control characters, no line separators or bidi controls.
 */
export function nameText(raw: string, what: string, max: number): string {
  if (!isWellFormed(raw)) throw new DomainError('BAD_INPUT', `${what} must be well-formed Unicode`);
  const name = raw.normalize('NFC').trim();
  if (name.length === 0) throw new DomainError('BAD_INPUT', `${what} must not be empty`);
  if (codePoints(name) > max) throw new DomainError('BAD_INPUT', `${what} must be at most ${max} characters`);
  if (hasControlCharacter(name) || NAME_FORMAT.test(name)) {
    throw new DomainError(
      'BAD_INPUT',
      `${what} must not contain control characters, line separators or bidi controls`,
    );
  }
  return name;
}

/**
 * Free text (a message body): 1 to `max` characters, not only white space, no control
 * characters except TAB, LF and CR. Kept exactly as sent (no trimming, no normalisation).
 */
export function freeText(raw: string, what: string, max: number): string {
  if (!isWellFormed(raw)) throw new DomainError('BAD_INPUT', `${what} must be well-formed Unicode`);
  if (codePoints(raw) > max) throw new DomainError('BAD_INPUT', `${what} is at most ${max} characters`);
  if (raw.trim().length === 0) throw new DomainError('BAD_INPUT', `${what} must not be empty`);
  if (hasControlCharacter(raw, { allowed: '\t\n\r' })) {
    throw new DomainError(
      'BAD_INPUT',
      `${what} must not contain control characters other than tab and newlines`,
    );
  }
  return raw;
}
