import type { CallView } from '../calls/projection.ts';
import type { IdentityView } from '../identity/projections.ts';
import type { MessageView } from '../messages/projection.ts';

/** Where an item sits in the log, and when it was recorded. */
export interface FeedBase {
  position: number;
  at: number;
}

/** Something that happened to an identity, as its feed shows it (the GraphQL `FeedItem`). */
export type FeedItem =
  | (FeedBase & { kind: 'IdentityUpdated'; identity: IdentityView })
  | (FeedBase & { kind: 'SessionEnded'; sessionId: string })
  | (FeedBase & { kind: 'MessageAdded' | 'MessageChanged'; message: MessageView })
  | (FeedBase & {
      kind: 'ReceiptsChanged';
      by: string;
      peer: string;
      deliveredUpTo: number;
      readUpTo: number;
    })
  | (FeedBase & { kind: 'AddressBookChanged'; change: string; address: string | null })
  | (FeedBase & { kind: 'CallUpdated'; change: string; call: CallView })
  | (FeedBase & { kind: 'CallSignal'; callId: string; from: string; signal: string; payload: string });

/** The read-model views a feed item shows (the state after its event). */
export interface FeedLookups {
  identity(address: string): IdentityView | null;
  call(callId: string): CallView | undefined;
  message(messageId: string): MessageView | undefined;
  conversation(owner: string, peer: string): { deliveredUpTo: number; readUpTo: number } | undefined;
}
