import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { eventually } from './eventually.ts';

/** One response of a host site: its body and headers. */
export interface HostPage {
  body: string;
  type?: string;
  headers?: Record<string, string>;
}

/**
 * A stand-in for another website (a second origin on loopback) serving fixed pages: what a
 * site that embeds CallVault serves. Pages can be replaced while it runs.
 */
export interface HostSite {
  origin: string;
  pages: Map<string, HostPage>;
  close(): Promise<void>;
}

export async function startHostSite(host = '127.0.0.1'): Promise<HostSite> {
  const pages = new Map<string, HostPage>();
  const server: Server = createServer((req, res) => {
    const page = pages.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res
      .writeHead(200, { 'content-type': page.type ?? 'text/html; charset=utf-8', ...page.headers })
      .end(page.body);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${host}:${port}`,
    pages,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A cv-* event a host page recorded on its top document (in `window.__cvEvents`). */
export interface RecordedEvent {
  /** The id of the element it was fired on. */
  target: string;
  type: string;
  detail: any;
}

/** The cv-* events the host page has recorded so far (its init script fills `window.__cvEvents`). */
export const hostEvents = (page: Page): Promise<RecordedEvent[]> =>
  page.evaluate(() => (window as any).__cvEvents);

/** Waits until the host page recorded a `type` event on `#target` whose detail matches; returns the detail. */
export async function waitForHostEvent(
  page: Page,
  target: string,
  type: string,
  match: (d: any) => boolean = () => true,
): Promise<any> {
  let found: RecordedEvent | undefined;
  await eventually(async () => {
    found = (await hostEvents(page)).find((e) => e.target === target && e.type === type && match(e.detail));
    return found !== undefined;
  }, `${type} on #${target}`);
  return found!.detail;
}
