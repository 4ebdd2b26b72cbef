import { css } from 'lit';
import { CvEmbedElement, type FrameView } from './embed-element.ts';

/**
 * The whole CallVault app inline in your page (contacts, chats, calls, settings), in a frame
 * on CallVault's origin. Give it a height in your layout (default 640px).
 *
 * @tag callvault-app
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
 * @csspart frame - the iframe
 * @cssproperty --cv-accent - accent color (buttons, links)
 * @cssproperty --cv-accent-text - text on the accent color
 * @cssproperty --cv-radius - corner radius of controls
 * @cssproperty --cv-font-family - font of the frame
 * @cssproperty --cv-bg - page background
 * @cssproperty --cv-surface - background of panels and fields
 * @cssproperty --cv-text - text color
 */
export class CallVaultAppEmbed extends CvEmbedElement {
  static override styles = [
    CvEmbedElement.styles,
    css`
      :host {
        height: 640px;
      }
    `,
  ];

  protected frameView(): FrameView {
    return { view: 'app', params: {} };
  }

  protected frameTitle(): string {
    return 'CallVault';
  }

  /** Places a call to the conversation open in the app. */
  call(media: 'audio' | 'video' = 'video'): Promise<void> {
    return this.command('call', { media });
  }

  /** Hangs up (or declines, or cancels) the current call. */
  hangUp(): Promise<void> {
    return this.command('hangUp', {});
  }
}
