import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TYPING_SEND_EVERY_MS, TYPING_SHOWN_MS, Typing } from './typing.ts';

describe('Typing', () => {
  it('should show a peer typing until the signal is stale or their message arrives', () => {
    let t = 1000;
    const typing = new Typing(
      () => {},
      () => t,
    );
    typing.received('cv1a');
    assert.equal(typing.isTyping('cv1a'), true);
    assert.equal(typing.isTyping('cv1b'), false);
    t += TYPING_SHOWN_MS;
    assert.equal(typing.isTyping('cv1a'), false);
    typing.received('cv1a');
    typing.stopped('cv1a');
    assert.equal(typing.isTyping('cv1a'), false);
  });

  it('should send at most one signal per peer per interval', () => {
    let t = 0;
    const typing = new Typing(
      () => {},
      () => t,
    );
    assert.equal(typing.shouldSend('cv1a'), true);
    assert.equal(typing.shouldSend('cv1a'), false);
    assert.equal(typing.shouldSend('cv1b'), true);
    t += TYPING_SEND_EVERY_MS;
    assert.equal(typing.shouldSend('cv1a'), true);
  });
});
