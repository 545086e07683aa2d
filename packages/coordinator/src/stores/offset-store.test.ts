import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedLog } from '@sluice/log';
import { OffsetStore } from './offset-store.js';

describe('OffsetStore and stored state it cannot use', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('opens over deeply nested partitions (a connector bug or an older REST API), at every start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-offsets-'));
    dirs.push(dir);
    const nest = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    let log = await EmbeddedLog.open({ dataDir: dir });
    await OffsetStore.open(log, { name: 'offsets', replicationFactor: 1 });
    await log.produce('offsets', [
      { key: `["c",${nest(3000)}]`, value: '{"position":1}' },
      { key: `["c",${nest(100_000)}]`, value: '{"position":2}' },
      { key: '["c",{"file":"x","line":{"b":1,"a":2}}]', value: '{"position":3}' },
    ]);
    await log.close();
    log = await EmbeddedLog.open({ dataDir: dir });
    try {
      const store = await OffsetStore.open(log, { name: 'offsets', replicationFactor: 1 });
      // The one too deep to compare is left out; key order does not matter.
      expect(store.offsets('c').map((o) => o.offset)).toEqual([{ position: 1 }, { position: 3 }]);
      expect(store.offset('c', { line: { a: 2, b: 1 }, file: 'x' })).toEqual({ position: 3 });
    } finally {
      await log.close();
    }
  });

  it("keeps only its connector's offsets when told one, and writes and reads them as any store does", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-offsets-'));
    dirs.push(dir);
    const log = await EmbeddedLog.open({ dataDir: dir });
    try {
      const all = await OffsetStore.open(log, { name: 'offsets', replicationFactor: 1 });
      await all.write('a', [{ partition: { file: 'x' }, offset: { position: 1 } }]);
      await all.write('b', [{ partition: { file: 'x' }, offset: { position: 2 } }]);
      const onlyA = await OffsetStore.open(
        log,
        { name: 'offsets', replicationFactor: 1 },
        { connector: 'a' },
      );
      expect(onlyA.offset('a', { file: 'x' })).toEqual({ position: 1 });
      expect(onlyA.offsets('b')).toEqual([]);

      await onlyA.write('a', [{ partition: { file: 'x' }, offset: { position: 3 } }]);
      await all.write('b', [{ partition: { file: 'y' }, offset: { position: 4 } }]);
      await Promise.all([onlyA.refresh(), all.refresh()]);
      expect(onlyA.offset('a', { file: 'x' })).toEqual({ position: 3 });
      expect(onlyA.offsets('b')).toEqual([]);
      expect(all.offsets('b').map((o) => o.offset)).toEqual([{ position: 2 }, { position: 4 }]);
      expect(all.offset('a', { file: 'x' })).toEqual({ position: 3 });
    } finally {
      await log.close();
    }
  });

  it('takes the newer record when a source partition has records in two topic partitions, whichever is read last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-offsets-'));
    dirs.push(dir);
    const log = await EmbeddedLog.open({ dataDir: dir });
    try {
      const spec = { name: 'offsets', partitions: 5, replicationFactor: 1 };
      await OffsetStore.open(log, spec);
      // Key bytes differ (Connect's map order, or a key edited in place), so they sat in other partitions.
      // The stale record is in a higher partition for one source partition and in a lower one for the other.
      await log.produce('offsets', [
        { partition: 4, key: '["c",{"file":"a","n":1}]', value: '{"position":1}', timestamp: 1_000 },
        { partition: 1, key: '["c",{"n":1,"file":"a"}]', value: '{"position":2}', timestamp: 2_000 },
        { partition: 1, key: '["c",{"file":"b"}]', value: '{"position":10}', timestamp: 1_000 },
        { partition: 3, key: '["c",{"file":"b"}]', value: '{"position":20}', timestamp: 2_000 },
        { partition: 0, key: '["c",{"file":"gone"}]', value: '{"position":5}', timestamp: 1_000 },
        { partition: 2, key: '["c",{"file":"gone"}]', value: null, timestamp: 2_000 },
        { partition: 4, key: '["c",{"file":"gone"}]', value: '{"position":4}', timestamp: 500 },
      ]);
      const store = await OffsetStore.open(log, spec, { connector: 'c' });
      expect(store.offset('c', { file: 'a', n: 1 })).toEqual({ position: 2 });
      expect(store.offset('c', { file: 'b' })).toEqual({ position: 20 });
      expect(store.offset('c', { file: 'gone' })).toBeUndefined();

      // Within one topic partition the later record wins, whatever its timestamp says.
      await log.produce('offsets', [
        { partition: 1, key: '["c",{"n":1,"file":"a"}]', value: '{"position":3}', timestamp: 1_500 },
      ]);
      await store.refresh();
      expect(store.offset('c', { file: 'a', n: 1 })).toEqual({ position: 3 });
      // A write of the store's own goes where the partitioner puts it, and is newer than both.
      await store.write('c', [{ partition: { file: 'b' }, offset: { position: 30 } }]);
      const reopened = await OffsetStore.open(log, spec, { connector: 'c' });
      expect(reopened.offset('c', { file: 'b' })).toEqual({ position: 30 });
    } finally {
      await log.close();
    }
  });
});
