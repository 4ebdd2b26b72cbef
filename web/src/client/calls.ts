import type { CallMedia } from '../gql/graphql.ts';
import {
  AnswerCall,
  DeclineCall,
  HangUp,
  IceServers,
  PlaceCall,
  Ringing,
  SendCallSignal,
} from '../graphql/calls.ts';
import { LookUpIdentity } from '../graphql/identity.ts';
import type { Api } from './api.ts';
import { signCall, verifyCall } from './call-token.ts';
import type { FeedItem } from './feed.ts';
import type { IdentityKey } from './keys.ts';
import { PeerLink } from './peer.ts';

export type CallPhase =
  | 'calling'
  | 'ringing'
  | 'incoming'
  | 'connecting'
  | 'connected'
  | 'reconnecting'
  | 'ended';

/** The call on screen. */
export interface ActiveCall {
  callId: string;
  peer: string;
  outgoing: boolean;
  media: CallMedia;
  phase: CallPhase;
  /** Why it ended (declined, busy, missed, hangup, …). */
  reason: string | null;
  local: MediaStream | null;
  remote: MediaStream | null;
  muted: boolean;
  cameraOff: boolean;
  connectedAt: number | null;
}

export interface CallsDeps {
  api(): Api;
  me(): string;
  key(): Promise<IdentityKey | undefined>;
  changed(): void;
  relayOnly(): boolean;
}

/** A CallPlaced older than this is history replayed by the feed, not a call to ring for. */
const STALE_MS = 60_000;
const ENDED = new Set(['DECLINED', 'MISSED', 'BUSY', 'CANCELLED', 'ENDED']);

/**
 * Calls from this device: placing (a signed call token), ringing after checking the caller's
 * signature, accepting, declining, hanging up, and the WebRTC link between the two.
 */
export class Calls {
  call: ActiveCall | null = null;
  #link: PeerLink | null = null;

  constructor(private readonly deps: CallsDeps) {}

  async place(peer: string, media: CallMedia): Promise<void> {
    if (this.call && this.call.phase !== 'ended') return;
    const key = await this.deps.key();
    if (!key) throw new Error('no identity key in this browser');
    const input = await signCall(key, peer, media);
    const callId = String(input.callId);
    this.#set({ callId, peer, outgoing: true, media, phase: 'calling' });
    await this.#connect(callId, media);
    const { placeCall } = await this.deps.api().request(PlaceCall, { input });
    // Glare: the server may answer with the other call (accepting it is not done yet).
    if (placeCall.callId !== callId) this.#end('glare');
  }

  async accept(media: CallMedia = this.call?.media ?? 'AUDIO'): Promise<void> {
    const call = this.call;
    if (call?.phase !== 'incoming') return;
    this.#update({ phase: 'connecting', media });
    await this.#connect(call.callId, media);
    await this.deps.api().request(AnswerCall, { callId: call.callId });
  }

  async decline(): Promise<void> {
    const call = this.call;
    if (!call) return;
    this.#end('declined');
    await this.deps.api().request(DeclineCall, { callId: call.callId });
  }

  /** Hang up (or cancel while it rings). */
  async hangUp(): Promise<void> {
    const call = this.call;
    if (!call || call.phase === 'ended') return;
    this.#end('hangup');
    await this.deps.api().request(HangUp, { callId: call.callId, reason: 'HANGUP' });
  }

  toggleMute(): void {
    const call = this.call;
    if (!call?.local) return;
    for (const t of call.local.getAudioTracks()) t.enabled = call.muted;
    this.#update({ muted: !call.muted });
  }

  toggleCamera(): void {
    const call = this.call;
    if (!call?.local) return;
    for (const t of call.local.getVideoTracks()) t.enabled = call.cameraOff;
    this.#update({ cameraOff: !call.cameraOff });
  }

  /** Closes the screen of an ended call. */
  dismiss(): void {
    if (this.call?.phase === 'ended') {
      this.call = null;
      this.deps.changed();
    }
  }

  async onItem(item: FeedItem): Promise<void> {
    if (item.__typename === 'CallSignal') {
      if (this.#link && item.callId === this.call?.callId)
        await this.#link.receive(item.signal, item.payload);
      return;
    }
    if (item.__typename !== 'CallUpdated') return;
    const { call } = item;
    const me = this.deps.me();
    if (call.status === 'PLACED' && call.callee === me) {
      if (this.call && this.call.phase !== 'ended') return;
      if (Date.now() - item.at > STALE_MS) return;
      const { identity } = await this.deps.api().request(LookUpIdentity, { address: call.caller });
      if (!(await verifyCall(call, me, identity?.publicKey ?? null))) return;
      this.#set({
        callId: call.callId,
        peer: call.caller,
        outgoing: false,
        media: call.media,
        phase: 'incoming',
      });
      await this.deps.api().request(Ringing, { callId: call.callId });
      return;
    }
    if (call.callId !== this.call?.callId) return;
    if (call.status === 'RINGING' && this.call.outgoing) this.#update({ phase: 'ringing' });
    else if (call.status === 'ACCEPTED') {
      if (this.call.outgoing) {
        this.#update({ phase: 'connecting' });
        await this.#link?.offer();
      } else if (!call.answeredHere && this.call.phase === 'incoming') {
        this.#end('answered elsewhere');
      }
    } else if (ENDED.has(call.status) && this.call.phase !== 'ended') {
      this.#end(call.reason ?? call.status.toLowerCase());
    }
  }

  async #connect(callId: string, media: CallMedia): Promise<void> {
    const local = await navigator.mediaDevices.getUserMedia({ audio: true, video: media === 'VIDEO' });
    this.#update({ local });
    const { iceServers } = await this.deps.api().request(IceServers, {});
    const link = new PeerLink({
      iceServers: iceServers.map((s) => ({
        urls: s.urls,
        ...(s.username ? { username: s.username } : {}),
        ...(s.credential ? { credential: s.credential } : {}),
      })),
      relayOnly: this.deps.relayOnly(),
      send: (kind, payload) => {
        this.deps
          .api()
          .request(SendCallSignal, { callId, kind, payload })
          .catch(() => {});
      },
      onState: (state) => this.#iceState(state),
      onRemote: (remote) => this.#update({ remote }),
    });
    link.addLocal(local);
    this.#link = link;
  }

  #iceState(state: RTCIceConnectionState): void {
    const call = this.call;
    if (!call || call.phase === 'ended') return;
    if (state === 'connected' || state === 'completed') {
      this.#update({ phase: 'connected', connectedAt: call.connectedAt ?? Date.now() });
    } else if (state === 'disconnected') {
      this.#update({ phase: 'reconnecting' });
    } else if (state === 'failed') {
      this.#update({ phase: 'reconnecting' });
      // The caller restarts ICE; the callee answers the RESTART offer.
      if (call.outgoing) void this.#link?.offer(true);
    }
  }

  #set(c: Pick<ActiveCall, 'callId' | 'peer' | 'outgoing' | 'media' | 'phase'>): void {
    this.call = {
      ...c,
      reason: null,
      local: null,
      remote: null,
      muted: false,
      cameraOff: false,
      connectedAt: null,
    };
    this.deps.changed();
  }

  #update(patch: Partial<ActiveCall>): void {
    if (!this.call) return;
    this.call = { ...this.call, ...patch };
    this.deps.changed();
  }

  #end(reason: string): void {
    this.#link?.close();
    this.#link = null;
    for (const t of this.call?.local?.getTracks() ?? []) t.stop();
    this.#update({ phase: 'ended', reason, remote: null, local: null });
  }
}
