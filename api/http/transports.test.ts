import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptsJson } from './transports.ts';

describe('acceptsJson', () => {
  it('should admit JSON when the Accept header is absent or names a JSON type or wildcard', () => {
    for (const accept of [
      null,
      '',
      '*/*',
      'application/*',
      'application/json',
      'text/event-stream, application/json',
    ])
      assert.equal(acceptsJson(accept), true, String(accept));
    assert.equal(acceptsJson('Application/GraphQL-Response+JSON; charset=UTF-8'), true);
  });

  it('should refuse when only streams, HTML or another charset would do', () => {
    for (const accept of [
      'text/event-stream',
      'multipart/mixed',
      'text/html',
      'application/json; charset=latin1',
    ])
      assert.equal(acceptsJson(accept), false, accept);
  });
});
