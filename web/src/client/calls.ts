import type { CallMedia, CallQualityInput } from '../gql/graphql.ts';
import {
  AnswerCall,
  DeclineCall,
  HangUp,
  IceServers,
  PlaceCall,
  ReportCallQuality,
  Ringing,
  SendCallSignal,
} from '../graphql/calls.ts';
import { LookUpIdentity } from '../graphql/identity.ts';
import type { Api } from './api.ts';
import { callQuality } from './call-quality.ts';
import { signCall, verifyCall } from './call-token.ts';
import type { FeedItem } from './feed.ts';
import {
  type FetchedIceServers,
  ICE_RECOVERY,
  IceRecovery,
  IceServerRefresh,
  RelayHealth,
} from './ice-timing.ts';
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

/** A camera, microphone or speaker this device offers. */
export interface CallDevice {
  kind: 'audioinput' | 'videoinput' | 'audiooutput';
  deviceId: string;
  label: string;
}

/**
 * How an ended call ended, from this side: what the screen and tests go by.
 * `answered-elsewhere`: another tab or device of mine took it.
 */
export type CallOutcome =
  | 'ended'
  | 'declined'
  | 'busy'
  | 'missed'
  | 'cancelled'
  | 'glare'
  | 'answered-elsewhere'
  | 'failed';

/** The call on screen. */
export interface ActiveCall {
  callId: string;
  peer: string;
  outgoing: boolean;
  media: CallMedia;
  phase: CallPhase;
  outcome: CallOutcome | null;
  /** Why it ended (declined, busy, timeout, hangup, …). */
  reason: string | null;
  local: MediaStream | null;
  remote: MediaStream | null;
  muted: boolean;
  cameraOff: boolean;
  connectedAt: number | null;
  /** When it was accepted: this side's answer, or the callee's seen by the caller. */
  acceptedAt: number | null;
  /** The ICE servers this side was given included a TURN relay (null until fetched). */
  relayAvailable: boolean | null;
  /**
   * This side's TURN relay did not work while the call was set up: the first error its servers
   * gave (`401 Unauthorized`, `701 …`), else null (RelayHealth).
   */
  relayError: string | null;
  /** The quality record sent for this call once it ended (docs/protocol.md, "Call quality"). */
  quality: CallQualityInput | null;
  /** ICE restarts sent from this side. */
  restarts: number;
  devices: CallDevice[];
  /** The devices in use (deviceId); audioOutput null is the system default. */
  audioInput: string | null;
  videoInput: string | null;
  audioOutput: string | null;
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
const OUTCOME: Record<string, CallOutcome> = {
  DECLINED: 'declined',
  MISSED: 'missed',
  BUSY: 'busy',
  CANCELLED: 'cancelled',
  ENDED: 'ended',
};

/** What the call screen says about a call that could not connect, or lost its connection. */
export const FAILURE_TEXT = {
  /** ICE failed and this side had no TURN server: nothing could relay around the NATs. */
  noRelay: 'Can’t connect: relay not available on your plan',
  /** ICE failed and this side's TURN server refused or never answered (misconfigured). */
  relayBroken: 'Can’t connect: the relay server is not working',
  /** ICE failed although a relay was there. */
  failed: 'Can’t connect: the connection failed',
  /** Connected, then lost for good. */
  lost: 'Call ended: connection lost',
} as const;

/** What the call screen says about an ended call. */
export function outcomeText(
  call: Pick<ActiveCall, 'outcome' | 'reason' | 'outgoing'> &
    Partial<Pick<ActiveCall, 'relayAvailable' | 'relayError' | 'connectedAt'>>,
): string {
  switch (call.outcome) {
    case 'declined':
      return 'Call declined';
    case 'busy':
      return 'Busy: in another call';
    case 'missed':
      return call.outgoing ? 'No answer' : 'Missed call';
    case 'cancelled':
      return call.outgoing ? 'Call cancelled' : 'Missed call';
    case 'glare':
      return 'Calls crossed';
    case 'answered-elsewhere':
      return 'Answered on another device';
    case 'failed':
      if (call.connectedAt != null) return FAILURE_TEXT.lost;
      if (call.relayError) return `${FAILURE_TEXT.relayBroken} (${call.relayError})`;
      return call.relayAvailable === false ? FAILURE_TEXT.noRelay : FAILURE_TEXT.failed;
    default:
      return call.reason ? `Call ended (${call.reason})` : 'Call ended';
  }
}

interface Verified {
  callId: string;
  caller: string;
  media: CallMedia;
}

const toRtc = (
  servers: { urls: string[]; username?: string | null; credential?: string | null }[],
): RTCIceServer[] =>
  servers.map((s) => ({
    urls: s.urls,
    ...(s.username ? { username: s.username } : {}),
    ...(s.credential ? { credential: s.credential } : {}),
  }));

/**
 * Calls from this device: placing (a signed call token), ringing after checking the caller's
 * signature, accepting, declining, hanging up, and the WebRTC link between the two — kept up
 * through network changes (ICE restarts) and TURN credential expiry.
 */
export class Calls {
  call: ActiveCall | null = null;
  #link: PeerLink | null = null;
  #recovery: IceRecovery | null = null;
  #refresh: IceServerRefresh | null = null;
  #detach: (() => void) | null = null;
  /** Glare: the peer's own call to me, verified, while mine was ringing. */
  #crossing: Verified | null = null;
  /** Glare: my call lost, the peer's call (not seen yet) is to be accepted. */
  #awaitCrossingFrom: string | null = null;

