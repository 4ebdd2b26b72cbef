import type { CallSignalKind } from '../gql/graphql.ts';

export interface PeerLinkOptions {
  iceServers: RTCIceServer[];
  /** Only TURN relays: the peer never learns this device's IP address. */
  relayOnly: boolean;
  send(kind: CallSignalKind, payload: string): void;
  onState(state: RTCIceConnectionState): void;
  onRemote(stream: MediaStream): void;
}

/**
 * One RTCPeerConnection and its signaling (docs/protocol.md, Signaling and ICE): offers and
 * answers as SDP, trickle candidates as `RTCIceCandidate.toJSON()` text. Candidates that arrive
 * before the remote description wait for it.
 */
export class PeerLink {
  readonly pc: RTCPeerConnection;
  #pending: RTCIceCandidateInit[] = [];

  constructor(private readonly options: PeerLinkOptions) {
    this.pc = new RTCPeerConnection({
      iceServers: options.iceServers,
      iceTransportPolicy: options.relayOnly ? 'relay' : 'all',
    });
    this.pc.onicecandidate = (e) => {
      if (e.candidate) options.send('CANDIDATE', JSON.stringify(e.candidate.toJSON()));
    };
    this.pc.oniceconnectionstatechange = () => options.onState(this.pc.iceConnectionState);
    this.pc.ontrack = (e) => {
      const stream = e.streams[0];
      if (stream) options.onRemote(stream);
    };
  }

  addLocal(stream: MediaStream): void {
    for (const track of stream.getTracks()) this.pc.addTrack(track, stream);
  }

  /** The caller's offer; with `restart`, fresh ICE credentials (after a network change). */
  async offer(restart = false): Promise<void> {
    const offer = await this.pc.createOffer({ iceRestart: restart });
    await this.pc.setLocalDescription(offer);
    this.options.send(restart ? 'RESTART' : 'OFFER', offer.sdp ?? '');
  }

  async receive(signal: string, payload: string): Promise<void> {
    if (signal === 'offer' || signal === 'restart') {
      await this.pc.setRemoteDescription({ type: 'offer', sdp: payload });
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      this.options.send('ANSWER', answer.sdp ?? '');
      await this.#flush();
    } else if (signal === 'answer') {
      await this.pc.setRemoteDescription({ type: 'answer', sdp: payload });
      await this.#flush();
    } else if (signal === 'candidate') {
      this.#pending.push(JSON.parse(payload) as RTCIceCandidateInit);
      if (this.pc.remoteDescription) await this.#flush();
    }
  }

  async #flush(): Promise<void> {
    for (const c of this.#pending.splice(0)) await this.pc.addIceCandidate(c);
  }

  close(): void {
    this.pc.close();
  }
}
