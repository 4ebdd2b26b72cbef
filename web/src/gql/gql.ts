/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query IceServers {\n    iceServers {\n      urls\n      username\n      credential\n      expiresAt\n    }\n  }\n": typeof types.IceServersDocument,
    "\n  mutation PlaceCall($input: PlaceCallInput!) {\n    placeCall(input: $input) {\n      callId\n      status\n      caller\n      callee\n      media\n    }\n  }\n": typeof types.PlaceCallDocument,
    "\n  mutation AcceptCall($callId: ID!) {\n    acceptCall(callId: $callId) {\n      callId\n      status\n    }\n  }\n": typeof types.AcceptCallDocument,
    "\n  mutation DeclineCall($callId: ID!) {\n    declineCall(callId: $callId) {\n      callId\n      status\n    }\n  }\n": typeof types.DeclineCallDocument,
    "\n  mutation HangUp($callId: ID!, $reason: CallEndReason) {\n    hangUp(callId: $callId, reason: $reason) {\n      callId\n      status\n      durationMs\n    }\n  }\n": typeof types.HangUpDocument,
    "\n  mutation SendCallSignal($callId: ID!, $kind: CallSignalKind!, $payload: String!) {\n    sendCallSignal(callId: $callId, kind: $kind, payload: $payload)\n  }\n": typeof types.SendCallSignalDocument,
    "\n  query CallHistory($before: Position, $last: Int) {\n    callHistory(before: $before, last: $last) {\n      hasMore\n      before\n      calls {\n        callId\n        caller\n        callee\n        media\n        status\n        direction\n        reason\n        placedAt\n        durationMs\n        quality {\n          connected\n          relayed\n          relayProtocol\n          rttMs\n          packetLossPercent\n        }\n      }\n    }\n  }\n": typeof types.CallHistoryDocument,
    "\n  mutation Ringing($callId: ID!) {\n    ringing(callId: $callId) {\n      callId\n      status\n    }\n  }\n": typeof types.RingingDocument,
    "\n  mutation ReportCallQuality($callId: ID!, $quality: CallQualityInput!) {\n    reportCallQuality(callId: $callId, quality: $quality) {\n      callId\n    }\n  }\n": typeof types.ReportCallQualityDocument,
    "\n  mutation RequestChallenge {\n    requestChallenge {\n      challenge\n      expiresAt\n    }\n  }\n": typeof types.RequestChallengeDocument,
    "\n  fragment NewSession on AuthPayload {\n    token\n    sessionId\n    expiresAt\n    identity {\n      address\n      displayName\n      publicKey\n    }\n  }\n": typeof types.NewSessionFragmentDoc,
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...NewSession\n    }\n  }\n": typeof types.RegisterDocument,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      ...NewSession\n    }\n  }\n": typeof types.SignInDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": typeof types.SignOutDocument,
    "\n  mutation SignOutEverywhere {\n    signOutEverywhere\n  }\n": typeof types.SignOutEverywhereDocument,
    "\n  query Me {\n    me {\n      address\n      displayName\n      publicKey\n      registeredAt\n    }\n  }\n": typeof types.MeDocument,
    "\n  mutation ChangeDisplayName($displayName: String!) {\n    changeDisplayName(displayName: $displayName) {\n      address\n      displayName\n    }\n  }\n": typeof types.ChangeDisplayNameDocument,
    "\n  mutation VerifyEmbedHandover($assertion: String!, $site: String!) {\n    verifyEmbedHandover(assertion: $assertion, site: $site) {\n      site\n      subject\n      name\n      expiresAt\n    }\n  }\n": typeof types.VerifyEmbedHandoverDocument,
    "\n  query LookUpIdentity($address: String!) {\n    identity(address: $address) {\n      address\n      displayName\n      publicKey\n    }\n  }\n": typeof types.LookUpIdentityDocument,
    "\n  subscription Feed($after: Position) {\n    feed(after: $after) {\n      __typename\n      position\n      at\n      ... on IdentityUpdated {\n        identity {\n          address\n          displayName\n        }\n      }\n      ... on SessionEnded {\n        sessionId\n      }\n      ... on MessageAdded {\n        message {\n          id\n          position\n          from\n          to\n          body\n          sentAt\n          outgoing\n          status\n        }\n      }\n      ... on MessageChanged {\n        message {\n          id\n          body\n          deleted\n          editedAt\n        }\n      }\n      ... on ReceiptsChanged {\n        by\n        peer\n        deliveredUpTo\n        readUpTo\n      }\n      ... on AddressBookChanged {\n        change\n        address\n      }\n      ... on CallUpdated {\n        change\n        call {\n          callId\n          caller\n          callee\n          media\n          status\n          reason\n          answeredHere\n          durationMs\n          token {\n            callId\n            from\n            to\n            media\n            issuedAt\n            nonce\n            signature\n          }\n        }\n      }\n      ... on CallSignal {\n        callId\n        from\n        signal\n        payload\n      }\n    }\n  }\n": typeof types.FeedDocument,
    "\n  query Contacts {\n    contacts {\n      address\n      nickname\n      displayName\n      alwaysAllowed\n    }\n    settings {\n      doNotDisturb\n      nonContactCalls\n      blocked\n    }\n    plan\n  }\n": typeof types.ContactsDocument,
    "\n  mutation AddContact($address: String!, $nickname: String!) {\n    addContact(address: $address, nickname: $nickname) {\n      address\n      nickname\n      displayName\n    }\n  }\n": typeof types.AddContactDocument,
    "\n  query Conversations($requests: Boolean) {\n    conversations(requests: $requests) {\n      peer\n      nickname\n      displayName\n      isRequest\n      unreadCount\n      lastMessage {\n        id\n        body\n        sentAt\n        outgoing\n        status\n      }\n    }\n  }\n": typeof types.ConversationsDocument,
    "\n  query History($with: String!, $before: Position, $last: Int) {\n    messages(with: $with, before: $before, last: $last) {\n      hasMore\n      before\n      messages {\n        id\n        position\n        from\n        body\n        sentAt\n        editedAt\n        deleted\n        outgoing\n        status\n      }\n    }\n  }\n": typeof types.HistoryDocument,
    "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      id\n      position\n      status\n      sentAt\n    }\n  }\n": typeof types.SendMessageDocument,
    "\n  mutation MarkRead($peer: String!, $upTo: Position!) {\n    markRead(peer: $peer, upTo: $upTo)\n  }\n": typeof types.MarkReadDocument,
    "\n  mutation MarkDelivered($peer: String!, $upTo: Position!) {\n    markDelivered(peer: $peer, upTo: $upTo)\n  }\n": typeof types.MarkDeliveredDocument,
    "\n  mutation SendTyping($to: String!) {\n    sendTyping(to: $to)\n  }\n": typeof types.SendTypingDocument,
    "\n  subscription Typing {\n    typing {\n      from\n      at\n    }\n  }\n": typeof types.TypingDocument,
    "\n  mutation EditMessage($id: ID!, $body: String!) {\n    editMessage(id: $id, body: $body) {\n      id\n      body\n      deleted\n      editedAt\n    }\n  }\n": typeof types.EditMessageDocument,
    "\n  mutation DeleteMessage($id: ID!) {\n    deleteMessage(id: $id) {\n      id\n      body\n      deleted\n      editedAt\n    }\n  }\n": typeof types.DeleteMessageDocument,
    "\n  mutation AcceptMessageRequest($address: String!, $nickname: String) {\n    acceptMessageRequest(address: $address, nickname: $nickname) {\n      address\n      nickname\n    }\n  }\n": typeof types.AcceptMessageRequestDocument,
    "\n  mutation DeclineMessageRequest($address: String!) {\n    declineMessageRequest(address: $address)\n  }\n": typeof types.DeclineMessageRequestDocument,
    "\n  mutation BlockContact($address: String!) {\n    blockContact(address: $address)\n  }\n": typeof types.BlockContactDocument,
    "\n  mutation UnblockContact($address: String!) {\n    unblockContact(address: $address)\n  }\n": typeof types.UnblockContactDocument,
    "\n  mutation RenameContact($address: String!, $nickname: String!) {\n    renameContact(address: $address, nickname: $nickname) {\n      address\n      nickname\n    }\n  }\n": typeof types.RenameContactDocument,
    "\n  mutation RemoveContact($address: String!) {\n    removeContact(address: $address)\n  }\n": typeof types.RemoveContactDocument,
    "\n  mutation SetAlwaysAllowed($address: String!, $alwaysAllowed: Boolean!) {\n    setAlwaysAllowed(address: $address, alwaysAllowed: $alwaysAllowed) {\n      address\n      alwaysAllowed\n    }\n  }\n": typeof types.SetAlwaysAllowedDocument,
    "\n  mutation SetDoNotDisturb($on: Boolean!) {\n    setDoNotDisturb(on: $on) {\n      doNotDisturb\n    }\n  }\n": typeof types.SetDoNotDisturbDocument,
    "\n  mutation SetNonContactCalls($policy: NonContactCallPolicy!) {\n    setNonContactCalls(policy: $policy) {\n      nonContactCalls\n    }\n  }\n": typeof types.SetNonContactCallsDocument,
    "\n  query PushSetup {\n    pushPublicKey\n    pushDevice {\n      endpoint\n      includeBody\n    }\n  }\n": typeof types.PushSetupDocument,
    "\n  mutation RegisterPush($endpoint: String!, $p256dh: String!, $auth: String!, $includeBody: Boolean) {\n    registerPush(endpoint: $endpoint, p256dh: $p256dh, auth: $auth, includeBody: $includeBody) {\n      endpoint\n      includeBody\n    }\n  }\n": typeof types.RegisterPushDocument,
    "\n  mutation UnregisterPush {\n    unregisterPush\n  }\n": typeof types.UnregisterPushDocument,
};
const documents: Documents = {
    "\n  query IceServers {\n    iceServers {\n      urls\n      username\n      credential\n      expiresAt\n    }\n  }\n": types.IceServersDocument,
    "\n  mutation PlaceCall($input: PlaceCallInput!) {\n    placeCall(input: $input) {\n      callId\n      status\n      caller\n      callee\n      media\n    }\n  }\n": types.PlaceCallDocument,
    "\n  mutation AcceptCall($callId: ID!) {\n    acceptCall(callId: $callId) {\n      callId\n      status\n    }\n  }\n": types.AcceptCallDocument,
    "\n  mutation DeclineCall($callId: ID!) {\n    declineCall(callId: $callId) {\n      callId\n      status\n    }\n  }\n": types.DeclineCallDocument,
    "\n  mutation HangUp($callId: ID!, $reason: CallEndReason) {\n    hangUp(callId: $callId, reason: $reason) {\n      callId\n      status\n      durationMs\n    }\n  }\n": types.HangUpDocument,
    "\n  mutation SendCallSignal($callId: ID!, $kind: CallSignalKind!, $payload: String!) {\n    sendCallSignal(callId: $callId, kind: $kind, payload: $payload)\n  }\n": types.SendCallSignalDocument,
    "\n  query CallHistory($before: Position, $last: Int) {\n    callHistory(before: $before, last: $last) {\n      hasMore\n      before\n      calls {\n        callId\n        caller\n        callee\n        media\n        status\n        direction\n        reason\n        placedAt\n        durationMs\n        quality {\n          connected\n          relayed\n          relayProtocol\n          rttMs\n          packetLossPercent\n        }\n      }\n    }\n  }\n": types.CallHistoryDocument,
    "\n  mutation Ringing($callId: ID!) {\n    ringing(callId: $callId) {\n      callId\n      status\n    }\n  }\n": types.RingingDocument,
    "\n  mutation ReportCallQuality($callId: ID!, $quality: CallQualityInput!) {\n    reportCallQuality(callId: $callId, quality: $quality) {\n      callId\n    }\n  }\n": types.ReportCallQualityDocument,
    "\n  mutation RequestChallenge {\n    requestChallenge {\n      challenge\n      expiresAt\n    }\n  }\n": types.RequestChallengeDocument,
    "\n  fragment NewSession on AuthPayload {\n    token\n    sessionId\n    expiresAt\n    identity {\n      address\n      displayName\n      publicKey\n    }\n  }\n": types.NewSessionFragmentDoc,
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...NewSession\n    }\n  }\n": types.RegisterDocument,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      ...NewSession\n    }\n  }\n": types.SignInDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": types.SignOutDocument,
    "\n  mutation SignOutEverywhere {\n    signOutEverywhere\n  }\n": types.SignOutEverywhereDocument,
    "\n  query Me {\n    me {\n      address\n      displayName\n      publicKey\n      registeredAt\n    }\n  }\n": types.MeDocument,
    "\n  mutation ChangeDisplayName($displayName: String!) {\n    changeDisplayName(displayName: $displayName) {\n      address\n      displayName\n    }\n  }\n": types.ChangeDisplayNameDocument,
    "\n  mutation VerifyEmbedHandover($assertion: String!, $site: String!) {\n    verifyEmbedHandover(assertion: $assertion, site: $site) {\n      site\n      subject\n      name\n      expiresAt\n    }\n  }\n": types.VerifyEmbedHandoverDocument,
    "\n  query LookUpIdentity($address: String!) {\n    identity(address: $address) {\n      address\n      displayName\n      publicKey\n    }\n  }\n": types.LookUpIdentityDocument,
    "\n  subscription Feed($after: Position) {\n    feed(after: $after) {\n      __typename\n      position\n      at\n      ... on IdentityUpdated {\n        identity {\n          address\n          displayName\n        }\n      }\n      ... on SessionEnded {\n        sessionId\n      }\n      ... on MessageAdded {\n        message {\n          id\n          position\n          from\n          to\n          body\n          sentAt\n          outgoing\n          status\n        }\n      }\n      ... on MessageChanged {\n        message {\n          id\n          body\n          deleted\n          editedAt\n        }\n      }\n      ... on ReceiptsChanged {\n        by\n        peer\n        deliveredUpTo\n        readUpTo\n      }\n      ... on AddressBookChanged {\n        change\n        address\n      }\n      ... on CallUpdated {\n        change\n        call {\n          callId\n          caller\n          callee\n          media\n          status\n          reason\n          answeredHere\n          durationMs\n          token {\n            callId\n            from\n            to\n            media\n            issuedAt\n            nonce\n            signature\n          }\n        }\n      }\n      ... on CallSignal {\n        callId\n        from\n        signal\n        payload\n      }\n    }\n  }\n": types.FeedDocument,
    "\n  query Contacts {\n    contacts {\n      address\n      nickname\n      displayName\n      alwaysAllowed\n    }\n    settings {\n      doNotDisturb\n      nonContactCalls\n      blocked\n    }\n    plan\n  }\n": types.ContactsDocument,
    "\n  mutation AddContact($address: String!, $nickname: String!) {\n    addContact(address: $address, nickname: $nickname) {\n      address\n      nickname\n      displayName\n    }\n  }\n": types.AddContactDocument,
    "\n  query Conversations($requests: Boolean) {\n    conversations(requests: $requests) {\n      peer\n      nickname\n      displayName\n      isRequest\n      unreadCount\n      lastMessage {\n        id\n        body\n        sentAt\n        outgoing\n        status\n      }\n    }\n  }\n": types.ConversationsDocument,
    "\n  query History($with: String!, $before: Position, $last: Int) {\n    messages(with: $with, before: $before, last: $last) {\n      hasMore\n      before\n      messages {\n        id\n        position\n        from\n        body\n        sentAt\n        editedAt\n        deleted\n        outgoing\n        status\n      }\n    }\n  }\n": types.HistoryDocument,
    "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      id\n      position\n      status\n      sentAt\n    }\n  }\n": types.SendMessageDocument,
    "\n  mutation MarkRead($peer: String!, $upTo: Position!) {\n    markRead(peer: $peer, upTo: $upTo)\n  }\n": types.MarkReadDocument,
    "\n  mutation MarkDelivered($peer: String!, $upTo: Position!) {\n    markDelivered(peer: $peer, upTo: $upTo)\n  }\n": types.MarkDeliveredDocument,
    "\n  mutation SendTyping($to: String!) {\n    sendTyping(to: $to)\n  }\n": types.SendTypingDocument,
    "\n  subscription Typing {\n    typing {\n      from\n      at\n    }\n  }\n": types.TypingDocument,
    "\n  mutation EditMessage($id: ID!, $body: String!) {\n    editMessage(id: $id, body: $body) {\n      id\n      body\n      deleted\n      editedAt\n    }\n  }\n": types.EditMessageDocument,
    "\n  mutation DeleteMessage($id: ID!) {\n    deleteMessage(id: $id) {\n      id\n      body\n      deleted\n      editedAt\n    }\n  }\n": types.DeleteMessageDocument,
    "\n  mutation AcceptMessageRequest($address: String!, $nickname: String) {\n    acceptMessageRequest(address: $address, nickname: $nickname) {\n      address\n      nickname\n    }\n  }\n": types.AcceptMessageRequestDocument,
    "\n  mutation DeclineMessageRequest($address: String!) {\n    declineMessageRequest(address: $address)\n  }\n": types.DeclineMessageRequestDocument,
    "\n  mutation BlockContact($address: String!) {\n    blockContact(address: $address)\n  }\n": types.BlockContactDocument,
    "\n  mutation UnblockContact($address: String!) {\n    unblockContact(address: $address)\n  }\n": types.UnblockContactDocument,
    "\n  mutation RenameContact($address: String!, $nickname: String!) {\n    renameContact(address: $address, nickname: $nickname) {\n      address\n      nickname\n    }\n  }\n": types.RenameContactDocument,
    "\n  mutation RemoveContact($address: String!) {\n    removeContact(address: $address)\n  }\n": types.RemoveContactDocument,
    "\n  mutation SetAlwaysAllowed($address: String!, $alwaysAllowed: Boolean!) {\n    setAlwaysAllowed(address: $address, alwaysAllowed: $alwaysAllowed) {\n      address\n      alwaysAllowed\n    }\n  }\n": types.SetAlwaysAllowedDocument,
    "\n  mutation SetDoNotDisturb($on: Boolean!) {\n    setDoNotDisturb(on: $on) {\n      doNotDisturb\n    }\n  }\n": types.SetDoNotDisturbDocument,
    "\n  mutation SetNonContactCalls($policy: NonContactCallPolicy!) {\n    setNonContactCalls(policy: $policy) {\n      nonContactCalls\n    }\n  }\n": types.SetNonContactCallsDocument,
    "\n  query PushSetup {\n    pushPublicKey\n    pushDevice {\n      endpoint\n      includeBody\n    }\n  }\n": types.PushSetupDocument,
    "\n  mutation RegisterPush($endpoint: String!, $p256dh: String!, $auth: String!, $includeBody: Boolean) {\n    registerPush(endpoint: $endpoint, p256dh: $p256dh, auth: $auth, includeBody: $includeBody) {\n      endpoint\n      includeBody\n    }\n  }\n": types.RegisterPushDocument,
    "\n  mutation UnregisterPush {\n    unregisterPush\n  }\n": types.UnregisterPushDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query IceServers {\n    iceServers {\n      urls\n      username\n      credential\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  query IceServers {\n    iceServers {\n      urls\n      username\n      credential\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PlaceCall($input: PlaceCallInput!) {\n    placeCall(input: $input) {\n      callId\n      status\n      caller\n      callee\n      media\n    }\n  }\n"): (typeof documents)["\n  mutation PlaceCall($input: PlaceCallInput!) {\n    placeCall(input: $input) {\n      callId\n      status\n      caller\n      callee\n      media\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptCall($callId: ID!) {\n    acceptCall(callId: $callId) {\n      callId\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation AcceptCall($callId: ID!) {\n    acceptCall(callId: $callId) {\n      callId\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeclineCall($callId: ID!) {\n    declineCall(callId: $callId) {\n      callId\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation DeclineCall($callId: ID!) {\n    declineCall(callId: $callId) {\n      callId\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation HangUp($callId: ID!, $reason: CallEndReason) {\n    hangUp(callId: $callId, reason: $reason) {\n      callId\n      status\n      durationMs\n    }\n  }\n"): (typeof documents)["\n  mutation HangUp($callId: ID!, $reason: CallEndReason) {\n    hangUp(callId: $callId, reason: $reason) {\n      callId\n      status\n      durationMs\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendCallSignal($callId: ID!, $kind: CallSignalKind!, $payload: String!) {\n    sendCallSignal(callId: $callId, kind: $kind, payload: $payload)\n  }\n"): (typeof documents)["\n  mutation SendCallSignal($callId: ID!, $kind: CallSignalKind!, $payload: String!) {\n    sendCallSignal(callId: $callId, kind: $kind, payload: $payload)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query CallHistory($before: Position, $last: Int) {\n    callHistory(before: $before, last: $last) {\n      hasMore\n      before\n      calls {\n        callId\n        caller\n        callee\n        media\n        status\n        direction\n        reason\n        placedAt\n        durationMs\n        quality {\n          connected\n          relayed\n          relayProtocol\n          rttMs\n          packetLossPercent\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query CallHistory($before: Position, $last: Int) {\n    callHistory(before: $before, last: $last) {\n      hasMore\n      before\n      calls {\n        callId\n        caller\n        callee\n        media\n        status\n        direction\n        reason\n        placedAt\n        durationMs\n        quality {\n          connected\n          relayed\n          relayProtocol\n          rttMs\n          packetLossPercent\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Ringing($callId: ID!) {\n    ringing(callId: $callId) {\n      callId\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation Ringing($callId: ID!) {\n    ringing(callId: $callId) {\n      callId\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportCallQuality($callId: ID!, $quality: CallQualityInput!) {\n    reportCallQuality(callId: $callId, quality: $quality) {\n      callId\n    }\n  }\n"): (typeof documents)["\n  mutation ReportCallQuality($callId: ID!, $quality: CallQualityInput!) {\n    reportCallQuality(callId: $callId, quality: $quality) {\n      callId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestChallenge {\n    requestChallenge {\n      challenge\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation RequestChallenge {\n    requestChallenge {\n      challenge\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment NewSession on AuthPayload {\n    token\n    sessionId\n    expiresAt\n    identity {\n      address\n      displayName\n      publicKey\n    }\n  }\n"): (typeof documents)["\n  fragment NewSession on AuthPayload {\n    token\n    sessionId\n    expiresAt\n    identity {\n      address\n      displayName\n      publicKey\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...NewSession\n    }\n  }\n"): (typeof documents)["\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...NewSession\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      ...NewSession\n    }\n  }\n"): (typeof documents)["\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      ...NewSession\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOut {\n    signOut\n  }\n"): (typeof documents)["\n  mutation SignOut {\n    signOut\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOutEverywhere {\n    signOutEverywhere\n  }\n"): (typeof documents)["\n  mutation SignOutEverywhere {\n    signOutEverywhere\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Me {\n    me {\n      address\n      displayName\n      publicKey\n      registeredAt\n    }\n  }\n"): (typeof documents)["\n  query Me {\n    me {\n      address\n      displayName\n      publicKey\n      registeredAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChangeDisplayName($displayName: String!) {\n    changeDisplayName(displayName: $displayName) {\n      address\n      displayName\n    }\n  }\n"): (typeof documents)["\n  mutation ChangeDisplayName($displayName: String!) {\n    changeDisplayName(displayName: $displayName) {\n      address\n      displayName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation VerifyEmbedHandover($assertion: String!, $site: String!) {\n    verifyEmbedHandover(assertion: $assertion, site: $site) {\n      site\n      subject\n      name\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation VerifyEmbedHandover($assertion: String!, $site: String!) {\n    verifyEmbedHandover(assertion: $assertion, site: $site) {\n      site\n      subject\n      name\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query LookUpIdentity($address: String!) {\n    identity(address: $address) {\n      address\n      displayName\n      publicKey\n    }\n  }\n"): (typeof documents)["\n  query LookUpIdentity($address: String!) {\n    identity(address: $address) {\n      address\n      displayName\n      publicKey\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Feed($after: Position) {\n    feed(after: $after) {\n      __typename\n      position\n      at\n      ... on IdentityUpdated {\n        identity {\n          address\n          displayName\n        }\n      }\n      ... on SessionEnded {\n        sessionId\n      }\n      ... on MessageAdded {\n        message {\n          id\n          position\n          from\n          to\n          body\n          sentAt\n          outgoing\n          status\n        }\n      }\n      ... on MessageChanged {\n        message {\n          id\n          body\n          deleted\n          editedAt\n        }\n      }\n      ... on ReceiptsChanged {\n        by\n        peer\n        deliveredUpTo\n        readUpTo\n      }\n      ... on AddressBookChanged {\n        change\n        address\n      }\n      ... on CallUpdated {\n        change\n        call {\n          callId\n          caller\n          callee\n          media\n          status\n          reason\n          answeredHere\n          durationMs\n          token {\n            callId\n            from\n            to\n            media\n            issuedAt\n            nonce\n            signature\n          }\n        }\n      }\n      ... on CallSignal {\n        callId\n        from\n        signal\n        payload\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription Feed($after: Position) {\n    feed(after: $after) {\n      __typename\n      position\n      at\n      ... on IdentityUpdated {\n        identity {\n          address\n          displayName\n        }\n      }\n      ... on SessionEnded {\n        sessionId\n      }\n      ... on MessageAdded {\n        message {\n          id\n          position\n          from\n          to\n          body\n          sentAt\n          outgoing\n          status\n        }\n      }\n      ... on MessageChanged {\n        message {\n          id\n          body\n          deleted\n          editedAt\n        }\n      }\n      ... on ReceiptsChanged {\n        by\n        peer\n        deliveredUpTo\n        readUpTo\n      }\n      ... on AddressBookChanged {\n        change\n        address\n      }\n      ... on CallUpdated {\n        change\n        call {\n          callId\n          caller\n          callee\n          media\n          status\n          reason\n          answeredHere\n          durationMs\n          token {\n            callId\n            from\n            to\n            media\n            issuedAt\n            nonce\n            signature\n          }\n        }\n      }\n      ... on CallSignal {\n        callId\n        from\n        signal\n        payload\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Contacts {\n    contacts {\n      address\n      nickname\n      displayName\n      alwaysAllowed\n    }\n    settings {\n      doNotDisturb\n      nonContactCalls\n      blocked\n    }\n    plan\n  }\n"): (typeof documents)["\n  query Contacts {\n    contacts {\n      address\n      nickname\n      displayName\n      alwaysAllowed\n    }\n    settings {\n      doNotDisturb\n      nonContactCalls\n      blocked\n    }\n    plan\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddContact($address: String!, $nickname: String!) {\n    addContact(address: $address, nickname: $nickname) {\n      address\n      nickname\n      displayName\n    }\n  }\n"): (typeof documents)["\n  mutation AddContact($address: String!, $nickname: String!) {\n    addContact(address: $address, nickname: $nickname) {\n      address\n      nickname\n      displayName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Conversations($requests: Boolean) {\n    conversations(requests: $requests) {\n      peer\n      nickname\n      displayName\n      isRequest\n      unreadCount\n      lastMessage {\n        id\n        body\n        sentAt\n        outgoing\n        status\n      }\n    }\n  }\n"): (typeof documents)["\n  query Conversations($requests: Boolean) {\n    conversations(requests: $requests) {\n      peer\n      nickname\n      displayName\n      isRequest\n      unreadCount\n      lastMessage {\n        id\n        body\n        sentAt\n        outgoing\n        status\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query History($with: String!, $before: Position, $last: Int) {\n    messages(with: $with, before: $before, last: $last) {\n      hasMore\n      before\n      messages {\n        id\n        position\n        from\n        body\n        sentAt\n        editedAt\n        deleted\n        outgoing\n        status\n      }\n    }\n  }\n"): (typeof documents)["\n  query History($with: String!, $before: Position, $last: Int) {\n    messages(with: $with, before: $before, last: $last) {\n      hasMore\n      before\n      messages {\n        id\n        position\n        from\n        body\n        sentAt\n        editedAt\n        deleted\n        outgoing\n        status\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      id\n      position\n      status\n      sentAt\n    }\n  }\n"): (typeof documents)["\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      id\n      position\n      status\n      sentAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkRead($peer: String!, $upTo: Position!) {\n    markRead(peer: $peer, upTo: $upTo)\n  }\n"): (typeof documents)["\n  mutation MarkRead($peer: String!, $upTo: Position!) {\n    markRead(peer: $peer, upTo: $upTo)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkDelivered($peer: String!, $upTo: Position!) {\n    markDelivered(peer: $peer, upTo: $upTo)\n  }\n"): (typeof documents)["\n  mutation MarkDelivered($peer: String!, $upTo: Position!) {\n    markDelivered(peer: $peer, upTo: $upTo)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendTyping($to: String!) {\n    sendTyping(to: $to)\n  }\n"): (typeof documents)["\n  mutation SendTyping($to: String!) {\n    sendTyping(to: $to)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Typing {\n    typing {\n      from\n      at\n    }\n  }\n"): (typeof documents)["\n  subscription Typing {\n    typing {\n      from\n      at\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EditMessage($id: ID!, $body: String!) {\n    editMessage(id: $id, body: $body) {\n      id\n      body\n      deleted\n      editedAt\n    }\n  }\n"): (typeof documents)["\n  mutation EditMessage($id: ID!, $body: String!) {\n    editMessage(id: $id, body: $body) {\n      id\n      body\n      deleted\n      editedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteMessage($id: ID!) {\n    deleteMessage(id: $id) {\n      id\n      body\n      deleted\n      editedAt\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteMessage($id: ID!) {\n    deleteMessage(id: $id) {\n      id\n      body\n      deleted\n      editedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptMessageRequest($address: String!, $nickname: String) {\n    acceptMessageRequest(address: $address, nickname: $nickname) {\n      address\n      nickname\n    }\n  }\n"): (typeof documents)["\n  mutation AcceptMessageRequest($address: String!, $nickname: String) {\n    acceptMessageRequest(address: $address, nickname: $nickname) {\n      address\n      nickname\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeclineMessageRequest($address: String!) {\n    declineMessageRequest(address: $address)\n  }\n"): (typeof documents)["\n  mutation DeclineMessageRequest($address: String!) {\n    declineMessageRequest(address: $address)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BlockContact($address: String!) {\n    blockContact(address: $address)\n  }\n"): (typeof documents)["\n  mutation BlockContact($address: String!) {\n    blockContact(address: $address)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnblockContact($address: String!) {\n    unblockContact(address: $address)\n  }\n"): (typeof documents)["\n  mutation UnblockContact($address: String!) {\n    unblockContact(address: $address)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RenameContact($address: String!, $nickname: String!) {\n    renameContact(address: $address, nickname: $nickname) {\n      address\n      nickname\n    }\n  }\n"): (typeof documents)["\n  mutation RenameContact($address: String!, $nickname: String!) {\n    renameContact(address: $address, nickname: $nickname) {\n      address\n      nickname\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveContact($address: String!) {\n    removeContact(address: $address)\n  }\n"): (typeof documents)["\n  mutation RemoveContact($address: String!) {\n    removeContact(address: $address)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetAlwaysAllowed($address: String!, $alwaysAllowed: Boolean!) {\n    setAlwaysAllowed(address: $address, alwaysAllowed: $alwaysAllowed) {\n      address\n      alwaysAllowed\n    }\n  }\n"): (typeof documents)["\n  mutation SetAlwaysAllowed($address: String!, $alwaysAllowed: Boolean!) {\n    setAlwaysAllowed(address: $address, alwaysAllowed: $alwaysAllowed) {\n      address\n      alwaysAllowed\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetDoNotDisturb($on: Boolean!) {\n    setDoNotDisturb(on: $on) {\n      doNotDisturb\n    }\n  }\n"): (typeof documents)["\n  mutation SetDoNotDisturb($on: Boolean!) {\n    setDoNotDisturb(on: $on) {\n      doNotDisturb\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetNonContactCalls($policy: NonContactCallPolicy!) {\n    setNonContactCalls(policy: $policy) {\n      nonContactCalls\n    }\n  }\n"): (typeof documents)["\n  mutation SetNonContactCalls($policy: NonContactCallPolicy!) {\n    setNonContactCalls(policy: $policy) {\n      nonContactCalls\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PushSetup {\n    pushPublicKey\n    pushDevice {\n      endpoint\n      includeBody\n    }\n  }\n"): (typeof documents)["\n  query PushSetup {\n    pushPublicKey\n    pushDevice {\n      endpoint\n      includeBody\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegisterPush($endpoint: String!, $p256dh: String!, $auth: String!, $includeBody: Boolean) {\n    registerPush(endpoint: $endpoint, p256dh: $p256dh, auth: $auth, includeBody: $includeBody) {\n      endpoint\n      includeBody\n    }\n  }\n"): (typeof documents)["\n  mutation RegisterPush($endpoint: String!, $p256dh: String!, $auth: String!, $includeBody: Boolean) {\n    registerPush(endpoint: $endpoint, p256dh: $p256dh, auth: $auth, includeBody: $includeBody) {\n      endpoint\n      includeBody\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnregisterPush {\n    unregisterPush\n  }\n"): (typeof documents)["\n  mutation UnregisterPush {\n    unregisterPush\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;