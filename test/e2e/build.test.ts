import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureBuild, REPO } from '../support/build.ts';
import { gql, register, send } from '../support/client.ts';
import { BUILT, spawnServer } from '../support/process.ts';
import { FakePushService } from '../support/push-service.ts';

/** Every .js file under dist/. */
const built = () =>
  readdirSync(join(REPO, 'dist'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.js'));

/** A module hook that reports every module whose URL contains `needle` on stderr. */
function loadReporter(needle: string): string {
  const hook = `export async function load(url, context, next) {
    if (url.includes(${JSON.stringify(needle)})) process.stderr.write('MODULE-LOADED ' + url + '\\n');
    return next(url, context);
  }`;
  const file = join(tmpdir(), `callvault-load-reporter-${process.pid}.mjs`);
  writeFileSync(
    file,
    `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});\n`,
  );
  return file;
}

describe('npm run build: the server as JavaScript, run by plain node', () => {
  before(() => ensureBuild());

  it('should compile every server module and no test, with no .ts import left', () => {
    const files = built();
    for (const module of ['api/main.js', 'api/app.js', 'events/cli.js', 'schema/index.js']) {
      assert.ok(files.includes(module), `dist/${module} missing`);
    }
    assert.deepEqual(
      files.filter((f) => f.endsWith('.test.js')),
      [],
    );
    const tsImports = files.filter((f) =>
      /from\s+['"][^'"]+\.ts['"]|import\(\s*['"][^'"]+\.ts['"]/.test(
        readFileSync(join(REPO, 'dist', f), 'utf8'),
      ),
    );
    assert.deepEqual(tsImports, [], 'built modules still importing .ts files');
  });

  describe('the built server process (npm start)', () => {
    const hook = loadReporter('render-graphiql');
    let server: Awaited<ReturnType<typeof spawnServer>>;
    before(async () => {
      // Production: GraphiQL off. The hook tells whether its bundle was ever loaded.
      server = await spawnServer({ NODE_ENV: 'production', LOG_LEVEL: 'info' }, ['--import', hook, ...BUILT]);
    });
    after(async () => {
      await server.stop();
    });

    it('should answer health, the web app and GraphQL without tsx', async () => {
      const health = await fetch(`${server.url}/api/health`);
      assert.equal(health.status, 200);
      assert.equal((await health.json()).ok, true);
      const page = await fetch(`${server.url}/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<html/i);
      const gql = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      assert.deepEqual(await gql.json(), { data: { __typename: 'Query' } });
      const cmdline = readFileSync(`/proc/${server.child.pid}/cmdline`, 'utf8').split('\0');
      assert.ok(!cmdline.some((a) => a.includes('tsx')), cmdline.join(' '));
    });

    it('should never load the GraphiQL bundle when GraphiQL is off', async () => {
      const res = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
      await res.arrayBuffer();
      assert.notEqual(res.headers.get('content-type')?.startsWith('text/html'), true);
      assert.doesNotMatch(server.output(), /MODULE-LOADED/);
    });
  });

  it('should send a push from the built push worker (dist/app/push/send-worker.js), then exit cleanly on SIGTERM', async () => {
    const service = await FakePushService.start();
    // Demo mode: an ephemeral VAPID pair; the fake service is plain http on loopback.
    const server = await spawnServer({ PUSH_ALLOW_LOOPBACK_HTTP: 'true' }, BUILT);
    try {
      const ada = await register(server.url, 'Ada');
      const bob = await register(server.url, 'Bob');
      const phone = service.device();
      const sub = await gql(
        server.url,
        `mutation($e: String!, $p: String!, $a: String!) { registerPush(endpoint: $e, p256dh: $p, auth: $a) { endpoint } }`,
        { e: phone.endpoint, p: phone.p256dh, a: phone.auth },
        bob.token,
      );
      assert.equal(sub.errors, undefined, JSON.stringify(sub.errors));
      const m = await send(server.url, ada, bob.address, 'hello');
      const id = (m.data!.sendMessage as { id: string }).id;
      const r = await service.next((r) => r.device === phone.id && r.payload?.messageId === id);
      assert.equal(r.status, 201);
      assert.deepEqual(service.refusals, []);
      // The worker thread is running now; SIGTERM must still end the process, cleanly.
      assert.equal(await server.stop('SIGTERM'), 0, server.output());
      assert.match(server.output(), /"msg":"stopped"/);
    } finally {
      await server.stop('SIGKILL');
      await service.close();
    }
  });

  it('should load the GraphiQL bundle on the first GraphiQL request when GraphiQL is on', async () => {
    const hook = loadReporter('render-graphiql');
    const server = await spawnServer({ GRAPHIQL: 'on' }, ['--import', hook, ...BUILT]);
    try {
      await fetch(`${server.url}/api/health`).then((r) => r.arrayBuffer());
      assert.doesNotMatch(server.output(), /MODULE-LOADED/, 'loaded before anyone asked for GraphiQL');
      const res = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
      assert.equal(res.status, 200);
      assert.match(await res.text(), /graphiql/i);
      assert.match(server.output(), /MODULE-LOADED .*render-graphiql/);
    } finally {
      await server.stop();
    }
  });
});
