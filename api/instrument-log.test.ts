import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InMemoryEventLog } from '../events/store/memory.ts';
import { instrumentLog } from './instrument-log.ts';
import { createMetrics } from './metrics.ts';

describe('instrumentLog', () => {
  it('should time every append through it and leave the log itself untouched', async () => {
    const log = new InMemoryEventLog();
    const append = log.append;
    const metrics = createMetrics();
    const timed = instrumentLog(log, metrics);
    await timed.append('s-1', [{ type: 'A', data: {} }]);
    await timed.append('s-1', [{ type: 'B', data: {} }], { expectedVersion: 1 });
    await log.append('s-2', [{ type: 'C', data: {} }]);
    assert.equal(log.append, append, 'no patching of the live object');
    const histogram = await metrics.appendSeconds.get();
    const count = histogram.values.find((v) => v.metricName === 'callvault_event_append_seconds_count');
    assert.equal(count?.value, 2, 'only appends through the decorator are timed');
    assert.equal(await timed.head(), 3);
    assert.equal(timed.kind, 'memory');
    assert.deepEqual(
      (await timed.readStream('s-1')).map((e) => e.type),
      ['A', 'B'],
    );
    await timed.close();
  });
});
