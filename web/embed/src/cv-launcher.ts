import { css, html, nothing } from 'lit';
import { CvEmbedElement, type FrameView } from './embed-element.ts';
import type { EventMessage } from './protocol.ts';

/**
 * A floating bubble in the corner of the page that opens a chat panel with `with`. The
 * bubble shows the unread count; the conversation loads in the background, so messages
 * arriving while the panel is closed count as unread.
 *
 * @tag cv-launcher
 * @attr with - the CallVault address to talk to (`cv1…`)
 * @attr label - the bubble's accessible name (default "Chat with us")
 * @attr server - CallVault's origin; default: the origin this script was loaded from
 * @attr theme - `light`, `dark` or `auto`
 * @attr locale - language of the embed's own strings (`en`, `de`)
 * @attr command-timeout - milliseconds a command may wait for the frame's answer before it rejects (default 15000; 60000 for `call()`)
 * @event cv-ready - the frame is ready; `detail`: `{ signedIn, address, storage }`
 * @event cv-signed-in - `detail`: `{ address, displayName }`
 * @event cv-signed-out - the identity was removed from the embed
 * @event cv-message - a message arrived or was sent; `detail`: `{ id, from, outgoing, sentAt }`
 * @event cv-unread-changed - `detail`: `{ count }`
 * @event cv-call-state - `detail`: `{ callId, peer, media, phase, reason }`
 * @event cv-error - `detail`: `{ message, code }`
 * @event cv-verified - a `handover()` was verified; `detail`: `{ site, subject, name, expiresAt }`
 * @event cv-storage-access - the visitor answered "Use your CallVault identity"; `detail`: `{ granted, storage }`
 * @csspart bubble - the floating button
 * @csspart panel - the chat panel
 * @csspart frame - the iframe
 * @cssproperty --cv-accent - color of the bubble and the frame's buttons
 * @cssproperty --cv-accent-text - text on the accent color
 * @cssproperty --cv-radius - corner radius
 * @cssproperty --cv-font-family - font of the frame
 * @cssproperty --cv-launcher-offset - distance of the bubble from the corner (default 20px)
 */
export class CvLauncherEmbed extends CvEmbedElement {
  static override properties = {
    ...CvEmbedElement.properties,
    with: { type: String, reflect: true },
    label: { type: String },
    opened: { type: Boolean, reflect: true, attribute: 'open' },
    unread: { state: true },
  };
  static override styles = [
    CvEmbedElement.styles,
    css`
      :host {
        position: fixed;
        right: var(--cv-launcher-offset, 20px);
        bottom: var(--cv-launcher-offset, 20px);
        z-index: 2147483000;
      }
      .bubble {
        width: 56px;
        height: 56px;
        border-radius: 50%;
        border: 0;
        background: var(--cv-accent, #0b6bcb);
        color: var(--cv-accent-text, #fff);
        font: 600 24px/1 system-ui, sans-serif;
        cursor: pointer;
        box-shadow: 0 4px 14px rgb(0 0 0 / 25%);
        position: relative;
      }
      .badge {
        position: absolute;
        top: -4px;
        right: -4px;
        min-width: 20px;
        padding: 2px 5px;
        box-sizing: border-box;
        border-radius: 10px;
        background: #b3261e;
        color: #fff;
        font: 600 12px/16px system-ui, sans-serif;
      }
      .panel {
        position: absolute;
        right: 0;
        bottom: 68px;
        width: min(380px, calc(100vw - 40px));
        height: min(560px, calc(100vh - 110px));
        border-radius: var(--cv-radius, 10px);
        overflow: hidden;
        box-shadow: 0 8px 30px rgb(0 0 0 / 30%);
        background: var(--cv-bg, #fff);
      }
      .panel[hidden] {
        display: block;
        visibility: hidden;
        pointer-events: none;
      }
    `,
  ];
  declare with: string;
  declare label: string;
  /** Whether the panel is open (the `open` attribute). */
  declare opened: boolean;
  declare unread: number;

  constructor() {
    super();
    this.with = '';
    this.label = 'Chat with us';
    this.opened = false;
    this.unread = 0;
  }

  protected frameView(): FrameView {
    return { view: 'chat', params: { with: this.with, start: 'closed' } };
  }

  protected frameTitle(): string {
    return 'CallVault chat';
  }

  protected override onFrameEvent(message: EventMessage): void {
    if (message.type === 'unread-changed') this.unread = message.payload.count;
  }

  /** Opens the chat panel (the conversation is marked read). */
  open(): Promise<void> {
    this.opened = true;
    return this.command('open', {});
  }

  /** Closes the chat panel. */
  close(): Promise<void> {
    this.opened = false;
    return this.command('close', {});
  }

  /** Calls the address of `with`, opening the panel. */
  call(media: 'audio' | 'video' = 'video'): Promise<void> {
    this.opened = true;
    return this.command('call', { media });
  }

  /** Hangs up (or declines, or cancels) the current call. */
  hangUp(): Promise<void> {
    return this.command('hangUp', {});
  }

  override render() {
    return html`
      <div class="panel" part="panel" ?hidden=${!this.opened} role="dialog" aria-label=${this.label}>${this.renderFrame()}</div>
      <button class="bubble" part="bubble" type="button" aria-expanded=${this.opened ? 'true' : 'false'}
        aria-label=${this.unread ? `${this.label} (${this.unread} unread)` : this.label}
        @click=${() => void (this.opened ? this.close() : this.open()).catch(() => {})}>
        ${this.opened ? '×' : '💬'}
        ${this.unread && !this.opened ? html`<span class="badge" aria-hidden="true">${this.unread}</span>` : nothing}
      </button>`;
  }
}
