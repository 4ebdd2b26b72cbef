import { css, html, LitElement } from 'lit';
import { sharedStyles } from '../../internal/shared.styles.ts';

/**
 * An address shown in full (monospace, wrapping) with a button that copies it.
 * @attr address - the address to show
 */
export class CvAddress extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        gap: 0.5rem;
        align-items: center;
        flex-wrap: wrap;
      }
      code {
        font-family: ui-monospace, SFMono-Regular, Menlo, monospace;
        overflow-wrap: anywhere;
        background: var(--cv-bg);
        border: 1px solid var(--cv-border);
        border-radius: var(--cv-radius);
        padding: 0.4rem 0.6rem;
        flex: 1 1 16rem;
      }
    `,
  ];
  static override properties = { address: { type: String }, copied: { state: true } };
  declare address: string;
  declare copied: boolean;

  constructor() {
    super();
    this.address = '';
    this.copied = false;
  }

  async #copy() {
    await navigator.clipboard.writeText(this.address);
    this.copied = true;
    setTimeout(() => {
      this.copied = false;
    }, 2000);
  }

  override render() {
    return html`<code data-address>${this.address}</code>
      <button type="button" @click=${this.#copy} aria-label="Copy your address">
        ${this.copied ? 'Copied' : 'Copy'}
      </button>`;
  }
}
