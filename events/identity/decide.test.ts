import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../shared/errors.ts';
import { decideIdentity, evolveIdentity, type IdentityCommand, initialIdentity } from './decide.ts';
import type { IdentityEvent } from './events.ts';

const session = { sessionId: 's0', tokenHash: 'h0', expiresAt: 9, device: 'web' };
const registered: IdentityEvent = {
  type: 'IdentityRegistered',
  data: { address: 'cv1x', publicKey: 'pk', displayName: 'Ada' },
};
const given = (events: IdentityEvent[]) => events.reduce(evolveIdentity, initialIdentity());
const when = (events: IdentityEvent[], command: IdentityCommand) => decideIdentity(command, given(events));
const refused = (events: IdentityEvent[], command: IdentityCommand, code: string) =>
  assert.throws(
    () => when(events, command),
    (e: unknown) => e instanceof DomainError && e.code === code,
  );

describe('identity decider', () => {
  it('should register a new identity with a trimmed display name', () => {
    assert.deepEqual(
      when([], { type: 'Register', address: 'cv1x', publicKey: 'pk', displayName: '  Ada ', session }),
      [
        { type: 'IdentityRegistered', data: { address: 'cv1x', publicKey: 'pk', displayName: 'Ada' } },
        { type: 'SessionStarted', data: session },
      ],
    );
  });

  it('should refuse to register twice', () => {
    refused(
      [registered],
      { type: 'Register', address: 'cv1x', publicKey: 'pk', displayName: 'Ada', session },
      'CONFLICT',
    );
  });

  it('should refuse empty, too long and control-character display names', () => {
    for (const displayName of ['   ', 'x'.repeat(65), 'a\u0007b']) {
      refused([], { type: 'Register', address: 'cv1x', publicKey: 'pk', displayName, session }, 'BAD_INPUT');
    }
  });

  it('should change the display name, and record nothing when it is unchanged', () => {
    assert.deepEqual(when([registered], { type: 'ChangeDisplayName', displayName: 'Grace' }), [
      { type: 'DisplayNameChanged', data: { displayName: 'Grace' } },
    ]);
    assert.deepEqual(when([registered], { type: 'ChangeDisplayName', displayName: 'Ada' }), []);
    refused([], { type: 'ChangeDisplayName', displayName: 'Grace' }, 'NOT_FOUND');
  });

  it('should start sessions only for a registered identity and end each once', () => {
    const start: IdentityCommand = {
      type: 'StartSession',
      sessionId: 's1',
      tokenHash: 'h',
      expiresAt: 9,
      device: 'web',
    };
    refused([], start, 'NOT_FOUND');
    const started = when([registered], start);
    assert.equal(started[0]?.type, 'SessionStarted');
    const end: IdentityCommand = { type: 'EndSession', sessionId: 's1', reason: 'signed_out' };
    assert.deepEqual(when([registered, ...started], end), [
      { type: 'SessionEnded', data: { sessionId: 's1', reason: 'signed_out' } },
    ]);
    assert.deepEqual(when([registered, ...started, ...when([registered, ...started], end)], end), []);
  });
});