  constructor(private readonly deps: CallsDeps) {}

  async place(peer: string, media: CallMedia): Promise<void> {
    if (this.call && this.call.phase !== 'ended') return;
    const key = await this.deps.key();
    if (!key) throw new Error('no identity key in this browser');
    const input = await signCall(key, peer, media);
    const callId = String(input.callId);
    this.#crossing = null;
    this.#awaitCrossingFrom = null;
    this.#set({ callId, peer, outgoing: true, media, phase: 'calling' });
    await this.#connect(callId, media, false);
    const { placeCall } = await this.deps.api().request(PlaceCall, { input });
    if (this.call?.callId !== callId || this.call.phase === 'ended') return;
    // Glare: the server answers with the other call, mine cancelled.
    if (placeCall.callId !== callId) await this.#lostGlare();
    else if (OUTCOME[placeCall.status]) this.#end(OUTCOME[placeCall.status]!, placeCall.status.toLowerCase());
  }

  async accept(media: CallMedia = this.call?.media ?? 'AUDIO'): Promise<void> {
    const call = this.call;
    if (call?.phase !== 'incoming') return;
    this.#update({ phase: 'connecting', media, acceptedAt: Date.now() });
    await this.#connect(call.callId, media, true);
    this.#recovery?.connecting(this.call?.relayAvailable !== false);
    await this.deps.api().request(AnswerCall, { callId: call.callId });
  }

  async decline(): Promise<void> {
    const call = this.call;
    if (!call) return;
    this.#end('declined', 'declined');
    await this.deps.api().request(DeclineCall, { callId: call.callId });
  }

  /** Hang up (or cancel while it rings). */
  async hangUp(reason: 'HANGUP' | 'ICE_FAILED' = 'HANGUP'): Promise<void> {
    const call = this.call;
    if (!call || call.phase === 'ended') return;
    let quality: Promise<CallQualityInput | null>;
    if (reason === 'ICE_FAILED') quality = this.#end('failed', 'ice_failed');
    else if (call.phase === 'calling' || call.phase === 'ringing') quality = this.#end('cancelled', 'caller');
    else quality = this.#end('ended', 'hangup');
    await this.deps.api().request(HangUp, { callId: call.callId, reason });
    // Only now has the call ended on the server: the record is taken only then.
    await this.#report(call.callId, quality);
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

  /**
   * Another microphone or camera: a fresh track from it replaces the one sent (no
   * renegotiation), keeping mute and camera-off as they were. A speaker is the call screen's
   * to apply (`setSinkId` on the remote media element).
   */
  async chooseDevice(kind: CallDevice['kind'], deviceId: string): Promise<void> {
    const call = this.call;
    if (!call?.local || call.phase === 'ended') return;
    if (kind === 'audiooutput') {
      this.#update({ audioOutput: deviceId });
      return;
    }
    const audio = kind === 'audioinput';
    const stream = await navigator.mediaDevices.getUserMedia(
      audio ? { audio: { deviceId: { exact: deviceId } } } : { video: { deviceId: { exact: deviceId } } },
    );
    const track = (audio ? stream.getAudioTracks() : stream.getVideoTracks())[0];
    const now = this.call;
    if (!track || now?.callId !== call.callId || !now.local || now.phase === 'ended') {
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    track.enabled = audio ? !now.muted : !now.cameraOff;
    await this.#link?.replaceTrack(track);
    const kept = now.local.getTracks().filter((t) => t.kind !== track.kind);
    for (const t of now.local.getTracks()) if (t.kind === track.kind) t.stop();
    this.#update({
      local: new MediaStream([...kept, track]),
      ...(audio ? { audioInput: deviceId } : { videoInput: deviceId }),
    });
  }

