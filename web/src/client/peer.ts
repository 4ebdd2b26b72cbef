import type { CallSignalKind } from '../gql/graphql.ts';

export interface PeerLinkOptions {
  iceServers: RTCIceServer[];
  /** Only TURN relays: the peer never learns this device's IP address. */
  relayOnly: boolean;
  /**
   * The callee's side: when both sides send an offer at once (both restart ICE), the polite
   * side drops its own and answers the other's; the caller's side ignores the callee's.
   */
  polite: boolean;
  send(kind: CallSignalKind, payload: string): void;
  onState(state: RTCIceConnectionState): void;
  onRemote(stream: MediaStream): void;
  /** A candidate was gathered (its type: host, srflx, prflx, relay). */
  onCandidate?(type: string | null): void;
  /** A STUN or TURN server failed while gathering (`icecandidateerror`). */
  onCandidateError?(e: { url: string | null; errorCode: number; errorText: string }): void;
  /** Gathering began (again: each restart, and each network change Chromium regathers for). */
  onGatheringStart?(): void;
  /** Gathering ended (for this round: a restart gathers again). */
  onGatheringComplete?(): void;
  /**
   * A network interface came up after this round's gathering began (a host candidate on a new
   * address, late): the round's offer may hold only the old network's candidates.
   */
  onNewNetwork?(): void;
}

/**
 * A host candidate on an address first seen this long after the round's first one is a network
 * that came up meanwhile; the interfaces present at the start all gather within a few ms.
 */
export const NEW_NETWORK_AFTER_MS = 500;
/**
 * An ICE-restart offer unanswered for this long is taken for lost (sent while the network was
 * down) and withdrawn by the next restart; a younger one's answer may still be on its way, so
 * a restart asked for meanwhile waits for it (withdrawing it would apply that answer to the
 * new offer, or leave the peer on ICE credentials that no longer exist).
 */
export const OFFER_IN_FLIGHT_MS = 3_000;

/** `setParameters` with the WebRTC-extensions options (not yet in TypeScript's DOM types). */
type KeyFrameSetParameters = (
  parameters: RTCRtpSendParameters,
  options: { encodingOptions: { keyFrame: boolean }[] },
) => Promise<void>;

/**
 * One RTCPeerConnection and its signaling (docs/protocol.md, Signaling and ICE): offers and
 * answers as SDP, trickle candidates as `RTCIceCandidate.toJSON()` text. Candidates that arrive
 * before the remote description they belong to wait for it. Either side may restart ICE; two
 * restarts at once are settled as in WebRTC's "perfect negotiation" (the callee is polite).
 */
export class PeerLink {
  readonly pc: RTCPeerConnection;
  #pending: RTCIceCandidateInit[] = [];
  #makingOffer = false;
  #ignoreOffer = false;
  #closed = false;
  #queue: Promise<void> = Promise.resolve();
  /** ICE was connected once and has not been since its last break. */
  #broken = false;
  #everConnected = false;
  /**
   * This ICE round (from the first offer, or the last restart made or answered): when its first
   * host candidate came, and the host addresses seen. Not reset when gathering starts again by
   * itself: Chromium regathers on a network change within the round, and that is what it looks for.
   */
  #round: { firstAt: number; addresses: Set<string> } = { firstAt: 0, addresses: new Set() };
  /** When our pending offer was sent. */
  #offeredAt = 0;
  /** A restart asked for while an offer's answer may be on its way: made once it comes. */
  #restartWhenStable = false;

  constructor(private readonly options: PeerLinkOptions) {
    this.pc = new RTCPeerConnection({
      iceServers: options.iceServers,
      iceTransportPolicy: options.relayOnly ? 'relay' : 'all',
    });
    this.pc.onicecandidate = (e) => {
      if (e.candidate) {
        this.#noteCandidate(e.candidate);
        options.onCandidate?.(e.candidate.type);
        options.send('CANDIDATE', JSON.stringify(e.candidate.toJSON()));
      }
    };
    this.pc.onicecandidateerror = (e) => {
      const { url, errorCode, errorText } = e as RTCPeerConnectionIceErrorEvent;
      options.onCandidateError?.({ url: url ?? null, errorCode, errorText: errorText ?? '' });
    };
    this.pc.onicegatheringstatechange = () => {
      if (this.pc.iceGatheringState === 'gathering') options.onGatheringStart?.();
      if (this.pc.iceGatheringState === 'complete') options.onGatheringComplete?.();
    };
    this.pc.oniceconnectionstatechange = () => {
      const state = this.pc.iceConnectionState;
      if (state === 'connected' || state === 'completed') {
        if (this.#broken) void this.requestKeyFrame();
        this.#broken = false;
        this.#everConnected = true;
      } else if (this.#everConnected && (state === 'disconnected' || state === 'failed')) {
        this.#broken = true;
      }
      options.onState(state);
    };
    // A restart over a link that never broke leaves the ICE state as it was: report it again
    // once the negotiation is done, so "reconnecting" ends.
    this.pc.onsignalingstatechange = () => {
      if (this.pc.signalingState !== 'stable') return;
      options.onState(this.pc.iceConnectionState);
      if (this.#restartWhenStable) {
        this.#restartWhenStable = false;
        void this.offer(true).catch(() => {});
      }
    };
    this.pc.ontrack = (e) => {
      const stream = e.streams[0];
      if (stream) options.onRemote(stream);
    };
  }

  #noteCandidate(c: RTCIceCandidate): void {
    if (c.type !== 'host' || !c.address) return;
    const round = this.#round;
    const now = Date.now();
    if (round.addresses.size === 0) round.firstAt = now;
    else if (!round.addresses.has(c.address) && now - round.firstAt >= NEW_NETWORK_AFTER_MS) {
      round.addresses.add(c.address);
      this.options.onNewNetwork?.();
      return;
    }
    round.addresses.add(c.address);
  }

