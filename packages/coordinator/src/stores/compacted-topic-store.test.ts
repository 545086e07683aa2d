import { describe, expect, it } from 'vitest';
import type {
  FetchResult,
  Log,
  LogRecord,
  PartitionFetchResult,
  PartitionOffsets,
  PartitionPosition,
} from '@sluice/log';
import { OffsetOutOfRangeError } from '@sluice/log';
import { CompactedTopicStore } from './compacted-topic-store.js';

const record = (offset: number): LogRecord => ({
  topic: 'state',
  partition: 0,
  offset,
  timestamp: 0,
  key: Buffer.from('k'),
  value: Buffer.from(String(offset)),
  headers: [],
});

/** A store that remembers the offsets it applied. */
class Recorder extends CompactedTopicStore<number> {
  readonly applied: number[] = [];

  static async open(log: Log): Promise<Recorder> {
    const store = new Recorder(log, 'state');
    await store.load({ name: 'state' });
    return store;
  }

  protected apply(applied: LogRecord, emit: (change: number) => void): void {
    this.applied.push(applied.offset);
    emit(applied.offset);
  }
}

/** A one-partition compacted log with just the methods the store uses. */
function fakeLog(parts: {
  offsets: () => PartitionOffsets[];
  fetch?: (offset: number) => FetchResult;
  poll?: (positions: readonly PartitionPosition[]) => Promise<PartitionFetchResult[]>;
}): { log: Log; fetches: number[] } {
  const fetches: number[] = [];
  const log = {
    ensureTopic: () =>
      Promise.resolve({ name: 'state', partitions: 1, configs: { 'cleanup.policy': 'compact' } }),
    offsets: () => Promise.resolve(parts.offsets()),
    fetch: (_topic: string, _partition: number, offset: number): Promise<FetchResult> => {
      fetches.push(offset);
      // A turn of the event loop per fetch, as real I/O takes: a read that never ends still lets time pass.
      return new Promise((resolve) => setImmediate(() => resolve(parts.fetch!(offset))));
    },
    openReader: () =>
      Promise.resolve({
        fetchPartitions: (_topic: string, positions: readonly PartitionPosition[]) => parts.poll!(positions),
        fetchTopicPartitions: () => Promise.reject(new Error('a store reads one topic')),
        close: () => Promise.resolve(),
      }),
  } as Partial<Log> as Log;
  return { log, fetches };
}

describe('CompactedTopicStore', () => {
  it('ends a read when compaction left only records at or past the end it read to', async () => {
    // The end was 2 when read; offsets 0 and 1 were compacted away since, and 2 was written.
    const { log, fetches } = fakeLog({
      offsets: () => [{ partition: 0, beginning: 0, end: 2 }],
      fetch: () => ({ records: [record(2)], highWatermark: 3 }),
    });
    const outcome = await Promise.race([
      Recorder.open(log).then((store) => store.applied),
      new Promise((resolve) => setTimeout(() => resolve('still reading'), 2000)),
    ]);
    expect(outcome).toEqual([]);
    expect(fetches).toEqual([0]);
  }, 10_000);

  it('starts over from the log start when its position fell out of the log', async () => {
    // Records up to 4 were read, then the topic was recreated: it now holds offsets 0 to 1.
    let recreated = false;
    const polled: number[] = [];
    const { log } = fakeLog({
      offsets: () => [{ partition: 0, beginning: 0, end: recreated ? 2 : 5 }],
      fetch: (offset) => ({ records: [record(offset)], highWatermark: 5 }),
      poll: ([position]) => {
        polled.push(position!.offset);
        if (position!.offset === 5) {
          recreated = true;
          return Promise.reject(new OffsetOutOfRangeError('state', 0, 5, 0, 2));
        }
        if (position!.offset === 0) {
          return Promise.resolve([
            { partition: 0, records: [record(0), record(1)], highWatermark: 2, nextOffset: 2 },
          ]);
        }
        return new Promise((resolve) => setTimeout(() => resolve([]), 50));
      },
    });
    const store = await Recorder.open(log);
    const errors: string[] = [];
    store.onError((error) => errors.push(error.code));
    await store.start();
    await store.readToEnd();
    await store.close();
    expect(store.applied).toEqual([0, 1, 2, 3, 4, 0, 1]);
    expect(polled.slice(0, 2)).toEqual([5, 0]);
    expect(errors).toEqual(['SLUICE_STORE_FOLLOW_FAILED']);
  });
});
