import { graphql } from '../gql/index.js';

export const RequestChallenge = graphql(`
  mutation RequestChallenge {
    requestChallenge {
      challenge
      expiresAt
    }
  }
`);

export const NewSession = graphql(`
  fragment NewSession on AuthPayload {
    token
    sessionId
    expiresAt
    identity {
      address
      displayName
      publicKey
    }
  }
`);

export const Register = graphql(`
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      ...NewSession
    }
  }
`);

export const SignIn = graphql(`
  mutation SignIn($input: SignInInput!) {
    signIn(input: $input) {
      ...NewSession
    }
  }
`);

export const SignOut = graphql(`
  mutation SignOut {
    signOut
  }
`);

export const SignOutEverywhere = graphql(`
  mutation SignOutEverywhere {
    signOutEverywhere
  }
`);

export const Me = graphql(`
  query Me {
    me {
      address
      displayName
      publicKey
      registeredAt
    }
  }
`);

export const ChangeDisplayName = graphql(`
  mutation ChangeDisplayName($displayName: String!) {
    changeDisplayName(displayName: $displayName) {
      address
      displayName
    }
  }
`);

export const VerifyEmbedHandover = graphql(`
  mutation VerifyEmbedHandover($assertion: String!, $site: String!) {
    verifyEmbedHandover(assertion: $assertion, site: $site) {
      site
      subject
      name
      expiresAt
    }
  }
`);

export const LookUpIdentity = graphql(`
  query LookUpIdentity($address: String!) {
    identity(address: $address) {
      address
      displayName
      publicKey
    }
  }
`);

export const Feed = graphql(`
  subscription Feed($after: Position) {
    feed(after: $after) {
      __typename
      position
      at
      ... on IdentityUpdated {
        identity {
          address
          displayName
        }
      }
      ... on SessionEnded {
        sessionId
      }
      ... on MessageAdded {
        message {
          id
          position
          from
          to
          body
          sentAt
          outgoing
          status
        }
      }
      ... on MessageChanged {
        message {
          id
          body
          deleted
          editedAt
        }
      }
      ... on ReceiptsChanged {
        by
        peer
        deliveredUpTo
        readUpTo
      }
      ... on AddressBookChanged {
        change
        address
      }
      ... on CallUpdated {
        change
        call {
          callId
          caller
          callee
          media
          status
          reason
          answeredHere
          durationMs
          token {
            callId
            from
            to
            media
            issuedAt
            nonce
            signature
          }
        }
      }
      ... on CallSignal {
        callId
        from
        signal
        payload
      }
    }
  }
`);
