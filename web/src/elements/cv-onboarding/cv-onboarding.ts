import { html } from 'lit';
import { MAX_BACKUP_BYTES } from '../../client/backup.ts';
import { CvElement } from '../../internal/cv-element.ts';
import { styles } from './cv-onboarding.styles.ts';

/**
 * First run: creates an identity (a key made in this browser) under a display name, or
 * restores one from a backup file (a second device). The key leaves the browser only inside a
 * passphrase-encrypted backup; the server only learns its public half. When this browser was
 * signed out from another device but still holds the key, it offers to sign in again.
 */
export class CvOnboarding extends CvElement {
  static override styles = styles;
  static override properties = {
    busy: { state: true },
    problem: { state: true },
    restoreProblem: { state: true },
  };
  declare busy: boolean;
  declare problem: string | null;
  /** What went wrong restoring a backup (shown in that form). */
  declare restoreProblem: string | null;

  constructor() {
    super();
    this.busy = false;
    this.problem = null;
    this.restoreProblem = null;
  }

  async #run(action: () => Promise<void> | undefined) {
    this.busy = true;
    this.problem = null;
    try {
      await action();
    } catch (error) {
      this.problem = error instanceof Error ? error.message : String(error);
    } finally {
      this.busy = false;
    }
  }

  async #restore(event: SubmitEvent) {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const file = data.get('backup');
    const passphrase = String(data.get('backupPassphrase') ?? '');
    this.restoreProblem = null;
    if (!(file instanceof File) || file.size === 0) {
      this.restoreProblem = 'Choose your backup file (….callvault-key).';
      return;
    }
    if (file.size > MAX_BACKUP_BYTES) {
      this.restoreProblem = 'This file is far too large to be a CallVault key backup.';
      return;
    }
    if (!passphrase) {
      this.restoreProblem = 'Enter the backup’s passphrase.';
      return;
    }
    this.busy = true;
    try {
      await this.client?.importBackup(await file.text(), passphrase);
    } catch (error) {
      this.restoreProblem = error instanceof Error ? error.message : String(error);
    } finally {
      this.busy = false;
    }
  }

  #held(address: string) {
    return html`
      <main>
        <h1>CallVault</h1>
        <p role="status" data-notice>${this.client?.notice ?? 'This device was signed out.'}</p>
        <p class="hint">This browser still holds the key of <code data-held>${address}</code>.</p>
        ${this.problem ? html`<p id="problem" class="error" role="alert">${this.problem}</p>` : ''}
        <div class="stack">
          <button class="primary" type="button" ?disabled=${this.busy}
            @click=${() => this.#run(() => this.client?.signInAgain())}>
            ${this.busy ? 'Signing in…' : 'Sign in again'}
          </button>
          <button class="danger" type="button" ?disabled=${this.busy} aria-describedby="forget-hint"
            @click=${() => this.#run(() => this.client?.forgetIdentity())}>Remove identity from this browser</button>
        </div>
        <p id="forget-hint" class="hint">Without a backup, a removed identity cannot be recovered.</p>
      </main>
    `;
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
    const held = this.client?.held;
    if (held) return this.#held(held);
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
        <details>
          <summary>I have a backup</summary>
          <form @submit=${this.#restore} novalidate aria-label="Restore from a backup">
            <p class="hint">Use your identity from another device: its backup file and passphrase.</p>
            <label for="backup">Backup file</label>
            <input id="backup" name="backup" type="file" accept=".callvault-key,application/json"
              ?disabled=${this.busy} />
            <label for="backupPassphrase">Passphrase</label>
            <input id="backupPassphrase" name="backupPassphrase" type="password" autocomplete="current-password"
              ?disabled=${this.busy} />
            ${this.restoreProblem ? html`<p class="error" role="alert" data-restore-problem>${this.restoreProblem}</p>` : ''}
            <button type="submit" ?disabled=${this.busy}>${this.busy ? 'Restoring…' : 'Restore identity'}</button>
          </form>
        </details>
      </main>
    `;
  }
}
