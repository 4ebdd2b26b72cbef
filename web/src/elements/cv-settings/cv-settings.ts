import { css, html } from 'lit';
import { CvElement } from '../../internal/cv-element.ts';
import { sharedStyles } from '../../internal/shared.styles.ts';

/** Your address (to share), your display name, and signing out of this browser. */
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
    `,
  ];
  static override properties = {
    confirming: { state: true },
    problem: { state: true },
    saved: { state: true },
  };
  declare confirming: boolean;
  declare problem: string | null;
  declare saved: boolean;

  constructor() {
    super();
    this.confirming = false;
    this.problem = null;
    this.saved = false;
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

  override render() {
    const me = this.client?.me;
    if (!me) return html``;
    return html`
      <section aria-labelledby="addr-title">
        <h2 id="addr-title">Your address</h2>
        <p class="hint">Share it so people can add you.</p>
        <cv-address address=${me.address}></cv-address>
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
