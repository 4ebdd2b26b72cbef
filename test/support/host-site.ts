import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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
