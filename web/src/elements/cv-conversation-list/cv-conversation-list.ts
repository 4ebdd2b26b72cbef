import { css, html } from 'lit';
import { nameOf } from '../../client/contacts.ts';
import { OpenChatEvent } from '../../events/open-chat.ts';
import { CvElement } from '../../internal/cv-element.ts';
import { timeOf } from '../../internal/format.ts';
import { sharedStyles } from '../../internal/shared.styles.ts';

/**
 * Conversations, newest first, with the last message and the unread count; live.
 * @event cv-open-chat - a conversation was chosen
 */
export class CvConversationList extends CvElement {
  static override styles = [
    sharedStyles,
    css`
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      button {
        display: grid;
        grid-template-columns: 1fr auto;
        gap: 0.15rem 0.5rem;
        width: 100%;
        text-align: start;
        border: none;
        border-bottom: 1px solid var(--cv-border);
        border-radius: 0;
        padding: 0.7rem 1rem;
        background: transparent;
      }
      button[aria-current='true'] {
        background: var(--cv-bubble-out);
      }
      .name {
        font-weight: 600;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .time {
        color: var(--cv-muted);
        font-size: 0.8rem;
      }
      .preview {
        color: var(--cv-muted);
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .unread {
        background: var(--cv-accent);
        color: var(--cv-accent-text);
        border-radius: 999px;
        min-width: 1.4rem;
        padding: 0 0.35rem;
        text-align: center;
        font-size: 0.8rem;
        font-weight: 700;
        justify-self: end;
      }
      .empty {
        padding: 1rem;
      }
    `,
  ];

  override render() {
    const client = this.client;
    const list = client?.chats?.conversations() ?? [];
    if (list.length === 0) {
      return html`<p class="empty hint">No conversations yet. Add a contact by their address to start one.</p>`;
    }
    return html`<ul aria-label="Conversations">
      ${list.map((c) => {
        const name = nameOf(client?.contacts ?? [], c.peer, c.name);
        const request = c.isRequest ? 'Request · ' : '';
        const preview =
          request +
          (c.last
            ? c.last.deleted
              ? 'Message deleted'
              : (c.last.outgoing ? 'You: ' : '') + c.last.body
            : '');
        return html`<li>
          <button type="button" data-peer=${c.peer} aria-current=${client?.openPeer === c.peer ? 'true' : 'false'}
            @click=${() => this.dispatchEvent(new OpenChatEvent(c.peer))}>
            <span class="name">${name}</span>
            <span class="time">${c.last ? timeOf(c.last.sentAt) : ''}</span>
            <span class="preview">${preview}</span>
            ${
              c.unreadCount > 0
                ? html`<span class="unread" data-unread=${c.unreadCount} aria-label="${c.unreadCount} unread">${c.unreadCount}</span>`
                : html`<span></span>`
            }
          </button>
        </li>`;
      })}
    </ul>`;
  }
}
