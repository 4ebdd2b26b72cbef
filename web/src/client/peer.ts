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
}

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

  constructor(private readonly options: PeerLinkOptions) {
    this.pc = new RTCPeerConnection({
      iceServers: options.iceServers,
      iceTransportPolicy: options.relayOnly ? 'relay' : 'all',
    });
    this.pc.onicecandidate = (e) => {
      if (e.candidate) options.send('CANDIDATE', JSON.stringify(e.candidate.toJSON()));
    };
    this.pc.oniceconnectionstatechange = () => options.onState(this.pc.iceConnectionState);
    // A restart over a link that never broke leaves the ICE state as it was: report it again
    // once the negotiation is done, so "reconnecting" ends.
    this.pc.onsignalingstatechange = () => {
      if (this.pc.signalingState === 'stable') options.onState(this.pc.iceConnectionState);
    };
    this.pc.ontrack = (e) => {
      const stream = e.streams[0];
      if (stream) options.onRemote(stream);
    };
  }

  addLocal(stream: MediaStream): void {
    for (const track of stream.getTracks()) this.pc.addTrack(track, stream);
  }

  /** Swaps the track sent for its kind (another microphone or camera) without renegotiating. */
  async replaceTrack(track: MediaStreamTrack): Promise<void> {
    const sender = this.pc.getSenders().find((s) => s.track?.kind === track.kind);
    await sender?.replaceTrack(track);
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
    // A restart asked for again while our last offer is still unanswered (its signal may have
    // been lost with the network): withdraw that offer and make a fresh one.
    if (restart && this.pc.signalingState === 'have-local-offer')
      await this.pc.setLocalDescription({ type: 'rollback' });
    if (this.pc.signalingState !== 'stable') return;
    try {
      this.#makingOffer = true;
      if (restart) this.pc.restartIce();
      await this.pc.setLocalDescription();
      const offer = this.pc.localDescription;
      if (offer?.type !== 'offer') return;
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
