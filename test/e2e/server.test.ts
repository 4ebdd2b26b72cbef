import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { createApp } from '../../api/app.ts';
import { loadConfig } from '../../app/config.ts';
import { challenge, codeOf, gql, register } from '../support/client.ts';
import { startServer, type TestServer } from '../support/server.ts';

describe('the HTTP edge: CORS, CSRF, origins, limits, GraphiQL, request ids', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer('memory', {
      ALLOWED_ORIGINS: 'https://friend.example',
      NODE_ENV: 'production',
      AUTH_RATE_BURST: '5',
      AUTH_RATE_PER_MINUTE: '1',
    });
  });
  after(() => s.close());

  it('should answer CORS preflights for allowed origins only', async () => {
    const preflight = (origin: string) =>
      fetch(`${s.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    const ok = await preflight('https://friend.example');
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://friend.example');
    const no = await preflight('https://evil.example');
    assert.notEqual(no.headers.get('access-control-allow-origin'), 'https://evil.example');
    assert.notEqual(no.headers.get('access-control-allow-origin'), '*');
  });

  it('should refuse a simple (non-preflighted) GET without the CSRF header', async () => {
    const q = encodeURIComponent('{ serverInfo { mode } }');
    const bare = await fetch(`${s.url}/graphql?query=${q}`);
    assert.equal(bare.status, 403);
    const withHeader = await fetch(`${s.url}/graphql?query=${q}`, {
      headers: { 'x-graphql-yoga-csrf': '1' },
    });
    assert.equal(withHeader.status, 200);
    assert.deepEqual((await withHeader.json()).data, { serverInfo: { mode: 'memory' } });
  });

  it('should refuse WebSocket upgrades from origins not allowed', async () => {
    const attempt = (origin: string) =>
      new Promise<number | 'open'>((resolve) => {
        const ws = new WebSocket(s.wsUrl, 'graphql-transport-ws', { origin });
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('error', () => {});
      });
    assert.equal(await attempt('https://evil.example'), 403);
    assert.equal(await attempt('https://friend.example'), 'open');
  });

  it('should rate-limit challenges per IP with a clear error', async () => {
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 7; i++)
      codes.push(codeOf(await gql(s.url, 'mutation { requestChallenge { challenge } }')));
    assert.ok(codes.slice(0, 4).every((c) => c === undefined));
    assert.equal(codes[6], 'RATE_LIMITED');
  });

  it('should give no field suggestions and no GraphiQL in production', async () => {
    const r = await gql(s.url, '{ serverInf { mode } }');
    assert.ok(r.errors?.length);
    assert.doesNotMatch(JSON.stringify(r.errors), /Did you mean/);
    const page = await fetch(`${s.url}/graphql`, { headers: { accept: 'text/html' } });
    assert.doesNotMatch(await page.text(), /<html/i);
  });
});

describe('GraphiQL and request ids in development', () => {
  let s: TestServer;
  before(async () => {
    s = await startServer('memory');
  });
  after(() => s.close());

  it('should serve GraphiQL with field suggestions', async () => {
    const page = await fetch(`${s.url}/graphql`, { headers: { accept: 'text/html' } });
    assert.match(await page.text(), /<title>CallVault GraphQL<\/title>/);
    assert.match(JSON.stringify((await gql(s.url, '{ serverInf { mode } }')).errors), /Did you mean/);
  });

  it('should put the request id and the actor into event metadata', async () => {
    const ada = await register(s.url, 'Ada');
    await gql(s.url, 'mutation { changeDisplayName(displayName: "Ada B") { address } }', {}, ada.token, {
      'x-request-id': 'req-4242',
    });
    const [last] = (await s.app.log.readAll((await s.app.log.head()) - 1, 1)) ?? [];
    assert.equal(last?.type, 'DisplayNameChanged');
    assert.equal(last?.metadata.correlationId, 'req-4242');
    assert.equal(last?.metadata.actor, ada.address);
  });

  it('should refuse to listen on a port that is taken', async () => {
    const port = Number(new URL(s.url).port);
    const other = await createApp(loadConfig({ NODE_ENV: 'test' }));
    try {
      await assert.rejects(other.listen(port, '127.0.0.1'), /cannot listen/);
    } finally {
      await other.close();
    }
  });

  it('should keep challenges single-use across many concurrent attempts', async () => {
    const ada = await register(s.url, 'Ada');
    const c = await challenge(s.url);
    const input = { address: ada.address, challenge: c, signature: ada.sign(ada.authMessage('sign-in', c)) };
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        gql(s.url, 'mutation($input: SignInInput!) { signIn(input: $input) { token } }', { input }),
      ),
    );
    assert.equal(results.filter((r) => r.data?.signIn).length, 1);
    assert.ok(results.filter((r) => !r.data).every((r) => codeOf(r) === 'CHALLENGE_INVALID'));
  });
});

describe('process lifecycle', () => {
  it('should stop on a bad configuration with a message naming the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      env: { ...process.env, PORT: 'eighty', NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const [code] = await once(child, 'exit');
    assert.equal(code, 78);
    assert.match(stderr, /PORT: expected a whole number/);
  });

  it('should shut down on SIGTERM: close sockets, finish, exit 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'api/main.ts'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', NODE_ENV: 'test', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/"port":(\d+)/);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', () => reject(new Error(`exited early: ${out}`)));
    });
    const url = `http://127.0.0.1:${port}`;
    const ada = await register(url, 'Ada');
    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    await once(ws, 'open');
    ws.send(JSON.stringify({ type: 'connection_init', payload: { token: ada.token } }));
    await once(ws, 'message');
    const closed = once(ws, 'close');
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    const [closeCode] = await closed;
    assert.equal(code, 0);
    assert.equal(closeCode, 1001, 'clients are told the server is going away');
    assert.match(out, /"msg":"stopped"/);
  });
});

describe('connection limit', () => {
  it('should refuse WebSocket upgrades past MAX_CONNECTIONS with 503 and keep serving HTTP', async () => {
    const s = await startServer('memory', { MAX_CONNECTIONS: '2' });
    const open: WebSocket[] = [];
    try {
      const attempt = () =>
        new Promise<number | 'open'>((resolve) => {
          const ws = new WebSocket(s.wsUrl, 'graphql-transport-ws');
          ws.on('open', () => {
            open.push(ws);
            resolve('open');
          });
          ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          ws.on('error', () => {});
        });
      assert.deepEqual([await attempt(), await attempt(), await attempt()], ['open', 'open', 503]);
      assert.equal((await fetch(`${s.url}/api/health`)).status, 200);
    } finally {
      for (const ws of open) ws.terminate();
      await s.close();
    }
  });
});
