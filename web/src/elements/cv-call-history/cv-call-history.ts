import { css, html, nothing } from 'lit';
import { nameOf } from '../../client/contacts.ts';
import { CvElement } from '../../internal/cv-element.ts';
import { dayOf, qualityOf, timeOf } from '../../internal/format.ts';
import { sharedStyles } from '../../internal/shared.styles.ts';

/** "1:05" from milliseconds. */
export const durationOf = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** An incoming call nobody here answered: rang out, cancelled by the caller, or came while busy. */
const MISSED = new Set(['MISSED', 'CANCELLED', 'BUSY']);
/** An outgoing call's outcome as the caller saw it. */
const OUTCOME: Record<string, string> = {
  MISSED: 'No answer',
  BUSY: 'Busy',
  DECLINED: 'Declined',
  CANCELLED: 'Cancelled',
  PLACED: 'Calling',
  RINGING: 'Ringing',
  ACCEPTED: 'In call',
};

/**
 * Calls made and received, newest first: direction, outcome, duration, how the media went
 * (relayed or direct, round trip, loss: from this device's quality record), and calling back.
 */
export class CvCallHistory extends CvElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      ul {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      li {
        display: flex;
        align-items: center;
        gap: 0.6rem;
        padding: 0.6rem 1rem;
        border-bottom: 1px solid var(--cv-border);
      }
      .what {
        flex: 1;
        min-width: 0;
      }
      .name {
        font-weight: 600;
      }
      .detail {
        color: var(--cv-muted);
        font-size: 0.85rem;
      }
      .missed .detail {
        color: var(--cv-danger);
      }
      p {
        padding: 1rem;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this.client?.loadCallHistory();
  }

  override render() {
    const client = this.client;
    const calls = client?.callHistory;
    if (!client || !calls) return html`<p class="hint" role="status">Loading calls…</p>`;
    if (calls.length === 0) return html`<p class="hint">No calls yet.</p>`;
    return html`<ul aria-label="Call history">
      ${calls.map((c) => {
        const peer = c.direction === 'OUTGOING' ? c.callee : c.caller;
        const name = nameOf(client.contacts, peer);
        const missed = c.direction === 'INCOMING' && MISSED.has(c.status) && c.reason !== 'glare';
        const failed = c.status === 'ENDED' && c.quality?.connected === false;
        const quality = qualityOf(c.quality);
        const outcome =
          c.status === 'ENDED'
            ? failed
              ? 'Could not connect'
              : durationOf(c.durationMs ?? 0)
            : missed
              ? 'Missed'
              : (OUTCOME[c.status] ?? c.status.charAt(0) + c.status.slice(1).toLowerCase());
        const direction = c.direction === 'OUTGOING' ? 'Outgoing' : missed ? 'Missed' : 'Incoming';
        return html`<li class=${missed ? 'missed' : ''} data-call=${c.callId} data-status=${c.status}
          data-relayed=${c.quality ? String(c.quality.relayed) : nothing}>
          <div class="what">
            <div class="name">${name}</div>
            <div class="detail">${direction} ${c.media === 'VIDEO' ? 'video' : 'audio'} call ·
              <span class="outcome">${outcome}</span>${quality ? html` · <span class="quality">${quality}</span>` : nothing} · ${dayOf(c.placedAt)} ${timeOf(c.placedAt)}</div>
          </div>
          <button type="button" aria-label="Call ${name} back" @click=${() => client.calls.place(peer, c.media)}>Call back</button>
        </li>`;
      })}
    </ul>`;
  }
}
