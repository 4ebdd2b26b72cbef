import { ContextProvider } from '@lit/context';
import { html, LitElement } from 'lit';
import { addressProblem } from '../../../protocol/index.ts';
import type { CallVaultClient } from '../client/client.ts';
import { CloseChatEvent } from '../events/close-chat.ts';
import { OpenChatEvent } from '../events/open-chat.ts';
import { clientContext } from '../internal/context.ts';
import { styles } from './callvault-app.styles.ts';

type Tab = 'chats' | 'calls' | 'contacts' | 'settings';
const TABS: { id: Tab; label: string }[] = [
  { id: 'chats', label: 'Chats' },
  { id: 'calls', label: 'Calls' },
  { id: 'contacts', label: 'Contacts' },
  { id: 'settings', label: 'Settings' },
];

/**
 * The whole app: provides the data layer to every element and lays out the screens —
 * onboarding when signed out; otherwise the list pane (chats, contacts, settings) and the
 * conversation, side by side on wide screens, one at a time on phones.
 */
export class CallVaultApp extends LitElement {
  static override styles = styles;
  static override properties = { tab: { state: true } };
  declare tab: Tab;
  readonly client: CallVaultClient;

  constructor(client: CallVaultClient) {
    super();
    this.client = client;
    this.tab = 'chats';
    new ContextProvider(this, { context: clientContext, initialValue: client });
    client.addEventListener('change', () => {
      this.#applyLink();
      this.requestUpdate();
    });
    this.addEventListener(OpenChatEvent.type, (e) => {
      this.tab = 'chats';
      void this.client.open(e.peer);
    });
    this.addEventListener(CloseChatEvent.type, () => this.client.close());
    this.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.client.openPeer) this.client.close();
    });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Opened from a notification (service worker): `?chat=ADDRESS`, `?tab=calls`, `?call=ID`.
    this.followLink(location.search);
    navigator.serviceWorker?.addEventListener('message', this.#onWorkerMessage);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    navigator.serviceWorker?.removeEventListener('message', this.#onWorkerMessage);
  }

  /** A tab already open is told what to show by the service worker (a notification click). */
  readonly #onWorkerMessage = (event: MessageEvent) => {
    const data = event.data as { type?: unknown; url?: unknown } | null;
    if (data?.type !== 'callvault-open' || typeof data.url !== 'string') return;
    this.followLink(new URL(data.url, location.origin).search);
  };

  #pendingLink: URLSearchParams | null = null;

  /** Shows what a link names once signed in: a conversation, or a section (a call's link shows the calls). */
  followLink(search: string): void {
    const params = new URLSearchParams(search);
    if (!params.has('chat') && !params.has('tab') && !params.has('call')) return;
    this.#pendingLink = params;
    if (location.search) history.replaceState(history.state, '', location.pathname);
    this.#applyLink();
  }

  #applyLink(): void {
    const params = this.#pendingLink;
    if (!params || this.client.phase !== 'signed-in') return;
    this.#pendingLink = null;
    const chat = params.get('chat');
    const tab = params.get('tab');
    if (chat !== null && addressProblem(chat) === null) {
      this.tab = 'chats';
      void this.client.open(chat).catch(() => {});
    } else if (tab !== null && TABS.some((t) => t.id === tab)) {
      this.tab = tab as Tab;
    } else if (params.has('call')) {
      // A call still ringing shows its own screen; one that ended is in the history.
      this.tab = 'calls';
    }
  }

  #pane() {
    switch (this.tab) {
      case 'calls':
        return html`<cv-call-history></cv-call-history>`;
      case 'contacts':
        return html`<cv-contacts></cv-contacts>`;
      case 'settings':
        return html`<cv-settings></cv-settings>`;
      default:
        return html`<cv-conversation-list></cv-conversation-list>`;
    }
  }

  override render() {
    const { client } = this;
    if (client.phase === 'loading') return html`<p class="placeholder" role="status">Loading…</p>`;
    if (client.phase === 'signed-out') return html`<cv-onboarding></cv-onboarding>`;
    const peer = client.openPeer;
    return html`
      ${client.calls.call ? html`<cv-call></cv-call>` : ''}
      <div class="frame">
      ${
        client.showingSaved
          ? html`<p class="saved" role="status" data-saved-view>
              Not connected: showing what this device saved. Messages you write are sent once connected.
            </p>`
          : ''
      }
      <div class="shell ${peer ? 'chat-open' : ''}">
        <aside>
          <div class="top">
            <h1>CallVault</h1>
            <cv-connection-status></cv-connection-status>
          </div>
          <nav aria-label="Sections">
            ${TABS.map(
              (
                t,
              ) => html`<button type="button" data-tab=${t.id} aria-current=${this.tab === t.id ? 'page' : 'false'}
                @click=${() => {
                  this.tab = t.id;
                }}>${t.label}</button>`,
            )}
          </nav>
          ${client.error ? html`<div class="banner" role="alert">${client.error}</div>` : ''}
          <div class="list">${this.#pane()}</div>
        </aside>
        <main>
          ${
            peer
              ? html`<cv-chat .peer=${peer}></cv-chat>`
              : html`<div class="placeholder">Choose a conversation, or add a contact to start one.</div>`
          }
        </main>
      </div>
      </div>
    `;
  }
}
