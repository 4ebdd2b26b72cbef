import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const script = readFileSync(new URL('../e2e/fixtures/call-page.js', import.meta.url), 'utf8');

/**
 * Serves the minimal call client (test/e2e/fixtures/call-page.js) from an origin of its own on
 * 127.0.0.1, as an embedding site would: the CallVault server must list it in ALLOWED_ORIGINS.
 */
export async function serveCallPage(): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === '/call-page.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>call</title><script src="/call-page.js"></script>');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
