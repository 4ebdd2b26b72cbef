import { graphql } from '../gql/index.js';

export const PushSetupQuery = graphql(`
  query PushSetup {
    pushPublicKey
    pushDevice {
      endpoint
      includeBody
    }
  }
`);

export const RegisterPush = graphql(`
  mutation RegisterPush($endpoint: String!, $p256dh: String!, $auth: String!, $includeBody: Boolean) {
    registerPush(endpoint: $endpoint, p256dh: $p256dh, auth: $auth, includeBody: $includeBody) {
      endpoint
      includeBody
    }
  }
`);

export const UnregisterPush = graphql(`
  mutation UnregisterPush {
    unregisterPush
  }
`);
