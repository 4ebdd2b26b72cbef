import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { clientIp } from './client-ip.ts';

const peer = () => '10.9.8.7';

describe('clientIp', () => {
  it('should use the socket peer when no proxy is trusted, whatever the header says', () => {
    assert.equal(clientIp('1.2.3.4', peer, 0), '10.9.8.7');
  });

  it('should take the entry written by the trusted proxy, not the one the client sent', () => {
    // The client sent "6.6.6.6"; the one proxy appended the address it saw.
    assert.equal(clientIp('6.6.6.6, 203.0.113.9', peer, 1), '203.0.113.9');
    assert.equal(clientIp('6.6.6.6, 203.0.113.9, 172.18.0.2', peer, 2), '203.0.113.9');
    assert.equal(clientIp('2001:db8::1', peer, 1), '2001:db8::1');
  });

  it('should fall back to the peer when the trusted entry is not an IP address', () => {
    assert.equal(clientIp('1.2.3.4, evil', peer, 1), '10.9.8.7');
    assert.equal(clientIp('', peer, 1), '10.9.8.7');
    assert.equal(clientIp(undefined, peer, 1), '10.9.8.7');
  });

  it('should never let entries left of the trusted ones choose the address', () => {
    const ip = fc.oneof(fc.ipV4(), fc.ipV6());
    fc.assert(
      fc.property(
        fc.array(fc.string(), { maxLength: 5 }),
        fc.array(ip, { minLength: 1, maxLength: 3 }),
        (spoofed, trusted) => {
          const header = [...spoofed.map((s) => s.replaceAll(',', '')), ...trusted].join(',');
          assert.equal(clientIp(header, peer, trusted.length), trusted[0]);
        },
      ),
    );
  });
});

describe("clientIp with TRUST_PROXY as the proxies' addresses", () => {
  const proxies = ['172.18.0.0/16', '10.0.0.5', 'fd00::/8'];
  const from = (address: string) => () => address;

  it('should ignore X-Forwarded-For from a peer that is not a trusted proxy', () => {
    assert.equal(clientIp('203.0.113.9', from('198.51.100.1'), proxies), '198.51.100.1');
  });

  it('should take the right-most entry that is not a trusted proxy, not the spoofed left-most', () => {
    assert.equal(clientIp('6.6.6.6, 203.0.113.9', from('172.18.0.2'), proxies), '203.0.113.9');
    // Two proxies of ours in a chain: the inner one's entry is skipped.
    assert.equal(clientIp('6.6.6.6, 203.0.113.9, 10.0.0.5', from('172.18.3.4'), proxies), '203.0.113.9');
    assert.equal(clientIp('2001:db8::7', from('fd00::1'), proxies), '2001:db8::7');
  });

  it('should match a peer that uWS reports as an IPv4-mapped IPv6 address', () => {
    assert.equal(
      clientIp('6.6.6.6, 203.0.113.9', from('0000:0000:0000:0000:0000:ffff:ac12:0002'), proxies),
      '203.0.113.9',
    );
  });

  it('should fall back to the peer when the untrusted entry is not an IP address', () => {
    assert.equal(clientIp('1.2.3.4, evil', from('172.18.0.2'), proxies), '172.18.0.2');
  });

  it('should never let entries left of the first untrusted one choose the address', () => {
    const outside = fc.ipV4().filter((ip) => !ip.startsWith('172.18.') && ip !== '10.0.0.5');
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 5 }), outside, fc.nat(3), (spoofed, client, chain) => {
        const inner = Array.from({ length: chain }, (_, i) => `172.18.1.${i}`);
        const header = [...spoofed.map((s) => s.replaceAll(',', '')), client, ...inner].join(',');
        assert.equal(clientIp(header, from('172.18.0.1'), proxies), client);
      }),
    );
  });
});
