import { css, html, LitElement, type PropertyValues } from 'lit';
import { encode } from 'uqr';
import { sharedStyles } from '../../internal/shared.styles.ts';

/** Pixels per QR module, and the quiet zone in modules (the standard asks for 4). */
const MODULE_PX = 5;
const QUIET = 4;

/**
 * An address shown in full (monospace, wrapping) with a button that copies it, and with `qr`
 * a QR code of it, drawn on a canvas (dark on light in every theme: scanners need contrast).
 * @attr address - the address to show
 * @attr qr - also show the address as a QR code
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
      canvas {
        flex: none;
        width: 10rem;
        height: 10rem;
        image-rendering: pixelated;
        border-radius: var(--cv-radius);
      }
    `,
  ];
  static override properties = {
    address: { type: String },
    qr: { type: Boolean },
    copied: { state: true },
  };
  declare address: string;
  declare qr: boolean;
  declare copied: boolean;

  constructor() {
    super();
    this.address = '';
    this.qr = false;
    this.copied = false;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (!this.qr || !(changed.has('address') || changed.has('qr'))) return;
    const canvas = this.renderRoot.querySelector('canvas');
    const context = canvas?.getContext('2d');
    if (!canvas || !context || !this.address) return;
    // Byte mode, error correction M: a 42-character address is a version 3 code (29 × 29).
    const { data, size } = encode(this.address, { ecc: 'M', border: 0 });
    const side = (size + 2 * QUIET) * MODULE_PX;
    canvas.width = side;
    canvas.height = side;
    context.fillStyle = '#fff';
    context.fillRect(0, 0, side, side);
    context.fillStyle = '#000';
    data.forEach((row, y) => {
      row.forEach((dark, x) => {
        if (dark) context.fillRect((x + QUIET) * MODULE_PX, (y + QUIET) * MODULE_PX, MODULE_PX, MODULE_PX);
      });
    });
  }

  async #copy() {
    await navigator.clipboard.writeText(this.address);
    this.copied = true;
    setTimeout(() => {
      this.copied = false;
    }, 2000);
  }

  override render() {
    return html`${this.qr ? html`<canvas data-qr role="img" aria-label="QR code of the address"></canvas>` : ''}
      <code data-address>${this.address}</code>
      <button type="button" @click=${this.#copy} aria-label="Copy your address">
        ${this.copied ? 'Copied' : 'Copy'}
      </button>`;
  }
}
