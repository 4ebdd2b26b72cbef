import { html, nothing, type PropertyValues } from 'lit';
import type { ChatMessage } from '../../client/chats.ts';
import { nameOf } from '../../client/contacts.ts';
import { CloseChatEvent } from '../../events/close-chat.ts';
import { CvElement } from '../../internal/cv-element.ts';
import { dayOf, timeOf } from '../../internal/format.ts';
import { styles } from './cv-chat.styles.ts';
import { markOf } from './marks.ts';

/** The server's windows (docs/protocol.md, Messages): past them the actions are not offered. */
const EDIT_WINDOW_MS = 15 * 60 * 1000;
const DELETE_WINDOW_MS = 48 * 60 * 60 * 1000;

/**
 * One conversation: its messages (live, with sent / delivered / read marks) and a composer
 * (Enter sends, Shift+Enter is a new line). Bodies are text: nothing in them is executed.
 * @attr peer - the address talked to
 * @event cv-close-chat - the back button
 */
export class CvChat extends CvElement {
  static override styles = styles;
  static override properties = {
    peer: { type: String },
    actionsFor: { state: true },
    editing: { state: true },
  };
  declare peer: string;
  /** The message whose actions (edit, delete) are shown. */
  declare actionsFor: string | null;
  /** The message being edited in place. */
  declare editing: string | null;
  #count = 0;

  constructor() {
    super();
    this.peer = '';
    this.actionsFor = null;
    this.editing = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('visibilitychange', this.#visible);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.#visible);
  }

  /** Coming back to the tab reads what arrived meanwhile. */
  readonly #visible = () => {
    if (document.visibilityState === 'visible' && this.peer) void this.client?.markRead(this.peer);
  };

