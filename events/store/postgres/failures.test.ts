import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidAppendError, StoreUnavailableError } from '../errors.ts';
import { isConnectionFailure, readError, storeError } from './failures.ts';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('PostgreSQL failure classification', () => {
  it('should call lost, refused and not-yet-accepting connections unavailable', () => {
    for (const e of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('terminating connection due to administrator command', '57P01'),
      withCode('the database system is starting up', '57P03'),
      withCode('sorry, too many clients already', '53300'),
      withCode('connection failure', '08006'),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      new Error('timeout exceeded when trying to connect'),
      new Error('wrapped', { cause: withCode('x', 'ECONNREFUSED') }),
      new AggregateError([withCode('x', 'ECONNREFUSED')], 'all addresses failed'),
    ]) {
      assert.equal(isConnectionFailure(e), true, e.message);
      assert.ok(storeError(e) instanceof StoreUnavailableError, e.message);
      assert.ok(readError(e) instanceof StoreUnavailableError, e.message);
    }
  });

  it('should not call a refused statement or a bug unavailable', () => {
    for (const e of [
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('password authentication failed', '28P01'),
      withCode('poisoned', 'P0001'),
      new TypeError('x is undefined'),
    ]) {
      assert.equal(isConnectionFailure(e), false, e.message);
      assert.equal(storeError(e), e);
    }
  });

  it('should make data PostgreSQL refuses (class 22) a bad append, and mark a commit whose outcome is unknown', () => {
    const bad = storeError(withCode('unsupported Unicode escape sequence', '22P05'));
    assert.ok(bad instanceof InvalidAppendError);
    const unknown = storeError(new Error('Connection terminated unexpectedly'), true);
    assert.ok(unknown instanceof StoreUnavailableError && unknown.outcomeUnknown);
    assert.match((unknown as Error).message, /retry with the same ids/);
  });
});
