import { css, html } from 'lit';
import { MIN_PASSPHRASE, passphraseProblem } from '../../client/backup.ts';
import { CvElement } from '../../internal/cv-element.ts';
import { sharedStyles } from '../../internal/shared.styles.ts';

/**
 * Key backup, in settings: a button that opens a modal dialog asking for a passphrase (twice),
 * then downloads the encrypted backup file. Identities made before backups existed are told
 * they cannot be backed up. Escape or Cancel closes the dialog; focus returns to the button.
 */
export class CvBackup extends CvElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      dialog {
        border: 1px solid var(--cv-border);
        border-radius: calc(var(--cv-radius) * 1.5);
        background: var(--cv-surface);
        color: var(--cv-text);
        width: min(28rem, calc(100vw - 2rem));
        padding: 1.25rem;
      }
      dialog::backdrop {
        background: rgb(0 0 0 / 0.5);
      }
      h2 {
        font-size: 1.1rem;
        margin: 0 0 0.6rem;
      }
      .field {
        margin-top: 0.8rem;
      }
      .actions {
        display: flex;
        gap: 0.5rem;
        justify-content: flex-end;
        margin-top: 1rem;
        flex-wrap: wrap;
      }
    `,
  ];
  static override properties = {
    busy: { state: true },
    problem: { state: true },
    saved: { state: true },
  };
  declare busy: boolean;
  declare problem: string | null;
  /** The file name of the last backup made. */
  declare saved: string | null;

  constructor() {
    super();
    this.busy = false;
    this.problem = null;
    this.saved = null;
  }

  get #dialog(): HTMLDialogElement | null {
    return this.renderRoot.querySelector('dialog');
  }

  #open() {
    this.problem = null;
    const form = this.renderRoot.querySelector<HTMLFormElement>('dialog form');
    form?.reset();
    this.#dialog?.showModal();
  }

  #closed() {
    // The browser returns focus to the opener too; this makes sure of it.
    this.renderRoot.querySelector<HTMLButtonElement>('#open-backup')?.focus();
  }

  async #submit(event: SubmitEvent) {
    event.preventDefault();
    const data = new FormData(event.target as HTMLFormElement);
    const passphrase = String(data.get('passphrase') ?? '');
    const confirm = String(data.get('confirm') ?? '');
    const problem = passphraseProblem(passphrase);
    if (problem) {
      this.problem = problem;
      return;
    }
    if (passphrase.normalize('NFC') !== confirm.normalize('NFC')) {
      this.problem = 'The two passphrases differ.';
      return;
    }
    this.busy = true;
    this.problem = null;
    try {
      const backup = await this.client!.exportBackup(passphrase);
      const url = URL.createObjectURL(new Blob([backup.text], { type: 'application/json' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = backup.fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      this.saved = backup.fileName;
      this.#dialog?.close();
    } catch (error) {
      this.problem = error instanceof Error ? error.message : String(error);
    } finally {
      this.busy = false;
    }
  }

  override render() {
    if (!this.client?.canBackUp) {
      return html`<p class="hint" data-backup="unavailable">
        This identity was created before key backups existed: its key cannot be read out of this
        browser, so it cannot be backed up or moved to another device. Keep using it here, or create a
        new identity for a backup.
      </p>`;
    }
    return html`
      <p class="hint">
        A backup file lets you use this identity on another device, or get it back if this browser's
        data is lost. It is encrypted with a passphrase you choose: keep the two apart.
      </p>
      <button type="button" id="open-backup" @click=${this.#open}>Back up key…</button>
      ${this.saved ? html`<p class="hint" role="status">Saved ${this.saved}. Anyone with the file and its passphrase can be you.</p>` : ''}
      <dialog aria-labelledby="backup-title" @close=${this.#closed}>
        <h2 id="backup-title">Back up your key</h2>
        <form @submit=${this.#submit} @input=${() => {
          this.problem = null;
        }} novalidate>
          <p class="hint" id="backup-hint">
            At least ${MIN_PASSPHRASE} characters. Without the passphrase the file is useless, and it
            cannot be reset.
          </p>
          <div class="field">
            <label for="passphrase">Passphrase</label>
            <input id="passphrase" name="passphrase" type="password" autocomplete="new-password"
              minlength=${MIN_PASSPHRASE} required aria-describedby="backup-hint" ?disabled=${this.busy} />
          </div>
          <div class="field">
            <label for="confirm">Passphrase again</label>
            <input id="confirm" name="confirm" type="password" autocomplete="new-password" required
              ?disabled=${this.busy} />
          </div>
          ${this.problem ? html`<p class="error" role="alert">${this.problem}</p>` : ''}
          <div class="actions">
            <button type="button" @click=${() => this.#dialog?.close()}>Cancel</button>
            <button class="primary" type="submit" ?disabled=${this.busy}>
              ${this.busy ? 'Encrypting…' : 'Download backup'}
            </button>
          </div>
        </form>
      </dialog>
    `;
  }
}
