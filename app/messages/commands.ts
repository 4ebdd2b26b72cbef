import {
  decideMessage,
  type MessageCommand,
  type MessageDecisionState,
} from '../../events/messages/decide.ts';
import { conversationStream } from '../../events/messages/events.ts';
import type { MessageView } from '../../events/messages/projection.ts';
import { DomainError } from '../../events/shared/errors.ts';
import { IdempotencyConflictError } from '../../events/store/errors.ts';
import type { EventLog, EventMetadata, JsonObject } from '../../events/store/types.ts';
import { addressProblem } from '../../protocol/address.ts';
import { isUuid } from '../../protocol/uuid.ts';
import type { ContactQueries } from '../contacts/queries.ts';
import type { IdentityQueries } from '../identity/queries.ts';
import type { RateLimiter } from '../limits.ts';
import type { ReadModels } from '../read-models.ts';
import type { Viewer } from '../services.ts';
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

  private async append(
    viewer: Viewer,
    peer: string,
    command: MessageCommand,
    state: MessageDecisionState,
    m: EventMetadata,
    eventId?: string,
  ) {
    const events = decideMessage(command, state);
    if (events.length === 0) return null;
    const result = await this.log.append(
      conversationStream(viewer.address, peer),
      events.map((e, i) => ({
        ...(i === 0 && eventId ? { id: eventId } : {}),
        type: e.type,
        data: e.data as unknown as JsonObject,
        metadata: { ...m, actor: viewer.address },
      })),
    );
    await this.readModels.waitFor(result.lastPosition);
    return result;
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
    };
    let result: Awaited<ReturnType<MessageCommands['append']>>;
    try {
      result = await this.append(
        viewer,
        input.to,
        command,
        { recipientBlockedSender: this.queries.contacts.hasBlocked(input.to, viewer.address) },
        m,
        id,
      );
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

  private ownState(id: string): { message: MessageView | undefined; state: MessageDecisionState } {
    const message = this.queries.messages.byId(String(id).toLowerCase());
    return { message, state: message ? { message } : {} };
  }

  async edit(viewer: Viewer, id: string, body: string, m: EventMetadata): Promise<MessageView> {
    const { message, state } = this.ownState(id);
    const peer = message?.to ?? viewer.address;
    await this.append(
      viewer,
      peer,
      {
        type: 'EditMessage',
        messageId: message?.id ?? id,
        by: viewer.address,
        body,
        now: this.now().getTime(),
      },
      state,
      m,
    );
    return message!;
  }

  async delete(viewer: Viewer, id: string, m: EventMetadata): Promise<MessageView> {
    const { message, state } = this.ownState(id);
    const peer = message?.to ?? viewer.address;
    await this.append(
      viewer,
      peer,
      { type: 'DeleteMessage', messageId: message?.id ?? id, by: viewer.address, now: this.now().getTime() },
      state,
      m,
    );
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
    const c = this.queries.messages.conversationOf(viewer.address, peer);
    const receipts = {
      delivered: c?.deliveredUpTo ?? 0,
      read: c?.readUpTo ?? 0,
      lastFromPeer: c?.fromPeer[c.fromPeer.length - 1] ?? 0,
    };
    await this.append(viewer, peer, { type: kind, by: viewer.address, peer, upTo }, { receipts }, m);
    return this.queries.messages.conversationOf(viewer.address, peer) ?? null;
  }
}
