import { html, nothing } from 'lit';
import type { ActiveCall } from '../../client/calls.ts';
import { nameOf } from '../../client/contacts.ts';
import { CvElement } from '../../internal/cv-element.ts';
import { shortAddress } from '../../internal/format.ts';
import { Ringtone } from '../../internal/ringtone.ts';
import { styles } from './cv-call.styles.ts';

const PHASE: Record<ActiveCall['phase'], string> = {
  calling: 'Calling…',
  ringing: 'Ringing…',
  incoming: 'Incoming call',
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  ended: 'Call ended',
};

/**
 * The call screen, over everything while a call is on: incoming (accept with video or audio,
 * decline), outgoing (cancel), in call (local and remote video, mute, camera, hang up).
 * `data-phase` carries the raw phase. The caller's name was checked against the call token's
 * signature before this screen ever showed an incoming call.
 */
export class CvCall extends CvElement {
  static override styles = styles;
  #phase: ActiveCall['phase'] | null = null;
  readonly #ringtone = new Ringtone();

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#ringtone.stop();
  }

  override updated(): void {
    const call = this.client?.calls.call;
    if (call?.phase === 'incoming') this.#ringtone.start();
    else this.#ringtone.stop();
    const remote = this.renderRoot.querySelector<HTMLVideoElement>('video.remote');
    const local = this.renderRoot.querySelector<HTMLVideoElement>('video.local');
    if (remote && remote.srcObject !== (call?.remote ?? null)) remote.srcObject = call?.remote ?? null;
    if (local && local.srcObject !== (call?.local ?? null)) local.srcObject = call?.local ?? null;
    if (call)
      this.renderRoot.querySelector<HTMLButtonElement>('.controls button')?.focus({ preventScroll: true });
  }

  #controls(call: ActiveCall) {
    const calls = this.client!.calls;
    if (call.phase === 'incoming') {
      return html`
        <button class="accept" type="button" @click=${() => calls.accept('VIDEO')}>Accept with video</button>
        <button class="accept" type="button" @click=${() => calls.accept('AUDIO')}>Accept audio only</button>
        <button class="end" type="button" @click=${() => calls.decline()}>Decline</button>`;
    }
    if (call.phase === 'ended') {
      return html`<button type="button" @click=${() => calls.dismiss()}>Close</button>`;
    }
    return html`
      <button type="button" aria-pressed=${call.muted ? 'true' : 'false'} @click=${() => calls.toggleMute()}>
        ${call.muted ? 'Unmute' : 'Mute'}</button>
      ${
        call.media === 'VIDEO'
          ? html`<button type="button" aria-pressed=${call.cameraOff ? 'true' : 'false'} @click=${() => calls.toggleCamera()}>
            ${call.cameraOff ? 'Camera on' : 'Camera off'}</button>`
          : nothing
      }
      <button class="end" type="button" @click=${() => calls.hangUp()}>
        ${call.phase === 'calling' || call.phase === 'ringing' ? 'Cancel' : 'Hang up'}</button>`;
  }

  override render() {
    const client = this.client;
    const call = client?.calls.call;
    if (!client || !call) return nothing;
    const name = nameOf(client.contacts, call.peer);
    const status =
      call.phase === 'ended' && call.reason
        ? `${PHASE.ended} (${call.reason})`
        : call.phase === 'incoming'
          ? `Incoming ${call.media === 'VIDEO' ? 'video' : 'audio'} call`
          : PHASE[call.phase];
    return html`
      <section class="stage" role="dialog" aria-modal="true" aria-labelledby="who" data-phase=${call.phase}>
        <video class="remote" autoplay playsinline aria-label="${name}'s video"></video>
        <div class="info">
          <h2 id="who">${name}</h2>
          <p class="addr">${shortAddress(call.peer)}</p>
          <p role="status">${status}</p>
        </div>
        ${call.media === 'VIDEO' && call.local ? html`<video class="local" autoplay playsinline muted aria-label="Your camera"></video>` : nothing}
      </section>
      <div class="controls">${this.#controls(call)}</div>
    `;
  }
}
