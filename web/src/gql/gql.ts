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
    "\n  mutation RequestChallenge {\n    requestChallenge {\n      challenge\n      expiresAt\n    }\n  }\n": typeof types.RequestChallengeDocument,
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      token\n      sessionId\n      expiresAt\n      identity {\n        address\n        displayName\n        publicKey\n      }\n    }\n  }\n": typeof types.RegisterDocument,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      token\n      sessionId\n      expiresAt\n      identity {\n        address\n        displayName\n        publicKey\n      }\n    }\n  }\n": typeof types.SignInDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": typeof types.SignOutDocument,
    "\n  query Me {\n    me {\n      address\n      displayName\n      publicKey\n      registeredAt\n    }\n  }\n": typeof types.MeDocument,
    "\n  mutation ChangeDisplayName($displayName: String!) {\n    changeDisplayName(displayName: $displayName) {\n      address\n      displayName\n    }\n  }\n": typeof types.ChangeDisplayNameDocument,
    "\n  query LookUpIdentity($address: String!) {\n    identity(address: $address) {\n      address\n      displayName\n      publicKey\n    }\n  }\n": typeof types.LookUpIdentityDocument,
    "\n  subscription Feed($after: Position) {\n    feed(after: $after) {\n      __typename\n      position\n      at\n      ... on IdentityUpdated {\n        identity {\n          address\n          displayName\n        }\n      }\n      ... on SessionEnded {\n        sessionId\n      }\n    }\n  }\n": typeof types.FeedDocument,
};
const documents: Documents = {
    "\n  mutation RequestChallenge {\n    requestChallenge {\n      challenge\n      expiresAt\n    }\n  }\n": types.RequestChallengeDocument,
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      token\n      sessionId\n      expiresAt\n      identity {\n        address\n        displayName\n        publicKey\n      }\n    }\n  }\n": types.RegisterDocument,
    "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      token\n      sessionId\n      expiresAt\n      identity {\n        address\n        displayName\n        publicKey\n      }\n    }\n  }\n": types.SignInDocument,
    "\n  mutation SignOut {\n    signOut\n  }\n": types.SignOutDocument,
    "\n  query Me {\n    me {\n      address\n      displayName\n      publicKey\n      registeredAt\n    }\n  }\n": types.MeDocument,
    "\n  mutation ChangeDisplayName($displayName: String!) {\n    changeDisplayName(displayName: $displayName) {\n      address\n      displayName\n    }\n  }\n": types.ChangeDisplayNameDocument,
    "\n  query LookUpIdentity($address: String!) {\n    identity(address: $address) {\n      address\n      displayName\n      publicKey\n    }\n  }\n": types.LookUpIdentityDocument,
    "\n  subscription Feed($after: Position) {\n    feed(after: $after) {\n      __typename\n      position\n      at\n      ... on IdentityUpdated {\n        identity {\n          address\n          displayName\n        }\n      }\n      ... on SessionEnded {\n        sessionId\n      }\n    }\n  }\n": types.FeedDocument,
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
export function graphql(source: "\n  mutation RequestChallenge {\n    requestChallenge {\n      challenge\n      expiresAt\n    }\n  }\n"): (typeof documents)["\n  mutation RequestChallenge {\n    requestChallenge {\n      challenge\n      expiresAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      token\n      sessionId\n      expiresAt\n      identity {\n        address\n        displayName\n        publicKey\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      token\n      sessionId\n      expiresAt\n      identity {\n        address\n        displayName\n        publicKey\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      token\n      sessionId\n      expiresAt\n      identity {\n        address\n        displayName\n        publicKey\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SignIn($input: SignInInput!) {\n    signIn(input: $input) {\n      token\n      sessionId\n      expiresAt\n      identity {\n        address\n        displayName\n        publicKey\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SignOut {\n    signOut\n  }\n"): (typeof documents)["\n  mutation SignOut {\n    signOut\n  }\n"];
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
export function graphql(source: "\n  query LookUpIdentity($address: String!) {\n    identity(address: $address) {\n      address\n      displayName\n      publicKey\n    }\n  }\n"): (typeof documents)["\n  query LookUpIdentity($address: String!) {\n    identity(address: $address) {\n      address\n      displayName\n      publicKey\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription Feed($after: Position) {\n    feed(after: $after) {\n      __typename\n      position\n      at\n      ... on IdentityUpdated {\n        identity {\n          address\n          displayName\n        }\n      }\n      ... on SessionEnded {\n        sessionId\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription Feed($after: Position) {\n    feed(after: $after) {\n      __typename\n      position\n      at\n      ... on IdentityUpdated {\n        identity {\n          address\n          displayName\n        }\n      }\n      ... on SessionEnded {\n        sessionId\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;