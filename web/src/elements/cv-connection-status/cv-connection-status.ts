import { css, html } from 'lit';
import { CvElement } from '../../internal/cv-element.ts';

const LABEL = {
  connecting: 'Connecting…',
  online: 'Online',
  reconnecting: 'Reconnecting…',
  offline: 'Offline',
};

/** The socket's state, announced politely when it changes. `data-state` carries the raw value. */
export class CvConnectionStatus extends CvElement {
  static override styles = css`
    :host {
      display: inline-flex;
      align-items: center;
      gap: 0.4rem;
      font-size: 0.875rem;
      color: var(--cv-muted);
    }
    .dot {
      width: 0.6rem;
      height: 0.6rem;
      border-radius: 50%;
      background: var(--cv-muted);
    }
    [data-state='online'] .dot {
      background: var(--cv-ok);
    }
    [data-state='reconnecting'] .dot,
    [data-state='connecting'] .dot {
      background: #c98a00;
    }
    span[data-state] {
      display: inline-flex;
      align-items: center;
      gap: 0.4rem;
    }
  `;

  override render() {
    const state = this.client?.connection ?? 'offline';
    return html`<span role="status" data-state=${state}><span class="dot"></span>${LABEL[state]}</span>`;
  }
}
