import { ContextProvider } from '@lit/context';
import { css, html, LitElement, nothing } from 'lit';
import type { CallVaultClient } from '../../client/client.ts';
import { clientContext } from '../../internal/context.ts';
import { sharedStyles } from '../../internal/shared.styles.ts';
import type { Strings } from './strings.ts';

export type EmbedViewName = 'chat' | 'call-button';

/**
 * What a `<cv-chat>` or `<cv-call-button>` shows inside its frame: onboarding until an identity
 * is on this device (created here, on CallVault's origin), then one conversation or one call
 * button; the call screen over it while a call is on. Provides the data layer to the app's
 * elements below, as `<callvault-app>` does in the full app.
 */
export class CvEmbedView extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      :host([in-call]) {
        min-height: 420px;
      }
      cv-chat {
        height: 100%;
      }
      .button {
        padding: 4px;
      }
      .button button {
        width: 100%;
      }
      .placeholder {
        padding: 1rem;
        color: var(--cv-muted);
      }
    `,
  ];

  constructor(
    readonly client: CallVaultClient,
    readonly view: EmbedViewName,
    readonly peer: string,
    readonly media: 'AUDIO' | 'VIDEO',
    readonly strings: Strings,
  ) {
    super();
    new ContextProvider(this, { context: clientContext, initialValue: client });
    client.addEventListener('change', () => this.requestUpdate());
  }

  override updated(): void {
    this.toggleAttribute('in-call', Boolean(this.client.calls.call));
  }

  override render() {
    const { client, strings } = this;
    if (client.phase === 'loading') return html`<p class="placeholder" role="status">${strings.loading}</p>`;
    if (client.phase === 'signed-out') return html`<cv-onboarding></cv-onboarding>`;
    const call = client.calls.call ? html`<cv-call></cv-call>` : nothing;
    if (this.view === 'chat') return html`${call}<cv-chat .peer=${this.peer}></cv-chat>`;
    return html`${call}<div class="button"><button class="primary" type="button"
      @click=${() => void client.calls.place(this.peer, this.media).catch(() => {})}>
      ${this.media === 'VIDEO' ? strings.videoCall : strings.audioCall}</button></div>`;
  }
}
