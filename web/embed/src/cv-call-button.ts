import { CvEmbedElement, type FrameView } from './embed-element.ts';

/**
 * A call button for `to`: one click rings them (the visitor creates an identity first, in the
 * frame). Its height follows the frame's content, and grows to show the call while one is on.
 *
 * @tag cv-call-button
 * @attr to - the CallVault address to call (`cv1…`)
 * @attr media - `video` (default) or `audio`
 * @attr server - CallVault's origin; default: the origin this script was loaded from
 * @attr theme - `light`, `dark` or `auto`
 * @attr locale - language of the embed's own strings (`en`, `de`)
 * @attr command-timeout - milliseconds a command may wait for the frame's answer before it rejects (default 15000; 60000 for `call()`)
 * @event cv-ready - the frame is ready; `detail`: `{ signedIn, address, storage }`
 * @event cv-signed-in - `detail`: `{ address, displayName }`
 * @event cv-signed-out - the identity was removed from the embed
 * @event cv-call-state - `detail`: `{ callId, peer, media, phase, reason }`
 * @event cv-error - `detail`: `{ message, code }`
 * @event cv-verified - a `handover()` was verified; `detail`: `{ site, subject, name, expiresAt }`
 * @event cv-storage-access - the visitor answered "Use your CallVault identity"; `detail`: `{ granted, storage }`
 * @csspart frame - the iframe
 * @cssproperty --cv-accent - the button's color
 * @cssproperty --cv-accent-text - the button's text color
 * @cssproperty --cv-radius - the button's corner radius
 * @cssproperty --cv-font-family - font of the frame
 */
export class CvCallButtonEmbed extends CvEmbedElement {
  static override properties = {
    ...CvEmbedElement.properties,
    to: { type: String, reflect: true },
    media: { type: String, reflect: true },
  };
  /** The address called. */
  declare to: string;
  /** `video` or `audio`. */
  declare media: string;
  protected override fitContent = true;

  constructor() {
    super();
    this.to = '';
    this.media = 'video';
  }

  protected frameView(): FrameView {
    return {
      view: 'call-button',
      params: { to: this.to, media: this.media === 'audio' ? 'audio' : 'video' },
    };
  }

  protected frameTitle(): string {
    return 'CallVault call button';
  }

  /** Places the call, as a click on the button does. */
  call(media?: 'audio' | 'video'): Promise<void> {
    return this.command('call', media ? { media } : {});
  }

  /** Hangs up (or declines, or cancels) the current call. */
  hangUp(): Promise<void> {
    return this.command('hangUp', {});
  }
}
