import { html } from 'lit';
import { CvElement } from '../../internal/cv-element.ts';
import { styles } from './cv-onboarding.styles.ts';

/**
 * First run: creates an identity (a key made in this browser) under a display name.
 * The key never leaves the browser; the server only learns its public half.
 */
export class CvOnboarding extends CvElement {
  static override styles = styles;
  static override properties = { busy: { state: true }, problem: { state: true } };
  declare busy: boolean;
  declare problem: string | null;

  constructor() {
    super();
    this.busy = false;
    this.problem = null;
  }

  async #submit(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const name = String(new FormData(form).get('name') ?? '').trim();
    if (!name) {
      this.problem = 'Choose a display name.';
      return;
    }
    this.busy = true;
    this.problem = null;
    try {
      await this.client?.register(name);
    } catch (error) {
      this.problem = error instanceof Error ? error.message : String(error);
    } finally {
      this.busy = false;
    }
  }

  override render() {
    return html`
      <main>
        <h1>CallVault</h1>
        <p class="hint">Private messages and calls. No phone number, no e-mail: your identity is a key made in this browser.</p>
        <form @submit=${this.#submit} novalidate>
          <label for="name">Display name</label>
          <input id="name" name="name" autocomplete="nickname" maxlength="64" required
            aria-describedby="name-hint ${this.problem ? 'problem' : ''}" ?disabled=${this.busy} />
          <p id="name-hint" class="hint">Shown to the people you talk to. You can change it later.</p>
          ${this.problem ? html`<p id="problem" class="error" role="alert">${this.problem}</p>` : ''}
          <button class="primary" type="submit" ?disabled=${this.busy}>
            ${this.busy ? 'Creating…' : 'Create identity'}
          </button>
        </form>
      </main>
    `;
  }
}
