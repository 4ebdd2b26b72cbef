import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServer } from '../support/server.ts';

const TOKEN = 'metrics-token-0123456789abcdef';

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, body: await res.text() };
}

describe('/metrics access', () => {
  it('should refuse /metrics in production when neither METRICS_TOKEN nor METRICS_LISTEN is set', async () => {
    const s = await startServer('memory', { NODE_ENV: 'production' });
    try {
      const m = await get(`${s.url}/metrics`);
      assert.equal(m.status, 403);
      assert.match(m.body, /METRICS_TOKEN or METRICS_LISTEN/);
      assert.equal((await get(`${s.url}/api/health`)).status, 200);
    } finally {
      await s.close();
    }
  });

  it('should serve /metrics only with the bearer token when METRICS_TOKEN is set', async () => {
    const s = await startServer('memory', { NODE_ENV: 'production', METRICS_TOKEN: TOKEN });
    try {
      assert.equal((await get(`${s.url}/metrics`)).status, 401);
      assert.equal((await get(`${s.url}/metrics`, { authorization: `Bearer ${TOKEN}x` })).status, 401);
      assert.equal((await get(`${s.url}/metrics`, { authorization: TOKEN })).status, 401);
      const ok = await get(`${s.url}/metrics`, { authorization: `Bearer ${TOKEN}` });
      assert.equal(ok.status, 200);
      assert.match(ok.body, /^# HELP /m);
      assert.match(ok.body, /process_resident_memory_bytes/);
    } finally {
      await s.close();
    }
  });

  it('should serve /metrics on METRICS_LISTEN only, and nothing else there', async () => {
    const s = await startServer('memory', { NODE_ENV: 'production', METRICS_LISTEN: '127.0.0.1:0' });
    try {
      const port = s.app.metricsPort();
      assert.ok(port && port !== Number(new URL(s.url).port), `metrics port ${port}`);
      assert.equal((await get(`${s.url}/metrics`)).status, 404, 'not on the public port');
      const m = await get(`http://127.0.0.1:${port}/metrics`);
      assert.equal(m.status, 200);
      assert.match(m.body, /process_resident_memory_bytes/);
      assert.equal((await get(`http://127.0.0.1:${port}/api/health`)).status, 404);
      assert.equal((await get(`http://127.0.0.1:${port}/graphql`)).status, 404);
    } finally {
      await s.close();
    }
    // Closed with the app: the port is free again.
    const port = s.app.metricsPort();
    assert.equal(port, null);
  });

  it('should ask for the token on METRICS_LISTEN too when both are set', async () => {
    const s = await startServer('memory', { METRICS_LISTEN: '127.0.0.1:0', METRICS_TOKEN: TOKEN });
    try {
      const base = `http://127.0.0.1:${s.app.metricsPort()}/metrics`;
      assert.equal((await get(base)).status, 401);
      assert.equal((await get(base, { authorization: `Bearer ${TOKEN}` })).status, 200);
    } finally {
      await s.close();
    }
  });
});
