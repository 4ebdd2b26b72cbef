import { html, LitElement, nothing } from 'lit';
import { sharedStyles } from '../../internal/shared.styles.ts';
import {
  AuditError,
  type AuditEvent,
  downloadExport,
  type EventPage,
  listEvents,
  operatorToken,
  stateAt,
  timeline,
  verifyRange,
} from './audit-api.ts';
import { adminStyles } from './cv-admin.styles.ts';

/** Events verified per request (the progress bar moves once per piece): ~50 pieces, at least 500 events each. */
const verifyPiece = (total: number) => Math.max(500, Math.ceil(total / 50));

const formValues = (e: Event) => {
  e.preventDefault();
  return Object.fromEntries(new FormData(e.target as HTMLFormElement)) as Record<string, string>;
};

/**
 * The operator console at /admin (not linked from the app): the admin or audit token typed
 * here stays in this tab's sessionStorage. Search and page through events, follow a
 * correlation id, an identity's timeline, chain verification with progress, a state rebuilt
 * at a position, and the export as a download. Every read it makes is recorded in the log.
 */
export class CvAdmin extends LitElement {
  static override styles = [sharedStyles, adminStyles];
  static override properties = {
    signedIn: { state: true },
    page: { state: true },
    filters: { state: true },
    timelinePage: { state: true },
    progress: { state: true },
    verification: { state: true },
    rebuilt: { state: true },
    error: { state: true },
    exported: { state: true },
  };

  signedIn = operatorToken.get() !== null;
  page: EventPage | null = null;
  filters: Record<string, string> = {};
  timelinePage: EventPage | null = null;
  progress: { done: number; total: number } | null = null;
  verification: string | null = null;
  rebuilt: string | null = null;
  error: string | null = null;
  exported: string | null = null;
  private cursors: number[] = [];

  override connectedCallback(): void {
    super.connectedCallback();
    document.title = 'CallVault operator console';
    if (this.signedIn) void this.search({});
  }

