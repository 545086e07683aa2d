import { describe, expect, it } from 'vitest';
import type { FetchResult, Log, LogRecord } from '@sluice/log';
import { TopicTail } from './topic-tail.js';

const record = (offset: number): LogRecord => ({
  topic: 'state',
  partition: 0,
  offset,
  timestamp: 0,
  key: Buffer.from('k'),
  value: Buffer.from(String(offset)),
  headers: [],
});

/** A compacted partition whose end was 2 when read; offsets 0 and 1 were compacted away since, 2 was written. */
function compactedLog(): { log: Log; fetches: number[] } {
  const fetches: number[] = [];
  const log = {
    offsets: () => Promise.resolve([{ partition: 0, beginning: 0, end: 2 }]),
    fetch: (_topic: string, _partition: number, offset: number): Promise<FetchResult> => {
      fetches.push(offset);
      // A turn of the event loop per fetch, as real I/O takes: a read that never ends still lets time pass.
      return new Promise((resolve) =>
        setImmediate(() => resolve({ records: [record(2)], highWatermark: 3 })),
      );
    },
  } as Partial<Log> as Log;
  return { log, fetches };
}

describe('TopicTail', () => {
  it('ends a read when compaction left only records at or past the end it read to', async () => {
    const { log, fetches } = compactedLog();
    const applied: number[] = [];
    const outcome = await Promise.race([
      new TopicTail(log, 'state').readToEnd((r) => applied.push(r.offset)).then(() => 'done'),
      new Promise((resolve) => setTimeout(() => resolve('still reading'), 2000)),
    ]);
    expect(outcome).toBe('done');
    expect(applied).toEqual([]);
    expect(fetches).toEqual([0]);
  }, 10_000);
});
