/**
 * The CallVault wire protocol, shared by the server and browser clients: the same bytes are
 * signed and checked on both sides, so they are written once, here (docs/protocol.md).
 */
export { ADDRESS_LENGTH, ADDRESS_PREFIX, addressOf, addressProblem } from './address.ts';
export {
  type AuthPurpose,
  authMessage,
  authMessageText,
  CHALLENGE_FORMAT,
  CHALLENGE_PREFIX,
  SESSION_TOKEN_PREFIX,
} from './auth.ts';
export { base32Decode, base32Encode } from './base32.ts';
export { fromBase64url, toBase64url } from './base64url.ts';
export { type CallTokenFields, type CallTokenMedia, callTokenMessage, callTokenText } from './call-token.ts';
export { utf8 } from './utf8.ts';
export { isLowerCaseUuid, isUuid } from './uuid.ts';
