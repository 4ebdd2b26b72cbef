/**
 * The embed frame (served at /embed/v1/frame): the app's own data layer and elements, in one
 * of three views, talking to the host page over the embed protocol. Everything secret (the
 * identity key, the session token, the feed) stays in this origin's storage.
 */
import { addressProblem } from '../../../../protocol/index.ts';
import type { CommandMessage, ThemePayload } from '../../../embed/src/protocol.ts';
import { CallVaultApp } from '../../app/callvault-app.ts';
import { CallVaultClient } from '../../client/client.ts';
import { publicApi } from '../../client/connection.ts';
import '../../elements/cv-call/define.ts';
import '../../elements/cv-call-history/define.ts';
import '../../elements/cv-chat/define.ts';
import '../../elements/cv-connection-status/define.ts';
import '../../elements/cv-contacts/define.ts';
import '../../elements/cv-conversation-list/define.ts';
import '../../elements/cv-onboarding/define.ts';
import '../../elements/cv-settings/define.ts';
import { HostBridge, hostOriginOf } from './bridge.ts';
import { CvEmbedView, type EmbedViewName } from './cv-embed-view.ts';
import { CvStorageAccess } from './cv-storage-access.ts';
import { observe } from './observe.ts';
import { EmbedStorage } from './storage.ts';
import { stringsFor } from './strings.ts';

const params = new URLSearchParams(location.search);
const strings = stringsFor(params.get('locale'));
document.documentElement.lang = (params.get('locale') ?? 'en').slice(0, 12);
const hostOrigin = hostOriginOf(params);
const view = params.get('view');

function say(text: string): void {
  const p = document.createElement('p');
  p.className = 'placeholder';
  p.textContent = text;
  document.body.append(p);
}

let themed: string[] = [];
function applyTheme(theme: ThemePayload): void {
  const root = document.documentElement;
  for (const name of themed) root.style.removeProperty(name);
  themed = Object.keys(theme.vars);
  for (const [name, value] of Object.entries(theme.vars)) root.style.setProperty(name, value);
  if (theme.scheme === 'auto') delete root.dataset.theme;
  else root.dataset.theme = theme.scheme;
}

async function start(origin: string): Promise<void> {
  const peer = view === 'chat' ? (params.get('with') ?? '') : (params.get('to') ?? '');
  if (view !== 'app' && (view !== 'chat' && view !== 'call-button' ? true : addressProblem(peer) !== null)) {
    say(strings.badAddress);
    return;
  }
  let current: CallVaultClient | null = null;
  let starting = false;
  // Another frame of this page signed in: follow it (once, however many notes say so), with
  // the storage access it may have been granted.
  const signInAgain = () => {
    const c = current;
    if (c?.phase !== 'signed-out' || starting) return;
    starting = true;
    void storage
      .follow()
      .catch(() => false)
      .then(() => c.start())
      .finally(() => {
        starting = false;
      });
  };
  const storage = await EmbedStorage.open(signInAgain);
  const client = new CallVaultClient({
    kv: storage.kv,
    publicApi: publicApi(new URL('/graphql', location.href).href),
    wsUrl: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
    // localStorage throws in a frame whose storage the browser refuses.
    relayOnly: () => {
      try {
        return localStorage.getItem('callvault.relayOnly') === '1';
      } catch {
        return false;
      }
    },
  });
  current = client;
  const defaultMedia = params.get('media') === 'audio' ? 'AUDIO' : 'VIDEO';
  let root: HTMLElement;
  if (view === 'app') {
    customElements.define(
      'callvault-app',
      class extends CallVaultApp {
        constructor() {
          super(client);
        }
      },
    );
    root = document.createElement('callvault-app');
  } else {
    customElements.define('cv-embed-view', CvEmbedView);
    root = new CvEmbedView(client, view as EmbedViewName, peer, defaultMedia, strings);
    if (view === 'call-button') document.documentElement.dataset.fit = 'content';
  }
  customElements.define('cv-storage-access', CvStorageAccess);
  const access = new CvStorageAccess(client, storage, strings, (granted) => {
    bridge.emit('storage-access', { granted, storage: storage.kv.mode });
    // Granted: sign in from CallVault's own storage when it holds an identity.
    if (granted) signInAgain();
    access.requestUpdate();
  });
  document.body.append(access, root);

  const launcherClosed = params.get('start') === 'closed';
  const run = async (command: CommandMessage): Promise<void> => {
    switch (command.type) {
      case 'setTheme':
        return applyTheme(command.payload);
      case 'call': {
        const to = view === 'app' ? client.openPeer : peer;
        if (!to) throw new Error('no conversation is open to call');
        const media = command.payload.media
          ? command.payload.media === 'audio'
            ? 'AUDIO'
            : 'VIDEO'
          : defaultMedia;
        if (view !== 'app') await client.open(to);
        return client.calls.place(to, media);
      }
      case 'hangUp':
        return client.calls.call?.phase === 'incoming' ? client.calls.decline() : client.calls.hangUp();
      case 'signOut':
        return client.signOut();
      case 'open':
        if (view === 'chat' && client.phase === 'signed-in') await client.open(peer);
        return;
      case 'close':
        if (view === 'chat') client.close();
        return;
      case 'handover': {
        if (client.phase !== 'signed-in')
          throw new Error('sign in first: a handover vouches for a signed-in identity');
        // The site is the host origin this frame validated (query, ancestorOrigins, referrer).
        const v = await client.verifyEmbedHandover(command.payload.assertion, origin);
        bridge.emit('verified', {
          site: v.site,
          subject: v.subject,
          name: v.name ?? null,
          expiresAt: v.expiresAt,
        });
        return;
      }
    }
  };
  const bridge = new HostBridge(origin, run);
  // The content's height: the storage access prompt (when shown) and the view.
  const sized = new ResizeObserver(() => {
    const height = access.getBoundingClientRect().height + root.getBoundingClientRect().height;
    bridge.emit('resize', { height: Math.ceil(height) });
  });
  sized.observe(root);
  sized.observe(access);

  await client.start();
  // A chat shows its conversation at once (the launcher's only once it is opened).
  const openChat = () => {
    if (view === 'chat' && !launcherClosed && client.phase === 'signed-in' && client.openPeer !== peer)
      void client.open(peer).catch(() => {});
  };
  client.addEventListener('change', openChat);
  openChat();
  bridge.emit('ready', {
    signedIn: client.phase === 'signed-in',
    address: client.me?.address ?? null,
    storage: storage.kv.mode,
  });
  observe(client, bridge, signInAgain);
}

if (!hostOrigin) say(strings.notEmbedded);
else void start(hostOrigin);
