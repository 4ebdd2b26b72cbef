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
