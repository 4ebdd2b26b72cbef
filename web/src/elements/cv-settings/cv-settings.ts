import { css, html } from 'lit';
import { live } from 'lit/directives/live.js';
import { PushSetup, type PushStatus } from '../../client/push.ts';
import { CvElement } from '../../internal/cv-element.ts';
import { sharedStyles } from '../../internal/shared.styles.ts';

const PERMISSION_TEXT: Record<PushStatus['permission'], string> = {
  granted: 'allowed',
  denied: 'blocked (change it in the site settings)',
  default: 'not asked yet',
  unsupported: 'not available',
};

/**
 * Your address (to share), your display name, call settings (do-not-disturb, calls from
 * non-contacts), your plan, push notifications on this device (with the browser's permission
 * state), and signing out of this browser. Call settings show the server's
 * state, refetched when another device changes them (the feed's AddressBookChanged).
 */
export class CvSettings extends CvElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        padding: 1rem;
      }
      section {
        margin-bottom: 1.5rem;
      }
      h2 {
        font-size: 1.05rem;
        margin: 0 0 0.6rem;
      }
      form {
        display: flex;
        gap: 0.5rem;
        align-items: end;
        flex-wrap: wrap;
      }
      form div {
        flex: 1 1 14rem;
      }
      fieldset {
        border: 0;
        margin: 0.6rem 0 0;
        padding: 0;
      }
      legend {
        padding: 0;
        margin-bottom: 0.3rem;
      }
      .check {
        display: flex;
        gap: 0.5rem;
        align-items: center;
      }
    `,
  ];
  static override properties = {
    saving: { state: true },
    confirming: { state: true },
    problem: { state: true },
    callsProblem: { state: true },
    saved: { state: true },
    confirmingEverywhere: { state: true },
    everywhereProblem: { state: true },
    push: { state: true },
    pushProblem: { state: true },
    pushBusy: { state: true },
  };
  declare confirmingEverywhere: boolean;
  declare everywhereProblem: string | null;
  declare push: PushStatus | null;
  declare pushProblem: string | null;
  declare pushBusy: boolean;
  readonly #pushSetup = new PushSetup(() => this.client!.api);
  declare confirming: boolean;
  declare problem: string | null;
  declare saved: boolean;
  declare callsProblem: string | null;
  /** Changes sent and not yet answered. */
  declare saving: number;

  constructor() {
    super();
    this.confirming = false;
    this.problem = null;
    this.saved = false;
    this.callsProblem = null;
    this.saving = 0;
    this.push = null;
    this.pushProblem = null;
    this.pushBusy = false;
    this.confirmingEverywhere = false;
    this.everywhereProblem = null;
  }

  async #everywhere() {
    try {
      await this.client?.signOutEverywhere();
    } catch (error) {
      this.everywhereProblem = error instanceof Error ? error.message : String(error);
      this.confirmingEverywhere = false;
    }
  }

  async #rename(event: SubmitEvent) {
    event.preventDefault();
    const name = String(new FormData(event.target as HTMLFormElement).get('displayName') ?? '').trim();
    try {
      await this.client?.changeDisplayName(name);
      this.problem = null;
      this.saved = true;
    } catch (error) {
      this.problem = error instanceof Error ? error.message : String(error);
    }
  }

  async #apply(action: Promise<void> | undefined) {
    this.saving++;
    try {
      await action;
      this.callsProblem = null;
    } catch (error) {
      this.callsProblem = error instanceof Error ? error.message : String(error);
      // The controls go back to the server's state.
      this.requestUpdate();
    } finally {
      this.saving--;
    }
  }

  /** Loads this device's push state once the element is shown (and after each change). */
  async #loadPush() {
    if (!this.client?.me) return;
    try {
      this.push = await this.#pushSetup.status();
    } catch (error) {
      this.pushProblem = error instanceof Error ? error.message : String(error);
    }
  }

  async #togglePush(on: boolean, includeBody: boolean) {
    this.pushBusy = true;
    try {
      if (on) await this.#pushSetup.enable(includeBody);
      else await this.#pushSetup.disable();
      this.pushProblem = null;
    } catch (error) {
      this.pushProblem = error instanceof Error ? error.message : String(error);
    } finally {
      this.pushBusy = false;
      await this.#loadPush();
    }
  }

  #pushRequested = false;

  #notifications() {
    if (!this.#pushRequested) {
      // Once the client is there (render only runs with a signed-in identity).
      this.#pushRequested = true;
      void this.#loadPush();
    }
    const p = this.push;
    const permission = p ? PERMISSION_TEXT[p.permission] : '…';
    const usable = !!p && p.supported && p.serverOn && !this.pushBusy;
    return html`<section aria-labelledby="notify-title">
      <h2 id="notify-title">Notifications</h2>
      <div class="check">
        <input type="checkbox" id="push" .checked=${live(p?.enabled ?? false)} ?disabled=${!usable}
          aria-describedby="push-hint"
          @change=${(e: Event) => this.#togglePush((e.target as HTMLInputElement).checked, p?.includeBody ?? false)} />
        <label for="push">Push notifications on this device</label>
      </div>
      <div class="check">
        <input type="checkbox" id="push-body" .checked=${live(p?.includeBody ?? false)}
          ?disabled=${!usable || !p?.enabled}
          @change=${(e: Event) => this.#togglePush(true, (e.target as HTMLInputElement).checked)} />
        <label for="push-body">Show message text in notifications</label>
      </div>
      <p id="push-hint" class="hint" data-push-permission=${p?.permission ?? ''}>
        ${
          !p
            ? ''
            : !p.supported
              ? 'This browser cannot receive push notifications.'
              : !p.serverOn
                ? 'Push notifications are off on this server.'
                : `Messages and calls reach this device while CallVault is closed. Browser permission: ${permission}.`
        }
      </p>
      ${this.pushProblem ? html`<p class="error" role="alert" data-push-problem>${this.pushProblem}</p>` : ''}
    </section>`;
  }

  #calls() {
    const settings = this.client?.settings;
    if (!settings) return html``;
    const policy = (value: 'RING' | 'SILENCE', label: string) => html`<div class="check">
      <input type="radio" id=${`non-contact-${value}`} name="nonContactCalls" value=${value}
        .checked=${settings.nonContactCalls === value}
        @change=${() => this.#apply(this.client?.setNonContactCalls(value))} />
      <label for=${`non-contact-${value}`}>${label}</label>
    </div>`;
    return html`<section aria-labelledby="calls-title">
        <h2 id="calls-title">Calls</h2>
        <div class="check">
          <input type="checkbox" id="dnd" .checked=${settings.doNotDisturb}
            aria-describedby="dnd-hint"
            @change=${(e: Event) =>
              this.#apply(this.client?.setDoNotDisturb((e.target as HTMLInputElement).checked))} />
          <label for="dnd">Do not disturb</label>
        </div>
        <p id="dnd-hint" class="hint">Only contacts you always allow can ring you.</p>
        <fieldset>
          <legend>Calls from people not in your contacts</legend>
          ${policy('RING', 'Ring')} ${policy('SILENCE', 'Silence')}
        </fieldset>
        ${this.callsProblem ? html`<p class="error" role="alert">${this.callsProblem}</p>` : ''}
        <p class="hint" role="status" data-saving=${this.saving > 0}>${this.saving > 0 ? 'Saving…' : ''}</p>
      </section>
      <section aria-labelledby="plan-title">
        <h2 id="plan-title">Plan</h2>
        <p data-plan=${this.client?.plan ?? ''}>${this.client?.plan === 'PRO' ? 'Pro' : 'Free'}</p>
      </section>
      ${this.#notifications()}`;
  }

  override render() {
    const me = this.client?.me;
    if (!me) return html``;
    return html`
      <section aria-labelledby="addr-title">
        <h2 id="addr-title">Your address</h2>
        <p class="hint">Share it so people can add you, or let them scan the code.</p>
        <cv-address qr address=${me.address}></cv-address>
      </section>
      <section aria-labelledby="name-title">
        <h2 id="name-title">Display name</h2>
        <form @submit=${this.#rename}>
          <div>
            <label for="displayName" class="visually-hidden">Display name</label>
            <input id="displayName" name="displayName" .value=${me.displayName} maxlength="64" />
          </div>
          <button type="submit">Save</button>
        </form>
        ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : ''}
        ${this.saved && !this.problem ? html`<p class="hint" role="status">Saved.</p>` : ''}
      </section>
      ${this.#calls()}
      <section aria-labelledby="backup-section-title">
        <h2 id="backup-section-title">Key backup</h2>
        <cv-backup></cv-backup>
      </section>
      <section aria-labelledby="everywhere-title">
        <h2 id="everywhere-title">Sign out of all devices</h2>
        <p class="hint" id="everywhere-hint">
          Ends every session of this identity, this one too: every device falls back to its sign-in
          screen. A device that still holds your key (or a backup) can sign in again: to lock one out
          for good you need a new identity.
        </p>
        ${
          this.confirmingEverywhere
            ? html`<button class="danger" type="button" id="everywhere-confirm" @click=${this.#everywhere}>
                Sign out of all devices now
              </button>
              <button type="button" @click=${() => {
                this.confirmingEverywhere = false;
              }}>Cancel</button>`
            : html`<button class="danger" type="button" aria-describedby="everywhere-hint" @click=${() => {
                this.confirmingEverywhere = true;
              }}>Sign out of all devices…</button>`
        }
        ${this.everywhereProblem ? html`<p class="error" role="alert">${this.everywhereProblem}</p>` : ''}
      </section>
      <section aria-labelledby="out-title">
        <h2 id="out-title">Sign out</h2>
        <p class="hint">Signing out removes your identity's key from this browser. Without a backup it cannot be recovered.</p>
        ${
          this.confirming
            ? html`<button class="danger" type="button" @click=${() => this.client?.signOut()}>
                Remove identity and sign out
              </button>
              <button type="button" @click=${() => {
                this.confirming = false;
              }}>Cancel</button>`
            : html`<button class="danger" type="button" @click=${() => {
                this.confirming = true;
              }}>Sign out…</button>`
        }
      </section>
    `;
  }
}
