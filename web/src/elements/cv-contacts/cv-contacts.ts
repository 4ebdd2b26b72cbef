import { css, html } from 'lit';
import { addressProblem } from '../../../../protocol/index.ts';
import { OpenChatEvent } from '../../events/open-chat.ts';
import { CvElement } from '../../internal/cv-element.ts';
import { shortAddress } from '../../internal/format.ts';
import { sharedStyles } from '../../internal/shared.styles.ts';

/**
 * Contacts: add one by address (checked as you type, checksum included: protocol/), open a
 * conversation with any of them, rename them, let them ring through do-not-disturb, or remove
 * them. The list is the server's, refetched when another device changes it.
 * @event cv-open-chat - a contact was chosen
 */
export class CvContacts extends CvElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        padding: 1rem;
      }
      form {
        display: grid;
        gap: 0.6rem;
        margin-bottom: 1.25rem;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
        display: grid;
        gap: 0.4rem;
      }
      li {
        display: grid;
        gap: 0.35rem;
        padding-bottom: 0.5rem;
        border-bottom: 1px solid var(--cv-border, #8884);
      }
      .controls {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      .controls form {
        flex: 1 1 100%;
        display: flex;
        gap: 0.4rem;
        margin: 0;
      }
      .check {
        display: flex;
        flex: 1;
        gap: 0.35rem;
        align-items: center;
      }
      li button.open {
        width: 100%;
        text-align: start;
        display: flex;
        justify-content: space-between;
        gap: 0.5rem;
      }
      .addr {
        color: var(--cv-muted);
        font-family: ui-monospace, monospace;
        font-size: 0.8rem;
      }
      h2 {
        font-size: 1.05rem;
        margin: 0 0 0.6rem;
      }
    `,
  ];
  static override properties = {
    saving: { state: true },
    address: { state: true },
    problem: { state: true },
    listProblem: { state: true },
    busy: { state: true },
  };
  declare address: string;
  declare problem: string | null;
  declare busy: boolean;
  /** A rename, always-allowed or remove the server refused. */
  declare listProblem: string | null;
  /** Changes sent and not yet answered. */
  declare saving: number;

  constructor() {
    super();
    this.address = '';
    this.problem = null;
    this.busy = false;
    this.listProblem = null;
    this.saving = 0;
  }

  /** Checked on every keystroke once the address is complete (or too long), so typos show at once. */
  #input(event: InputEvent) {
    this.address = (event.target as HTMLInputElement).value.trim();
    this.problem =
      this.address.length >= 42 || !'cv1'.startsWith(this.address.slice(0, 3))
        ? addressProblem(this.address)
        : null;
  }

  async #submit(event: SubmitEvent) {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const nickname = String(new FormData(form).get('nickname') ?? '').trim();
    this.problem = addressProblem(this.address);
    if (this.problem) return;
    if (this.address === this.client?.me?.address) {
      this.problem = 'That is your own address.';
      return;
    }
    this.busy = true;
    try {
      await this.client?.addContact(this.address, nickname || this.address.slice(0, 12));
      form.reset();
      this.address = '';
    } catch (error) {
      this.problem = error instanceof Error ? error.message : String(error);
    } finally {
      this.busy = false;
    }
  }

  async #apply(action: Promise<void> | undefined) {
    this.saving++;
    try {
      await action;
      this.listProblem = null;
    } catch (error) {
      this.listProblem = error instanceof Error ? error.message : String(error);
    } finally {
      this.saving--;
    }
  }

  #rename(event: SubmitEvent, address: string) {
    event.preventDefault();
    const nickname = String(new FormData(event.target as HTMLFormElement).get('nickname') ?? '').trim();
    if (nickname) this.#apply(this.client?.renameContact(address, nickname));
  }

  override render() {
    const contacts = this.client?.contacts ?? [];
    return html`
      <form @submit=${this.#submit} novalidate aria-labelledby="add-title">
        <h2 id="add-title">Add a contact</h2>
        <div>
          <label for="address">Their address</label>
          <input id="address" name="address" autocomplete="off" spellcheck="false" placeholder="cv1…"
            .value=${this.address} @input=${this.#input} aria-invalid=${this.problem ? 'true' : 'false'}
            aria-describedby="address-problem" />
          <p id="address-problem" class="error" role="alert">${this.problem ?? ''}</p>
        </div>
        <div>
          <label for="nickname">Name for them</label>
          <input id="nickname" name="nickname" maxlength="64" autocomplete="off" />
        </div>
        <button class="primary" type="submit" ?disabled=${this.busy}>Add contact</button>
      </form>
      <h2>Contacts</h2>
      <p class="error" role="alert">${this.listProblem ?? ''}</p>
      <p class="hint" role="status" data-saving=${this.saving > 0}>${this.saving > 0 ? 'Saving…' : ''}</p>
      ${
        contacts.length === 0
          ? html`<p class="hint">No contacts yet.</p>`
          : html`<ul aria-label="Contacts">
            ${contacts.map((c, i) => {
              const name = c.nickname || c.displayName || shortAddress(c.address);
              return html`<li data-contact-row=${c.address}>
                <button type="button" class="open" data-contact=${c.address}
                  @click=${() => this.dispatchEvent(new OpenChatEvent(c.address))}>
                  <span>${name}</span><span class="addr">${shortAddress(c.address)}</span>
                </button>
                <div class="controls">
                  <form @submit=${(e: SubmitEvent) => this.#rename(e, c.address)}>
                    <label for=${`nick-${i}`} class="visually-hidden">Nickname for ${name}</label>
                    <input id=${`nick-${i}`} name="nickname" maxlength="64" autocomplete="off"
                      .value=${c.nickname} required />
                    <button type="submit" aria-label=${`Rename ${name}`}>Rename</button>
                  </form>
                  <span class="check">
                    <input type="checkbox" id=${`allow-${i}`} .checked=${c.alwaysAllowed}
                      @change=${(e: Event) =>
                        this.#apply(
                          this.client?.setAlwaysAllowed(c.address, (e.target as HTMLInputElement).checked),
                        )} />
                    <label for=${`allow-${i}`}>Always allowed<span class="visually-hidden">: ${name}</span></label>
                  </span>
                  <button type="button" class="danger" aria-label=${`Remove ${name}`}
                    @click=${() => this.#apply(this.client?.removeContact(c.address))}>Remove</button>
                </div>
              </li>`;
            })}
          </ul>`
      }
    `;
  }
}