  private async run(work: () => Promise<void>): Promise<void> {
    this.error = null;
    try {
      await work();
    } catch (e) {
      if (e instanceof AuditError && (e.code === 'FORBIDDEN' || e.code === 'UNAUTHENTICATED')) {
        operatorToken.clear();
        this.signedIn = false;
      }
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  private signIn(e: Event) {
    const { token } = formValues(e);
    if (!token) return;
    operatorToken.set(token);
    this.signedIn = true;
    void this.search({});
  }

  private signOut() {
    operatorToken.clear();
    this.signedIn = false;
    this.page = null;
  }

  private search(filters: Record<string, string>, after = 0) {
    return this.run(async () => {
      const v: Record<string, unknown> = { after, first: 50 };
      for (const [k, x] of Object.entries(filters)) if (x) v[k] = x;
      this.page = await listEvents(v);
      this.filters = filters;
      if (after === 0) this.cursors = [];
    });
  }

  private nextPage() {
    if (this.page?.next == null) return;
    this.cursors.push(this.page.events[0] ? this.page.events[0].position - 1 : 0);
    void this.search(this.filters, this.page.next);
  }

  private previousPage() {
    const after = this.cursors.pop() ?? 0;
    void this.search(this.filters, after);
  }

  private verify(e: Event) {
    const { to } = formValues(e);
    void this.run(async () => {
      const end = to ? Number(to) : (this.page?.head ?? 0);
      this.verification = null;
      this.progress = { done: 0, total: end };
      for (let from = 0; from < end; ) {
        const piece = Math.min(from + verifyPiece(end), end);
        const r = await verifyRange(from, piece);
        if (!r.ok) {
          this.verification = `Broken at position ${r.firstBadPosition}: ${r.reason}`;
          return;
        }
        from = piece;
        this.progress = { done: from, total: end };
      }
      this.verification = `Chain intact: positions 1 to ${end}`;
    });
  }

  private rebuild(e: Event) {
    const { kind, key, peer, position } = formValues(e);
    void this.run(async () => {
      const state = await stateAt(kind!, key!, peer || null, Number(position));
      this.rebuilt = JSON.stringify(JSON.parse(state), null, 2);
    });
  }

  private showTimeline(e: Event) {
    const { address } = formValues(e);
    void this.run(async () => {
      this.timelinePage = await timeline(address!, 0);
    });
  }

  private export(e: Event) {
    const { from, to } = formValues(e);
    void this.run(async () => {
      const bytes = await downloadExport(Number(from || 0), to ? Number(to) : null);
      this.exported = `Downloaded ${bytes} bytes`;
    });
  }

  private table(events: AuditEvent[], label: string) {
    return html`<table aria-label=${label}>
      <thead>
        <tr><th scope="col">Position</th><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Stream</th><th scope="col">Actor</th><th scope="col">Correlation</th><th scope="col">Data</th></tr>
      </thead>
      <tbody>
        ${events.map(
          (ev) => html`<tr>
            <td>${ev.position}</td>
            <td>${new Date(ev.time).toISOString()}</td>
            <td>${ev.type}</td>
            <td>${ev.streamId}</td>
            <td>${ev.actor ?? ''}</td>
            <td>
              ${
                ev.correlationId
                  ? html`<button class="link" title="Show everything this request caused"
                      @click=${() => this.search({ correlationId: ev.correlationId! })}>${ev.correlationId}</button>`
                  : nothing
              }
            </td>
            <td class="data">${ev.data}</td>
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  override render() {
    if (!this.signedIn) {
      return html`<main>
        <h1>Operator console</h1>
        <form @submit=${this.signIn}>
          <label>Admin or audit token <input name="token" type="password" autocomplete="off" required /></label>
          <button class="primary" type="submit">Open console</button>
        </form>
        <p>The token is kept for this tab only. Every read is recorded in the log.</p>
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      </main>`;
    }
    const p = this.page;
    return html`<main>
      <h1>Operator console</h1>
      <button @click=${this.signOut}>Forget token</button>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <section aria-labelledby="events-h">
        <h2 id="events-h">Events</h2>
        <form @submit=${(e: Event) => this.search(formValues(e))}>
          <label>Type <input name="type" .value=${this.filters.type ?? ''} /></label>
          <label>Actor <input name="actor" .value=${this.filters.actor ?? ''} /></label>
          <label>Stream <input name="streamId" .value=${this.filters.streamId ?? ''} /></label>
          <label>Correlation id <input name="correlationId" .value=${this.filters.correlationId ?? ''} /></label>
          <button class="primary" type="submit">Search</button>
        </form>
        ${
          p
            ? html`<p>Log head: ${p.head}. Showing ${p.events.length} events.</p>
              ${this.table(p.events, 'Events')}
              <button ?disabled=${this.cursors.length === 0} @click=${this.previousPage}>Previous page</button>
              <button ?disabled=${p.next === null} @click=${this.nextPage}>Next page</button>`
            : nothing
        }
      </section>
      <section aria-labelledby="timeline-h">
        <h2 id="timeline-h">Identity timeline</h2>
        <form @submit=${this.showTimeline}>
          <label>Address <input name="address" required /></label>
          <button type="submit">Show timeline</button>
        </form>
        ${this.timelinePage ? this.table(this.timelinePage.events, 'Timeline') : nothing}
      </section>
      <section aria-labelledby="verify-h">
        <h2 id="verify-h">Verify the hash chain</h2>
        <form @submit=${this.verify}>
          <label>Up to position (empty: the head) <input name="to" inputmode="numeric" /></label>
          <button type="submit">Verify</button>
        </form>
        ${
          this.progress
            ? html`<progress aria-label="Verification progress" max=${this.progress.total || 1} value=${this.progress.done}></progress>`
            : nothing
        }
        ${this.verification ? html`<p class="ok" role="status">${this.verification}</p>` : nothing}
      </section>
      <section aria-labelledby="state-h">
        <h2 id="state-h">State at a position</h2>
        <form @submit=${this.rebuild}>
          <label>What <select name="kind">
            <option value="IDENTITY">Identity</option>
            <option value="CONTACTS">Contacts</option>
            <option value="CONVERSATION">Conversation</option>
            <option value="CALL">Call</option>
            <option value="PLAN">Plan</option>
          </select></label>
          <label>Address or call id <input name="key" required /></label>
          <label>Peer (conversation) <input name="peer" /></label>
          <label>Position <input name="position" inputmode="numeric" required /></label>
          <button type="submit">Rebuild</button>
        </form>
        ${this.rebuilt ? html`<pre aria-label="Rebuilt state">${this.rebuilt}</pre>` : nothing}
      </section>
      <section aria-labelledby="export-h">
        <h2 id="export-h">Export</h2>
        <form @submit=${this.export}>
          <label>After position <input name="from" inputmode="numeric" /></label>
          <label>Up to position <input name="to" inputmode="numeric" /></label>
          <button type="submit">Download NDJSON</button>
        </form>
        ${this.exported ? html`<p role="status">${this.exported}</p>` : nothing}
      </section>
    </main>`;
  }
}