  addLocal(stream: MediaStream): void {
    for (const track of stream.getTracks()) this.pc.addTrack(track, stream);
  }

  /** Swaps the track sent for its kind (another microphone or camera) without renegotiating. */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    const sender = this.pc.getSenders().find((s) => s.track?.kind === track.kind);
    await sender?.replaceTrack(track);
  }

  /**
   * Makes every video sender start again with a key frame. After a break (a relay outage, a
   * network change) the link comes back through an ICE restart, but the encoder goes on with
   * delta frames of a picture the other side may have lost; without a key frame the other
   * side decodes again only once its own key-frame request (PLI) is answered — about 3× later
   * in the outage test (docs/benchmarks.md). `setParameters` with
   * `encodingOptions: [{ keyFrame: true }]` (WebRTC extensions; Chromium encodes one key frame
   * per call) asks for one at once; where that option is not known the call is ignored, and
   * where it throws, switching the encoding off and on again also starts with a key frame.
   */
  async requestKeyFrame(): Promise<void> {
    for (const sender of this.pc.getSenders()) {
      if (sender.track?.kind !== 'video' || this.#closed) continue;
      const params = sender.getParameters();
      if (params.encodings.length === 0) continue;
      try {
        const keyFrames = { encodingOptions: params.encodings.map(() => ({ keyFrame: true })) };
        await (sender.setParameters as KeyFrameSetParameters).call(sender, params, keyFrames);
      } catch {
        await this.#toggleEncodings(sender).catch(() => {});
      }
    }
  }

  async #toggleEncodings(sender: RTCRtpSender): Promise<void> {
    const off = sender.getParameters();
    const active = off.encodings.map((e) => e.active !== false);
    for (const e of off.encodings) e.active = false;
    await sender.setParameters(off);
    const on = sender.getParameters();
    on.encodings.forEach((e, i) => {
      e.active = active[i] ?? true;
    });
    await sender.setParameters(on);
  }

  /** New ICE servers (fresh TURN credentials): used from the next gathering (restart) on. */
  setIceServers(iceServers: RTCIceServer[]): void {
    if (this.#closed) return;
    this.pc.setConfiguration({
      ...this.pc.getConfiguration(),
      iceServers,
    });
  }

  /** The caller's offer; with `restart`, fresh ICE credentials (after a network change). */
  offer(restart = false): Promise<void> {
    return this.#serial(() => this.#offer(restart));
  }

  receive(signal: string, payload: string): Promise<void> {
    return this.#serial(() => this.#receive(signal, payload));
  }

  /**
   * One negotiation step at a time: an offer of ours is set and sent before a signal that
   * arrived meanwhile is looked at, so a crossing offer always meets a settled state.
   */
  #serial(step: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(step);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #offer(restart: boolean): Promise<void> {
    if (this.#closed) return;
    // A restart asked for again while our last offer is still unanswered: a young offer's
    // answer may be on its way (wait for it, then restart); an old one was lost with the
    // network (withdraw it and make a fresh one).
    if (restart && this.pc.signalingState === 'have-local-offer') {
      if (Date.now() - this.#offeredAt < OFFER_IN_FLIGHT_MS) {
        this.#restartWhenStable = true;
        return;
      }
      await this.pc.setLocalDescription({ type: 'rollback' });
    }
    if (this.pc.signalingState !== 'stable') return;
    try {
      this.#makingOffer = true;
      if (restart) {
        this.pc.restartIce();
        this.#round = { firstAt: 0, addresses: new Set() };
      }
      await this.pc.setLocalDescription();
      const offer = this.pc.localDescription;
      if (offer?.type !== 'offer') return;
      this.#offeredAt = Date.now();
      this.options.send(restart ? 'RESTART' : 'OFFER', offer.sdp);
    } finally {
      this.#makingOffer = false;
    }
  }

  async #receive(signal: string, payload: string): Promise<void> {
    if (this.#closed) return;
    if (signal === 'offer' || signal === 'restart') {
      const collision = this.#makingOffer || this.pc.signalingState !== 'stable';
      this.#ignoreOffer = !this.options.polite && collision;
      if (this.#ignoreOffer) return;
      if (this.pc.signalingState === 'have-local-offer')
        await this.pc.setLocalDescription({ type: 'rollback' });
      await this.pc.setRemoteDescription({ type: 'offer', sdp: payload });
      if (signal === 'restart') this.#round = { firstAt: 0, addresses: new Set() };
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      this.options.send('ANSWER', answer.sdp ?? '');
      await this.#flush();
    } else if (signal === 'answer') {
      if (this.pc.signalingState !== 'have-local-offer') return; // an answer to a rolled-back offer
      await this.pc.setRemoteDescription({ type: 'answer', sdp: payload });
      await this.#flush();
    } else if (signal === 'candidate') {
      const candidate = JSON.parse(payload) as RTCIceCandidateInit;
      if (!this.pc.remoteDescription) {
        this.#pending.push(candidate);
        return;
      }
      try {
        await this.pc.addIceCandidate(candidate);
      } catch {
        // A candidate of an offer we ignored is dropped; one of a description not applied
        // yet (a restart's new ufrag) waits for it.
        if (!this.#ignoreOffer) this.#pending.push(candidate);
      }
    }
  }

  async #flush(): Promise<void> {
    for (const c of this.#pending.splice(0)) {
      await this.pc.addIceCandidate(c).catch(() => {});
    }
  }

  close(): void {
    this.#closed = true;
    this.pc.close();
  }
}
