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

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL_BUT_TAB_AND_NEWLINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
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
  if (CONTROL.test(name) || NAME_FORMAT.test(name)) {
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
  if (CONTROL_BUT_TAB_AND_NEWLINES.test(raw)) {
    throw new DomainError(
      'BAD_INPUT',
      `${what} must not contain control characters other than tab and newlines`,
    );
  }
  return raw;
}
