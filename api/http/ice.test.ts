import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../app/config.ts';
import { iceReport } from './ice.ts';

describe('ICE report', () => {
  it('should count servers and say ok when TURN is complete', () => {
    const r = iceReport(
      loadConfig({
        STUN_URLS: 'stun:a:3478,stun:b:3478,stun:c:19302',
        TURN_URLS: 'turn:a:3478,turn:a:3478?transport=tcp,turns:a:5349',
        TURN_USERNAME: 'u',
        TURN_CREDENTIAL: 'p',
      }),
    );
    assert.deepEqual(
      { status: r.status, stun: r.stunServersCount, turn: r.turnServersCount },
      { status: 'ok', stun: 3, turn: 3 },
    );
  });

  it('should report TURN_MODE=custom without credentials as an error with the reason', () => {
    const r = iceReport(
      loadConfig({ STUN_URLS: 'stun:a:3478', TURN_MODE: 'custom', TURN_URLS: 'turn:a:3478' }),
    );
    assert.equal(r.status, 'error');
    assert.match(r.problems.join(), /TURN_USERNAME and TURN_CREDENTIAL/);
  });
});
