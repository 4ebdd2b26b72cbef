import { CallVaultClient } from '../client/client.ts';
import { publicApi } from '../client/connection.ts';
import { IndexedDbStore } from '../client/idb.ts';
import '../elements/cv-call/define.ts';
import '../elements/cv-call-history/define.ts';
import '../elements/cv-chat/define.ts';
import '../elements/cv-connection-status/define.ts';
import '../elements/cv-contacts/define.ts';
import '../elements/cv-conversation-list/define.ts';
import '../elements/cv-onboarding/define.ts';
import '../elements/cv-settings/define.ts';
import { CallVaultApp } from './callvault-app.ts';

// The operator console (/admin) is its own page: the user app is not started there.
const operatorConsole = location.pathname === '/admin';
if (operatorConsole) {
  void import('../elements/cv-admin/define.ts').then(() => {
    document.body.replaceChildren(document.createElement('cv-admin'));
  });
}

// The API is this page's own origin: the server serves both.
const client = new CallVaultClient({
  kv: new IndexedDbStore(),
  publicApi: publicApi(new URL('/graphql', location.href).href),
  wsUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
  relayOnly: () => localStorage.getItem('callvault.relayOnly') === '1',
});

customElements.define(
  'callvault-app',
  class extends CallVaultApp {
    constructor() {
      super(client);
    }
  },
);

declare global {
  interface HTMLElementTagNameMap {
    'callvault-app': CallVaultApp;
  }
}

if (!operatorConsole) void client.start();

// The app shell for offline starts. A browser without service workers (or a private window
// that refuses them) simply has no offline start: nothing else depends on it.
navigator.serviceWorker?.register('/sw.js').catch(() => {});

// The saved view (for offline starts) is written a moment after each change: not lost on leaving.
addEventListener('pagehide', () => void client.saveNow());
