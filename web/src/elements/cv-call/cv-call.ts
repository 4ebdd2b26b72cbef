import { html, nothing } from 'lit';
import { type ActiveCall, type CallDevice, outcomeText } from '../../client/calls.ts';
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

/** "01:05" (or "1:02:05") from milliseconds: the in-call duration counter. */
export const clockOf = (ms: number) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  const mmss = `${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mmss}` : mmss;
};

const DEVICE_LABEL: Record<CallDevice['kind'], string> = {
  audioinput: 'Microphone',
  videoinput: 'Camera',
  audiooutput: 'Speaker',
};

type SinkVideo = HTMLVideoElement & { setSinkId?: (id: string) => Promise<void>; sinkId?: string };

/**
 * The call screen, over everything while a call is on: incoming (accept with video or audio,
 * decline), outgoing (cancel), in call (local and remote video, duration, connection state,
 * mute, camera, devices, hang up), and how it ended. `data-phase` carries the raw phase and
 * `data-outcome` how it ended. The caller's name was checked against the call token's
 * signature before this screen ever showed an incoming call.
 *
 * Keyboard: Tab moves through the controls (focus goes to the first one when the phase
 * changes); Escape closes the devices panel or the screen of an ended call, and never ends or
 * declines a call — a call is ended only by its button.
 */
export class CvCall extends CvElement {
  static override styles = styles;
  #phase: ActiveCall['phase'] | null = null;
  #tick: ReturnType<typeof setInterval> | null = null;
  readonly #ringtone = new Ringtone();
  readonly #onKey = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    const details = this.renderRoot.querySelector<HTMLDetailsElement>('details.devices');
    if (details?.open) {
      details.open = false;
      details.querySelector('summary')?.focus();
    } else if (this.client?.calls.call?.phase === 'ended') {
      this.client.calls.dismiss();
    }
  };

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('keydown', this.#onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('keydown', this.#onKey);
    this.#ringtone.stop();
    this.#stopTick();
  }

  #stopTick(): void {
    if (this.#tick) clearInterval(this.#tick);
    this.#tick = null;
  }

  override updated(): void {
    const call = this.client?.calls.call;
    if (call?.phase === 'incoming') this.#ringtone.start();
    else this.#ringtone.stop();
    // The duration counts while the call is on.
    const on = call?.connectedAt != null && (call.phase === 'connected' || call.phase === 'reconnecting');
    if (on && !this.#tick) this.#tick = setInterval(() => this.requestUpdate(), 1000);
    if (!on) this.#stopTick();
    const remote = this.renderRoot.querySelector<SinkVideo>('video.remote');
    const local = this.renderRoot.querySelector<HTMLVideoElement>('video.local');
    if (remote && remote.srcObject !== (call?.remote ?? null)) remote.srcObject = call?.remote ?? null;
    if (local && local.srcObject !== (call?.local ?? null)) local.srcObject = call?.local ?? null;
    const sink = call?.audioOutput;
    if (remote && sink && remote.setSinkId && remote.sinkId !== sink)
      void remote.setSinkId(sink).catch(() => {});
    if (call && call.phase !== this.#phase)
      this.renderRoot.querySelector<HTMLButtonElement>('.controls button')?.focus({ preventScroll: true });
    this.#phase = call?.phase ?? null;
  }

  #devices(call: ActiveCall) {
    const calls = this.client!.calls;
    const sinkable = 'setSinkId' in HTMLMediaElement.prototype;
    const kinds = (['audioinput', 'videoinput', 'audiooutput'] as const).filter(
      (k) =>
        (k !== 'videoinput' || call.media === 'VIDEO') &&
        (k !== 'audiooutput' || sinkable) &&
        call.devices.some((d) => d.kind === k),
    );
    if (kinds.length === 0) return nothing;
    const current = (k: CallDevice['kind']) =>
      k === 'audioinput' ? call.audioInput : k === 'videoinput' ? call.videoInput : call.audioOutput;
    return html`<details class="devices">
      <summary>Devices</summary>
      <div class="device-list">
        ${kinds.map(
          (k) => html`<div class="device">
            <label for="device-${k}">${DEVICE_LABEL[k]}</label>
            <select id="device-${k}" data-kind=${k} @change=${(e: Event) => calls.chooseDevice(k, (e.target as HTMLSelectElement).value)}>
              ${call.devices
                .filter((d) => d.kind === k)
                .map(
                  (d) =>
                    html`<option value=${d.deviceId} ?selected=${d.deviceId === current(k)}>${d.label}</option>`,
                )}
            </select>
          </div>`,
        )}
      </div>
    </details>`;
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
        ${call.phase === 'calling' || call.phase === 'ringing' ? 'Cancel' : 'Hang up'}</button>
      ${call.local ? this.#devices(call) : nothing}`;
  }

  override render() {
    const client = this.client;
    const call = client?.calls.call;
    if (!client || !call) return nothing;
    const name = nameOf(client.contacts, call.peer);
    const status =
      call.phase === 'ended'
        ? outcomeText(call)
        : call.phase === 'incoming'
          ? `Incoming ${call.media === 'VIDEO' ? 'video' : 'audio'} call`
          : PHASE[call.phase];
    const showClock =
      call.connectedAt != null && (call.phase === 'connected' || call.phase === 'reconnecting');
    return html`
      <section class="stage" role="dialog" aria-modal="true" aria-labelledby="who"
        data-phase=${call.phase} data-outcome=${call.outcome ?? nothing}>
        <video class="remote" autoplay playsinline aria-label="${name}'s video"></video>
        <div class="info">
          <h2 id="who">${name}</h2>
          <p class="addr">${shortAddress(call.peer)}</p>
          <p role="status">${status}</p>
          ${showClock ? html`<p class="duration" role="timer" aria-label="Call duration">${clockOf(Date.now() - call.connectedAt!)}</p>` : nothing}
        </div>
        ${call.media === 'VIDEO' && call.local ? html`<video class="local" autoplay playsinline muted aria-label="Your camera"></video>` : nothing}
      </section>
      <div class="controls">${this.#controls(call)}</div>
    `;
  }
}
