import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Decider } from './decider.ts';
import { deciderSpec, decisionSpec } from './decider-spec.ts';
import { DomainError } from './errors.ts';

type Counted = { type: 'Counted'; data: { n: number } };
/** A counter that refuses to go past 2: small enough to see every outcome of the helper. */
const counter: Decider<'add', Counted, number> = {
  initial: () => 0,
  evolve: (_s, e) => e.data.n,
  decide: (_c, s) => {
    if (s >= 2) throw new DomainError('CONFLICT', 'full');
    return [{ type: 'Counted', data: { n: s + 1 } }];
  },
};
const counted = (n: number): Counted => ({ type: 'Counted', data: { n } });

describe('decider specification', () => {
  const { given } = deciderSpec(counter);

  it('should fold the given events before deciding', () => {
    given([])
      .when('add')
      .thenEvents([counted(1)]);
    given([counted(1)])
      .when('add')
      .thenEvents([counted(2)]);
    given([counted(1)])
      .when('add')
      .thenTypes(['Counted']);
    assert.deepEqual(given([counted(1)]).when('add').events, [counted(2)]);
  });

  it('should fail when the events, types or error differ from the expected ones', () => {
    assert.throws(
      () =>
        given([])
          .when('add')
          .thenEvents([counted(2)]),
      assert.AssertionError,
    );
    assert.throws(() => given([]).when('add').thenTypes([]), assert.AssertionError);
    assert.throws(() => given([]).when('add').thenThrows('CONFLICT'), assert.AssertionError);
    assert.throws(
      () =>
        given([counted(2)])
          .when('add')
          .thenThrows('BAD_INPUT'),
      assert.AssertionError,
    );
    given([counted(2)])
      .when('add')
      .thenThrows('CONFLICT');
  });

  it('should decide on a given state when there is no stream to fold', () => {
    const spec = decisionSpec(counter.decide);
    spec
      .given(1)
      .when('add')
      .thenEvents([counted(2)]);
    spec.given(2).when('add').thenThrows('CONFLICT');
  });
});
