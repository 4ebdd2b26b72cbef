import { graphql } from '../gql/index.js';

export const IceServers = graphql(`
  query IceServers {
    iceServers {
      urls
      username
      credential
      expiresAt
    }
  }
`);

export const PlaceCall = graphql(`
  mutation PlaceCall($input: PlaceCallInput!) {
    placeCall(input: $input) {
      callId
      status
      caller
      callee
      media
    }
  }
`);

export const AnswerCall = graphql(`
  mutation AcceptCall($callId: ID!) {
    acceptCall(callId: $callId) {
      callId
      status
    }
  }
`);

export const DeclineCall = graphql(`
  mutation DeclineCall($callId: ID!) {
    declineCall(callId: $callId) {
      callId
      status
    }
  }
`);

export const HangUp = graphql(`
  mutation HangUp($callId: ID!, $reason: CallEndReason) {
    hangUp(callId: $callId, reason: $reason) {
      callId
      status
      durationMs
    }
  }
`);

export const SendCallSignal = graphql(`
  mutation SendCallSignal($callId: ID!, $kind: CallSignalKind!, $payload: String!) {
    sendCallSignal(callId: $callId, kind: $kind, payload: $payload)
  }
`);

export const CallHistory = graphql(`
  query CallHistory($before: Position, $last: Int) {
    callHistory(before: $before, last: $last) {
      hasMore
      before
      calls {
        callId
        caller
        callee
        media
        status
        direction
        reason
        placedAt
        durationMs
        quality {
          connected
          relayed
          relayProtocol
          rttMs
          packetLossPercent
        }
      }
    }
  }
`);

export const Ringing = graphql(`
  mutation Ringing($callId: ID!) {
    ringing(callId: $callId) {
      callId
      status
    }
  }
`);

export const ReportCallQuality = graphql(`
  mutation ReportCallQuality($callId: ID!, $quality: CallQualityInput!) {
    reportCallQuality(callId: $callId, quality: $quality) {
      callId
    }
  }
`);
