import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { originPolicy } from './origin.ts';

const request = (
  origin: string | undefined,
  host: string | undefined,
  forwarded: Record<string, string> = {},
) => ({
  origin,
  host,
  forwardedHost: forwarded.host,
  forwardedProto: forwarded.proto,
});

describe('originPolicy', () => {
  const direct = originPolicy({ allowedOrigins: [], trustProxy: 0 });
  const proxied = originPolicy({ allowedOrigins: [], trustProxy: 1 });

  it('should treat a default port in the Host header as the origin a browser sends', () => {
    assert.equal(direct(request('https://app.example', 'app.example:443')), true);
    assert.equal(direct(request('http://app.example', 'app.example:80')), true);
    assert.equal(direct(request('https://app.example', 'app.example:80')), false);
  });

  it('should match IPv6 hosts and refuse hosts that are not hosts', () => {
    assert.equal(direct(request('http://[::1]:3000', '[::1]:3000')), true);
    assert.equal(direct(request('http://app.example', 'app.example/path')), false);
    assert.equal(direct(request('http://app.example', 'user@app.example')), false);
    assert.equal(direct(request('http://app.example', undefined)), false);
  });

  it('should take the first value of forwarded headers a chain of proxies appended to', () => {
    assert.equal(
      proxied(
        request('https://app.example', 'internal:3000', {
          host: 'app.example, internal',
          proto: 'https,http',
        }),
      ),
      true,
    );
    assert.equal(
      proxied(request('http://app.example', 'internal:3000', { host: 'app.example', proto: 'https' })),
      false,
    );
  });

  it('should fall back to the Host header when the proxy sends no X-Forwarded-Host', () => {
    assert.equal(proxied(request('https://app.example', 'app.example', { proto: 'https' })), true);
  });
});
