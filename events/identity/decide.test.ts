import { describe, it } from 'node:test';
import { deciderSpec } from '../shared/decider-spec.ts';
import type { IdentityCommand } from './decide.ts';
import { identityDecider } from './decider.ts';
import type { IdentityEvent } from './events.ts';

const { given } = deciderSpec(identityDecider);
const session = { sessionId: 's0', tokenHash: 'h0', expiresAt: 9, device: 'web' };
const registered: IdentityEvent = {
  type: 'IdentityRegistered',
  data: { address: 'cv1x', publicKey: 'pk', displayName: 'Ada' },
};

describe('identity decider', () => {
  it('should register a new identity with a trimmed display name', () => {
    given([])
      .when({ type: 'Register', address: 'cv1x', publicKey: 'pk', displayName: '  Ada ', session })
      .thenEvents([
        { type: 'IdentityRegistered', data: { address: 'cv1x', publicKey: 'pk', displayName: 'Ada' } },
        { type: 'SessionStarted', data: session },
      ]);
  });

  it('should refuse to register twice', () => {
    given([registered])
      .when({ type: 'Register', address: 'cv1x', publicKey: 'pk', displayName: 'Ada', session })
      .thenThrows('CONFLICT');
  });

  it('should refuse empty, too long and control-character display names', () => {
    for (const displayName of ['   ', 'x'.repeat(65), 'a\u0007b']) {
      given([])
        .when({ type: 'Register', address: 'cv1x', publicKey: 'pk', displayName, session })
        .thenThrows('BAD_INPUT');
    }
  });

  it('should change the display name, and record nothing when it is unchanged', () => {
    given([registered])
      .when({ type: 'ChangeDisplayName', displayName: 'Grace' })
      .thenEvents([{ type: 'DisplayNameChanged', data: { displayName: 'Grace' } }]);
    given([registered]).when({ type: 'ChangeDisplayName', displayName: 'Ada' }).thenEvents([]);
    given([]).when({ type: 'ChangeDisplayName', displayName: 'Grace' }).thenThrows('NOT_FOUND');
  });

  it('should record a vouching for a registered identity only, leaving its key and sessions', () => {
    const vouch = {
      site: 'https://shop.example',
      subject: 's1',
      name: null,
      nonce: 'n'.repeat(16),
      expiresAt: 9,
    };
    given([registered])
      .when({ type: 'VouchEmbedIdentity', ...vouch })
      .thenEvents([{ type: 'EmbedIdentityVouched', data: vouch }]);
    given([])
      .when({ type: 'VouchEmbedIdentity', ...vouch })
      .thenThrows('NOT_FOUND');
  });

  it('should start sessions only for a registered identity and end each once', () => {
    const start: IdentityCommand = {
      type: 'StartSession',
      sessionId: 's1',
      tokenHash: 'h',
      expiresAt: 9,
      device: 'web',
    };
    given([]).when(start).thenThrows('NOT_FOUND');
    given([registered]).when(start).thenTypes(['SessionStarted']);
    const started = given([registered]).when(start).events;
    const end: IdentityCommand = { type: 'EndSession', sessionId: 's1', reason: 'signed_out' };
    given([registered, ...started])
      .when(end)
      .thenEvents([{ type: 'SessionEnded', data: { sessionId: 's1', reason: 'signed_out' } }]);
    const ended = given([registered, ...started]).when(end).events;
    given([registered, ...started, ...ended])
      .when(end)
      .thenEvents([]);
  });

  it('should end every live session of an identity at once, skipping expired and ended ones', () => {
    const start = (sessionId: string, expiresAt: number): IdentityEvent => ({
      type: 'SessionStarted',
      data: { sessionId, tokenHash: `h-${sessionId}`, expiresAt, device: 'web' },
    });
    const history: IdentityEvent[] = [
      registered,
      start('s1', 100),
      start('s2', 100),
      start('old', 10),
      start('gone', 100),
      { type: 'SessionEnded', data: { sessionId: 'gone', reason: 'signed_out' } },
    ];
    const everywhere: IdentityCommand = { type: 'EndAllSessions', at: 50 };
    given(history)
      .when(everywhere)
      .thenEvents([
        { type: 'SessionEnded', data: { sessionId: 's1', reason: 'signed_out_everywhere' } },
        { type: 'SessionEnded', data: { sessionId: 's2', reason: 'signed_out_everywhere' } },
      ]);
    const ended = given(history).when(everywhere).events;
    given([...history, ...ended])
      .when(everywhere)
      .thenEvents([]);
    given([]).when(everywhere).thenThrows('NOT_FOUND');
  });
});
