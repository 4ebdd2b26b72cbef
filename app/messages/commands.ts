import {
  type ConversationState,
  initialConversation,
  type MessageCommand,
  messageDecider,
} from '../../events/messages/decide.ts';
import { conversationStream } from '../../events/messages/events.ts';
import type { MessageView } from '../../events/messages/projection.ts';
import { DomainError } from '../../events/shared/errors.ts';
import { IdempotencyConflictError } from '../../events/store/errors.ts';
import type { EventLog, EventMetadata } from '../../events/store/types.ts';
import { addressProblem } from '../../protocol/address.ts';
import { isUuid } from '../../protocol/uuid.ts';
import type { ContactQueries } from '../contacts/queries.ts';
import type { IdentityQueries } from '../identity/queries.ts';
import type { RateLimiter } from '../limits.ts';
import type { ReadModels } from '../read-models.ts';
import type { Viewer } from '../services.ts';
import { handle, type ReadModelReader } from '../write.ts';
import type { MessageQueries } from './queries.ts';

/**
 * Messages: decisions are taken on the read model (a conversation's stream can be long, and
 * a send needs only the block lists), then appended. A send's event id is the client's
 * message id, so a retried send is the same event, never a second message.
 */
export class MessageCommands {
  constructor(
    private readonly log: EventLog,
    private readonly readModels: ReadModels,
    private readonly queries: {
      messages: MessageQueries;
      contacts: ContactQueries;
      identity: IdentityQueries;
    },
    private readonly rate: RateLimiter,
    private readonly now: () => Date,
  ) {}

  /**
   * Decides on the conversations read model (`reader`) and appends with no version check:
   * the `read-model` write strategy (docs/decisions.md).
   */
  private async write(
    viewer: Viewer,
    peer: string,
    command: MessageCommand,
    reader: ReadModelReader<ConversationState>,
    m: EventMetadata,
    eventId?: string,
  ) {
    const { append } = await handle(
      { log: this.log, readModels: this.readModels },
      {
        stream: conversationStream(viewer.address, peer),
        decider: messageDecider,
        strategy: 'read-model',
        reader,
        ...(eventId ? { eventId } : {}),
      },
      command,
      { ...m, actor: viewer.address },
    );
    return append;
  }

  async send(
    viewer: Viewer,
    input: { id: string; to: string; body: string },
    m: EventMetadata,
  ): Promise<MessageView> {
    if (!isUuid(input.id)) {
      throw new DomainError('BAD_INPUT', 'a message id is a UUID made by the client');
    }
    const id = input.id.toLowerCase();
    const known = this.queries.messages.byId(id);
    if (known) return this.retried(viewer, known, input);
    const problem = addressProblem(input.to);
    if (problem) throw new DomainError('ADDRESS_INVALID', problem);
    if (!(await this.queries.identity.exists(input.to))) {
      throw new DomainError('NOT_FOUND', 'no identity has this address');
    }
    if (!this.rate.take(viewer.address))
      throw new DomainError('RATE_LIMITED', 'too many messages: slow down');
    const command: MessageCommand = {
      type: 'SendMessage',
      messageId: id,
      from: viewer.address,
      to: input.to,
      body: input.body,
      blockedBySender: this.queries.contacts.hasBlocked(viewer.address, input.to),
      blockedByRecipient: this.queries.contacts.hasBlocked(input.to, viewer.address),
    };
    let result: Awaited<ReturnType<MessageCommands['write']>>;
    try {
      // A new message id: nothing about the conversation decides a send.
      const reader = { name: 'none (a new message)', read: initialConversation };
      result = await this.write(viewer, input.to, command, reader, m, id);
    } catch (error) {
      if (error instanceof IdempotencyConflictError)
        throw new DomainError('CONFLICT', 'this message id is already used');
      throw error;
    }
    const message = this.queries.messages.byId(id)!;
    // The log took the same event id as a retry (a concurrent send, or one on another node):
    // it must be the same message too.
    return result?.appended === false ? this.retried(viewer, message, input) : message;
  }

  /**
   * A send whose id is already used: the same message again (a retry) gets the original
   * answer; anything else is CONFLICT, as an idempotency key reused with another payload.
   */
  private retried(viewer: Viewer, known: MessageView, input: { to: string; body: string }): MessageView {
    if (known.from !== viewer.address || known.to !== input.to || known.sentBody !== input.body) {
      throw new DomainError('CONFLICT', 'this message id is already used for another message');
    }
    return known;
  }

  /** The message `id` (any case) and the reader the decider takes it from. */
  private aboutMessage(id: string) {
    const key = String(id).toLowerCase();
    const message = this.queries.messages.byId(key);
    const reader = { name: 'conversations', read: () => this.queries.messages.aboutMessage(key) };
    return { message, key, reader };
  }

  async edit(viewer: Viewer, id: string, body: string, m: EventMetadata): Promise<MessageView> {
    const { message, key, reader } = this.aboutMessage(id);
    const command: MessageCommand = {
      type: 'EditMessage',
      messageId: key,
      by: viewer.address,
      body,
      now: this.now().getTime(),
    };
    await this.write(viewer, message?.to ?? viewer.address, command, reader, m);
    return message!;
  }

  async delete(viewer: Viewer, id: string, m: EventMetadata): Promise<MessageView> {
    const { message, key, reader } = this.aboutMessage(id);
    const command: MessageCommand = {
      type: 'DeleteMessage',
      messageId: key,
      by: viewer.address,
      now: this.now().getTime(),
    };
    await this.write(viewer, message?.to ?? viewer.address, command, reader, m);
    return message!;
  }

  async acknowledge(
    viewer: Viewer,
    kind: 'MarkDelivered' | 'MarkRead',
    peer: string,
    upTo: number,
    m: EventMetadata,
  ) {
    const problem = addressProblem(peer);
    if (problem) throw new DomainError('ADDRESS_INVALID', problem);
    const reader = {
      name: 'conversations',
      read: () => this.queries.messages.aboutReceipts(viewer.address, peer),
    };
    await this.write(viewer, peer, { type: kind, by: viewer.address, peer, upTo }, reader, m);
    return this.queries.messages.conversationOf(viewer.address, peer) ?? null;
  }
}
