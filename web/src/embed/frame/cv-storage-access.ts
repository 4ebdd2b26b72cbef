import { css, html, LitElement, nothing } from 'lit';
import type { CallVaultClient } from '../../client/client.ts';
import { sharedStyles } from '../../internal/shared.styles.ts';
import type { EmbedStorage } from './storage.ts';
import type { Strings } from './strings.ts';

/**
 * Above the frame's onboarding, while no identity is in the frame: where the browser keeps
 * this frame's storage apart from CallVault's own (third-party storage partitioning), a button
 * asks for storage access — one click, the browser may ask the visitor — and, granted, the
 * frame uses the identity this browser already has on CallVault. Refused (or no such API), it
 * says that this site has its own identity, and onboarding (create or restore) goes on here.
 */
export class CvStorageAccess extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      section {
        margin: 0.75rem;
        padding: 0.75rem;
        border: 1px solid var(--cv-border);
        border-radius: var(--cv-radius);
        background: var(--cv-surface);
      }
      h2 {
        font-size: 1rem;
        margin: 0 0 0.4rem;
      }
      p {
        margin: 0 0 0.6rem;
      }
      p:last-child {
        margin: 0;
      }
    `,
  ];
  static override properties = { busy: { state: true } };
  declare busy: boolean;

  constructor(
    readonly client: CallVaultClient,
    readonly storage: EmbedStorage,
    readonly strings: Strings,
    /** After a click: whether the unpartitioned storage is now in use. */
    readonly onAnswer: (granted: boolean) => void,
  ) {
    super();
    this.busy = false;
    client.addEventListener('change', () => this.requestUpdate());
  }

  #ask(): void {
    this.busy = true;
    // Straight from the click: the request needs the visitor's gesture.
    void this.storage.request().then((granted) => {
      this.busy = false;
      this.onAnswer(granted);
    });
  }

  override render() {
    const { client, storage, strings } = this;
    if (client.phase !== 'signed-out' || client.held) return nothing;
    if (storage.state === 'prompt') {
      return html`<section aria-labelledby="access-title" data-access="prompt">
        <h2 id="access-title">${strings.accessTitle}</h2>
        <p class="hint">${strings.accessHint}</p>
        <button class="primary" type="button" ?disabled=${this.busy} @click=${this.#ask}>${strings.accessButton}</button>
      </section>`;
    }
    if (storage.state === 'denied' || storage.kv.mode === 'page') {
      return html`<section data-access=${storage.state === 'denied' ? 'denied' : 'page'}>
        <p role="status">${storage.kv.mode === 'page' ? strings.accessPageOnly : strings.accessDenied}</p>
      </section>`;
    }
    return nothing;
  }
}