  override updated(changed: PropertyValues<this>): void {
    const list = this.renderRoot.querySelector<HTMLElement>('.log');
    const count = list?.querySelectorAll('li.msg').length ?? 0;
    if (list && this.#anchor) {
      // Older messages were put above: keep what was on screen where it was.
      list.scrollTop = list.scrollHeight - this.#anchor;
      this.#anchor = null;
    } else if (list && (count !== this.#count || changed.has('peer'))) list.scrollTop = list.scrollHeight;
    this.#count = count;
  }

  /** Distance from the bottom while an older page loads, or null. */
  #anchor: number | null = null;
  #loadingOlder = false;

  /** Infinite scroll back: near the top, the next older page is fetched. */
  async #older() {
    const list = this.renderRoot.querySelector<HTMLElement>('.log');
    if (!list || this.#loadingOlder || !this.client?.chats?.olderCursor(this.peer)) return;
    this.#loadingOlder = true;
    this.#anchor = list.scrollHeight - list.scrollTop;
    try {
      await this.client.loadOlder(this.peer);
    } finally {
      this.#loadingOlder = false;
    }
  }

  #scroll(event: Event) {
    if ((event.target as HTMLElement).scrollTop < 80) void this.#older();
  }

  #keydown(event: KeyboardEvent) {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      (event.target as HTMLTextAreaElement).form?.requestSubmit();
    }
  }

  async #submit(event: SubmitEvent) {
    event.preventDefault();
    const area = (event.target as HTMLFormElement).elements.namedItem('body') as HTMLTextAreaElement;
    const body = area.value;
    if (!body.trim()) return;
    area.value = '';
    await this.client?.send(this.peer, body);
  }

  #message(m: ChatMessage) {
    const { mark, label } = markOf(m.status);
    // The body keeps its own line breaks (pre-wrap), so no template white space goes inside it.
    const body = m.deleted
      ? html`<span class="deleted">Message deleted</span>`
      : this.editing === m.id
        ? this.#editor(m)
        : html`<span class="body">${m.body}</span>`;
    return html`<li class="msg ${m.outgoing ? 'out' : 'in'}" data-id=${m.id}>
      ${body}
      <span class="meta">${timeOf(m.sentAt)}${m.editedAt ? ' · edited' : ''}
        ${
          m.outgoing
            ? html`<span class="mark" data-status=${m.status ?? 'SENT'} role="img" aria-label=${label} title=${label}>${mark}</span>`
            : nothing
        }
        ${this.#actionsButton(m)}</span>
      ${this.actionsFor === m.id ? this.#actions(m) : nothing}
    </li>`;
  }

  #actionsButton(m: ChatMessage) {
    const sent = m.outgoing && !m.deleted && m.status !== 'PENDING' && m.status !== 'FAILED';
    if (!sent || Date.now() - m.sentAt > DELETE_WINDOW_MS) return nothing;
    return html`<button class="more" type="button" aria-label="Message actions" aria-expanded=${this.actionsFor === m.id ? 'true' : 'false'}
      @click=${() => {
        this.actionsFor = this.actionsFor === m.id ? null : m.id;
      }}>⋯</button>`;
  }

  #actions(m: ChatMessage) {
    const age = Date.now() - m.sentAt;
    return html`<div class="actions">
      ${
        age < EDIT_WINDOW_MS
          ? html`<button type="button" @click=${() => {
              this.editing = m.id;
              this.actionsFor = null;
            }}>Edit</button>`
          : nothing
      }
      <button class="danger" type="button" @click=${() => {
        this.actionsFor = null;
        void this.client?.deleteMessage(m.id);
      }}>Delete for everyone</button>
    </div>`;
  }

  #editor(m: ChatMessage) {
    const save = async (area: HTMLTextAreaElement) => {
      if (area.value.trim() && area.value !== m.body) await this.client?.editMessage(m.id, area.value);
      this.editing = null;
    };
    return html`<form class="edit" @submit=${(e: SubmitEvent) => {
      e.preventDefault();
      void save((e.target as HTMLFormElement).elements.namedItem('edit') as HTMLTextAreaElement);
    }}>
      <label for="edit" class="visually-hidden">Edit message</label>
      <textarea id="edit" name="edit" maxlength="4000" .value=${m.body ?? ''} @keydown=${(
        e: KeyboardEvent,
      ) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          this.editing = null;
        } else this.#keydown(e);
      }}></textarea>
      <button type="submit">Save</button>
    </form>`;
  }

  /** A message request: not a contact yet. Accept, decline, or block them. */
  #request(name: string) {
    const client = this.client!;
    const request = client.chats?.conversation(this.peer)?.isRequest;
    const blocked = client.blocked.includes(this.peer);
    if (!request && !blocked) return nothing;
    return html`<div class="request" role="region" aria-label="Message request">
      <p>${blocked ? `You blocked ${name}.` : `${name} is not in your contacts.`}</p>
      ${
        blocked
          ? html`<button type="button" @click=${() => client.unblock(this.peer)}>Unblock</button>`
          : html`<button class="primary" type="button" @click=${() => client.acceptRequest(this.peer)}>Accept</button>
            <button type="button" @click=${() => client.declineRequest(this.peer)}>Decline</button>
            <button class="danger" type="button" @click=${() => client.block(this.peer)}>Block</button>`
      }
    </div>`;
  }

  override render() {
    const client = this.client;
    if (!client || !this.peer) return html``;
    const name = nameOf(client.contacts, this.peer, client.chats?.conversation(this.peer)?.name ?? null);
    const messages = client.chats?.messages(this.peer, client.outbox.items) ?? [];
    let day = '';
    return html`
      <header>
        <button class="back" type="button" aria-label="Back to conversations" @click=${() => this.dispatchEvent(new CloseChatEvent())}>←</button>
        <div class="who">
          <h2 id="chat-title">${name}</h2>
          <p class="typing" aria-live="polite">${client.typing.isTyping(this.peer) ? 'typing…' : ''}</p>
        </div>
        <cv-connection-status class="status"></cv-connection-status>
        <button type="button" @click=${() => client.calls.place(this.peer, 'AUDIO')} aria-label="Audio call ${name}">Call</button>
        <button type="button" @click=${() => client.calls.place(this.peer, 'VIDEO')} aria-label="Video call ${name}">Video</button>
      </header>
      ${this.#request(name)}
      <div class="log" role="log" aria-labelledby="chat-title" tabindex="0" @scroll=${this.#scroll}>
        ${
          client.chats?.olderCursor(this.peer)
            ? html`<button class="older" type="button" @click=${() => this.#older()}>Load older messages</button>`
            : nothing
        }
        <ol>
        ${messages.map((m) => {
          const d = dayOf(m.sentAt);
          const separator = d !== day ? html`<li class="day">${d}</li>` : nothing;
          day = d;
          return html`${separator}${this.#message(m)}`;
        })}
        </ol>
      </div>
      <form @submit=${this.#submit}>
        <label for="body" class="visually-hidden">Message</label>
        <textarea id="body" name="body" placeholder="Message" maxlength="4000" @keydown=${this.#keydown}
          @input=${() => client.typed(this.peer)}></textarea>
        <button class="primary" type="submit">Send</button>
      </form>
    `;
  }
}
