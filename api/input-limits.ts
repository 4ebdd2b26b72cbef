import { PUSH_ENDPOINT_MAX } from '../events/push/events.ts';

/**
 * The longest string each GraphQL argument takes, in characters (code points), checked at the
 * edge before anything runs (api/well-formed-input.ts), so no string input is unbounded. The
 * domain then checks the exact rules (formats, byte sizes, NFC names); these bounds are the
 * documented maximums (docs/protocol.md, "Limits"). Keys are `field.argument[.inputField]`.
 * A test (test/e2e/input-limits.test.ts) fails when an argument of the schema is missing here.
 */
const ADDRESS = 42;
const UUID = 36;
// Names are 1-64 characters after trimming and NFC (the domain checks that exactly); the
// edge only bounds what a client may send around them.
const NAME = 256;

export const STRING_INPUT_LIMITS: Readonly<Record<string, number>> = {
  'identity.address': ADDRESS,
  'messages.with': ADDRESS,
  'call.callId': UUID,
  'acceptCall.callId': UUID,
  'declineCall.callId': UUID,
  'hangUp.callId': UUID,
  'ringing.callId': UUID,
  'sendCallSignal.callId': UUID,
  'reportCallQuality.callId': UUID,
  'sendCallSignal.payload': 32 * 1024,
  'acceptMessageRequest.address': ADDRESS,
  'acceptMessageRequest.nickname': NAME,
  'addContact.address': ADDRESS,
  'addContact.nickname': NAME,
  'renameContact.address': ADDRESS,
  'renameContact.nickname': NAME,
  'removeContact.address': ADDRESS,
  'blockContact.address': ADDRESS,
  'unblockContact.address': ADDRESS,
  'setAlwaysAllowed.address': ADDRESS,
  'declineMessageRequest.address': ADDRESS,
  'changeDisplayName.displayName': NAME,
  'verifyEmbedHandover.assertion': 2048,
  'verifyEmbedHandover.site': 2048,
  'deleteMessage.id': UUID,
  'editMessage.id': UUID,
  'editMessage.body': 4000,
  'markDelivered.peer': ADDRESS,
  'markRead.peer': ADDRESS,
  'sendTyping.to': ADDRESS,
  'setPlan.address': ADDRESS,
  'sendMessage.input.id': UUID,
  'sendMessage.input.to': ADDRESS,
  'sendMessage.input.body': 4000,
  'placeCall.input.callId': UUID,
  'placeCall.input.from': ADDRESS,
  'placeCall.input.to': ADDRESS,
  'placeCall.input.nonce': 86,
  'placeCall.input.signature': 86,
  'register.input.publicKey': 43,
  'register.input.displayName': NAME,
  'register.input.challenge': 47,
  'register.input.signature': 86,
  'register.input.device': NAME,
  'signIn.input.address': ADDRESS,
  'signIn.input.challenge': 47,
  'signIn.input.signature': 86,
  'signIn.input.device': NAME,
  'registerPush.endpoint': PUSH_ENDPOINT_MAX,
  'registerPush.p256dh': 87,
  'registerPush.auth': 22,
  // The audit API (operators): addresses, call ids, stream ids ("identity-<address>"),
  // event type names and request ids (api/http/request-id.ts: at most 100 characters).
  'auditDiff.address': ADDRESS,
  'auditTimeline.address': ADDRESS,
  'auditEvents.actor': 128,
  'auditEvents.correlationId': 100,
  'auditEvents.streamId': 128,
  'auditEvents.type': 64,
  'auditStateAt.key': 64,
  'auditStateAt.peer': ADDRESS,
};

/** For an argument missing from the table (the test says so): small, so it is noticed. */
export const DEFAULT_STRING_LIMIT = 256;