  /** Restart ICE now, as after a network change (also what `online` does). */
  restartIce(): void {
    this.#recovery?.networkChanged();
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
      const mine = this.call;
      const crossing =
        mine?.outgoing && mine.peer === call.caller && (mine.phase === 'calling' || mine.phase === 'ringing');
      if (mine && mine.phase !== 'ended' && !crossing && this.#awaitCrossingFrom !== call.caller) return;
      if (Date.now() - item.at > STALE_MS) return;
      const { identity } = await this.deps.api().request(LookUpIdentity, { address: call.caller });
      if (!(await verifyCall(call, me, identity?.publicKey ?? null))) {
        // The call mine gave way to is not one to take: stop here rather than wait for ever.
        if (this.#awaitCrossingFrom === call.caller) {
          this.#awaitCrossingFrom = null;
          this.#end('glare', 'glare');
        }
        return;
      }
      const verified = { callId: call.callId, caller: call.caller, media: call.media };
      if (this.#awaitCrossingFrom === call.caller) {
        await this.#takeCrossing(verified);
      } else if (crossing) {
        // Both called each other: the server cancels one (docs/protocol.md, Glare).
        this.#crossing = verified;
      } else {
        this.#set({
          callId: call.callId,
          peer: call.caller,
          outgoing: false,
          media: call.media,
          phase: 'incoming',
        });
        await this.deps.api().request(Ringing, { callId: call.callId });
      }
      return;
    }
    if (call.callId !== this.call?.callId) return;
    if (call.status === 'RINGING' && this.call.outgoing) {
      if (this.call.phase === 'calling') this.#update({ phase: 'ringing' });
    } else if (call.status === 'ACCEPTED') {
      if (this.call.outgoing) {
        if (this.call.phase !== 'calling' && this.call.phase !== 'ringing') return;
        this.#update({ phase: 'connecting', acceptedAt: Date.now() });
        this.#recovery?.connecting(this.call?.relayAvailable !== false);
        await this.#link?.offer();
      } else if (this.call.phase === 'incoming') {
        // Accepted, but not by this tab (which would be connecting): another tab or device.
        this.#end('answered-elsewhere', 'answered elsewhere');
      }
    } else if (OUTCOME[call.status] && this.call.phase !== 'ended') {
      if (call.status === 'CANCELLED' && call.reason === 'glare' && this.call.outgoing) {
        await this.#lostGlare();
      } else {
        // The other side gave up on the connection: this side failed to connect as well.
        const outcome =
          call.status === 'ENDED' && call.reason === 'ice_failed' ? 'failed' : OUTCOME[call.status]!;
        await this.#report(call.callId, this.#end(outcome, call.reason ?? call.status.toLowerCase()));
      }
    }
  }

  /** My call was cancelled for glare: the peer's call to me goes on, and I take it. */
  async #lostGlare(): Promise<void> {
    const call = this.call;
    if (!call) return;
    const crossing = this.#crossing;
    this.#teardown();
    if (crossing && crossing.caller === call.peer) {
      await this.#takeCrossing(crossing);
    } else {
      // Its CallPlaced has not reached this feed yet: take it when it does.
      this.#awaitCrossingFrom = call.peer;
    }
  }

  async #takeCrossing(verified: Verified): Promise<void> {
    this.#crossing = null;
    this.#awaitCrossingFrom = null;
    this.#set({
      callId: verified.callId,
      peer: verified.caller,
      outgoing: false,
      media: verified.media,
      phase: 'incoming',
    });
    await this.accept(verified.media);
  }

  async #iceServers(): Promise<FetchedIceServers> {
    const { iceServers } = await this.deps.api().request(IceServers, {});
    const expiries = iceServers.map((s) => s.expiresAt).filter((e): e is number => typeof e === 'number');
    return { servers: toRtc(iceServers), expiresAt: expiries.length ? Math.min(...expiries) : null };
  }

  async #connect(callId: string, media: CallMedia, polite: boolean): Promise<void> {
    const local = await navigator.mediaDevices.getUserMedia({ audio: true, video: media === 'VIDEO' });
    this.#update({
      local,
      audioInput: local.getAudioTracks()[0]?.getSettings().deviceId ?? null,
      videoInput: local.getVideoTracks()[0]?.getSettings().deviceId ?? null,
    });
    void this.#listDevices();
    const fetched = await this.#iceServers();
    const relayAvailable = fetched.servers.some((s) =>
      (Array.isArray(s.urls) ? s.urls : [s.urls]).some((u) => /^turns?:/i.test(u)),
    );
    if (this.call?.callId === callId) this.#update({ relayAvailable });
    const relayOnly = this.deps.relayOnly();
    const health = new RelayHealth(fetched.servers);
    let silentTimer: ReturnType<typeof setTimeout> | null = null;
    const relayBroken = (why: string | null) => {
      if (why === null || this.#link !== link || this.call?.relayError) return;
      this.#update({ relayError: why });
      recovery.relayBroken(relayOnly);
    };
    const link = new PeerLink({
      iceServers: fetched.servers,
      relayOnly,
      polite,
      send: (kind, payload) => {
        this.deps
          .api()
          .request(SendCallSignal, { callId, kind, payload })
          .catch(() => {});
      },
      onState: (state) => this.#iceState(link, state),
      onRemote: (remote) => this.#update({ remote }),
      onCandidate: (type) => {
        if (!health.candidate(type) || this.#link !== link) return;
        // The relay answered after all (slowly): its call gets the whole bound back.
        if (this.call?.relayError) this.#update({ relayError: null });
        recovery.relayOk();
      },
      onGatheringStart: () => {
        if (silentTimer !== null) return;
        silentTimer = setTimeout(() => relayBroken(health.silent()), ICE_RECOVERY.relaySilentMs);
      },
      onCandidateError: (e) => relayBroken(health.error(e)),
      onGatheringComplete: () => relayBroken(health.gatheringComplete()),
      // Chromium learns of a new interface a second or two after `online`: the restart made
      // then gathered on the old network only. Restart again with the new one.
      onNewNetwork: () => {
        if (this.#link === link && link.pc.remoteDescription) recovery.networkChanged();
      },
    });
    link.addLocal(local);
    this.#link = link;
    const recovery = new IceRecovery({
      restart: () => {
        if (this.#link !== link || !link.pc.remoteDescription) return;
        this.#update({ restarts: (this.call?.restarts ?? 0) + 1 });
        void link.offer(true).catch(() => {});
      },
      giveUp: () => void this.hangUp('ICE_FAILED').catch(() => {}),
      reconnecting: (on) => {
        const phase = this.call?.phase;
        if (on && phase === 'connected') this.#update({ phase: 'reconnecting' });
      },
    });
    this.#recovery = recovery;
    const refresh = new IceServerRefresh(
      () => this.#iceServers(),
      (fresh) => {
        if (this.#link !== link) return;
        link.setIceServers(fresh.servers);
        // Relays allocated with the old credentials cannot be refreshed once they expire:
        // gather new ones now, while the call still flows (a restart is seamless).
        if (link.pc.remoteDescription) void link.offer(true).catch(() => {});
      },
    );
    refresh.schedule(fetched);
    this.#refresh = refresh;
    const networkChanged = () => {
      if (this.#link === link && link.pc.remoteDescription) recovery.networkChanged();
    };
    const connection = (navigator as Navigator & { connection?: EventTarget }).connection;
    // A headset plugged in or out: the device lists follow.
    const devicesChanged = () => void this.#listDevices();
    window.addEventListener('online', networkChanged);
    connection?.addEventListener('change', networkChanged);
    navigator.mediaDevices.addEventListener('devicechange', devicesChanged);
    this.#detach = () => {
      if (silentTimer !== null) clearTimeout(silentTimer);
      window.removeEventListener('online', networkChanged);
      connection?.removeEventListener('change', networkChanged);
      navigator.mediaDevices.removeEventListener('devicechange', devicesChanged);
    };
  }

  async #listDevices(): Promise<void> {
    const all = await navigator.mediaDevices.enumerateDevices().catch(() => []);
    const devices = all
      .filter((d) => d.deviceId && d.kind !== undefined)
      .map((d, i) => ({ kind: d.kind, deviceId: d.deviceId, label: d.label || `${d.kind} ${i + 1}` }));
    if (this.call && this.call.phase !== 'ended') this.#update({ devices });
  }

  #iceState(link: PeerLink, state: RTCIceConnectionState): void {
    const call = this.call;
    if (!call || call.phase === 'ended' || this.#link !== link) return;
    this.#recovery?.state(state);
    if (state === 'connected' || state === 'completed') {
      if (call.phase === 'connecting' || call.phase === 'reconnecting')
        this.#update({ phase: 'connected', connectedAt: call.connectedAt ?? Date.now() });
    } else if (state === 'disconnected' || state === 'failed') {
      if (call.phase === 'connected') this.#update({ phase: 'reconnecting' });
    }
  }

  #set(c: Pick<ActiveCall, 'callId' | 'peer' | 'outgoing' | 'media' | 'phase'>): void {
    this.call = {
      ...c,
      outcome: null,
      reason: null,
      local: null,
      remote: null,
      muted: false,
      cameraOff: false,
      connectedAt: null,
      acceptedAt: null,
      relayAvailable: null,
      relayError: null,
      quality: null,
      restarts: 0,
      devices: [],
      audioInput: null,
      videoInput: null,
      audioOutput: null,
    };
    this.deps.changed();
  }

  #update(patch: Partial<ActiveCall>): void {
    if (!this.call) return;
    this.call = { ...this.call, ...patch };
    this.deps.changed();
  }

  /** Stops everything of the call; the link itself is closed after `keepLink` settles. */
  #teardown(keepLink: Promise<unknown> = Promise.resolve()): void {
    this.#recovery?.stop();
    this.#recovery = null;
    this.#refresh?.stop();
    this.#refresh = null;
    this.#detach?.();
    this.#detach = null;
    const link = this.#link;
    this.#link = null;
    void keepLink.finally(() => link?.close());
    for (const t of this.call?.local?.getTracks() ?? []) t.stop();
  }

  /**
   * Ends the call on screen. For a call that was accepted, its quality record is read from the
   * link's stats before the link is closed; the caller sends it once the server has the end.
   */
  #end(outcome: CallOutcome, reason: string): Promise<CallQualityInput | null> {
    const call = this.call;
    const link = this.#link;
    const endedAt = Date.now();
    const quality =
      call && link && call.acceptedAt !== null && (outcome === 'ended' || outcome === 'failed')
        ? link.pc
            .getStats()
            .then((stats) =>
              callQuality(stats.values() as Iterable<{ type: string; id: string }>, {
                acceptedAt: call.acceptedAt,
                connectedAt: call.connectedAt,
                endedAt,
                restarts: call.restarts,
              }),
            )
            .catch(() => null)
        : Promise.resolve(null);
    this.#teardown(quality);
    this.#crossing = null;
    this.#update({ phase: 'ended', outcome, reason, remote: null, local: null });
    return quality;
  }

  /** Sends the call's quality record (once: a second is refused by the server anyway). */
  async #report(callId: string, pending: Promise<CallQualityInput | null>): Promise<void> {
    const quality = await pending;
    if (!quality) return;
    await this.deps
      .api()
      .request(ReportCallQuality, { callId, quality })
      .then(() => {
        if (this.call?.callId === callId) this.#update({ quality });
      })
      .catch(() => {});
  }
}
