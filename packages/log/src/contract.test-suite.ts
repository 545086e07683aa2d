import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '@sluice/test-kit';
import type { Header, Log, LogReader, LogRecord, TopicSpec } from './types.js';

/**
 * The behaviour every `Log` backend must have. Each backend's test file calls this with a way to open
 * its log; every test works on topics and groups of its own and deletes its topics afterwards.
 */
export function describeLogContract(backend: string, open: () => Promise<Log>): void {
  describe(`Log contract: ${backend}`, () => {
    let log: Log;
    const created: string[] = [];

    beforeAll(async () => {
      log = await open();
    });
    afterEach(async () => {
      for (const name of created.splice(0)) await log.deleteTopic(name).catch(() => undefined);
    });
    afterAll(async () => {
      await log?.close();
    });

    async function topic(spec: Partial<TopicSpec> = {}): Promise<string> {
      const name = uniqueName('contract');
      await log.createTopic({ name, ...spec });
      created.push(name);
      return name;
    }

    /** Reads a partition from `from` to its current end. */
    async function readAll(name: string, partition: number, from = 0): Promise<LogRecord[]> {
      const end = (await log.offsets(name)).find((p) => p.partition === partition)!.end;
      const out: LogRecord[] = [];
      let offset = from;
      while (offset < end) {
        const { records } = await log.fetch(name, partition, offset, { maxWaitMs: 1000 });
        if (records.length === 0) continue;
        out.push(...records);
        offset = records[records.length - 1]!.offset + 1;
      }
      return out;
    }

    const text = (buffer: Buffer | null) => buffer?.toString('utf8') ?? null;

    it('has a stable cluster id', async () => {
      const id = await log.clusterId();
      expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(await log.clusterId()).toBe(id);
    });

    it('keeps order within a partition and gives offsets that increase without gaps', async () => {
      const name = await topic({ partitions: 3 });
      const positions = [];
      for (let batch = 0; batch < 3; batch++) {
        const records = Array.from({ length: 30 }, (_, i) => ({
          partition: i % 3,
          value: `b${batch}-r${i}`,
        }));
        positions.push(...(await log.produce(name, records)));
      }
      for (let partition = 0; partition < 3; partition++) {
        const mine = positions.filter((p) => p.partition === partition).map((p) => p.offset);
        expect(mine).toEqual(Array.from({ length: 30 }, (_, i) => i));
        const records = await readAll(name, partition);
        expect(records.map((r) => r.offset)).toEqual(mine);
        const expected = [0, 1, 2].flatMap((batch) =>
          Array.from({ length: 30 }, (_, i) => i)
            .filter((i) => i % 3 === partition)
            .map((i) => `b${batch}-r${i}`),
        );
        expect(records.map((r) => text(r.value))).toEqual(expected);
        expect(records.every((r) => r.topic === name && r.partition === partition)).toBe(true);
      }
      expect(await log.offsets(name)).toEqual([
        { partition: 0, beginning: 0, end: 30 },
        { partition: 1, beginning: 0, end: 30 },
        { partition: 2, beginning: 0, end: 30 },
      ]);
    });

    it('round-trips headers (ordered, duplicate keys, null values), null keys, null values and timestamps', async () => {
      const name = await topic();
      const headers: Header[] = [
        { key: 'trace', value: Buffer.from('a') },
        { key: 'ünï', value: Buffer.from([0, 255, 1]) },
        { key: 'nothing', value: null },
        { key: 'empty', value: Buffer.alloc(0) },
      ];
      await log.produce(name, [
        { key: 'k', value: 'v', headers, timestamp: 1_700_000_000_123 },
        { key: null, value: 'no key' },
        { key: 'no value', value: null },
        { key: Buffer.from([1, 2, 3]), value: Buffer.alloc(0) },
      ]);
      const [first, second, third, fourth] = await readAll(name, 0);
      expect(text(first!.key)).toBe('k');
      expect(first!.headers.map((h) => [h.key, h.value === null ? null : [...h.value]])).toEqual([
        ['trace', [97]],
        ['ünï', [0, 255, 1]],
        ['nothing', null],
        ['empty', []],
      ]);
      expect(first!.timestamp).toBe(1_700_000_000_123);
      expect(second!.key).toBeNull();
      expect(text(second!.value)).toBe('no key');
      expect(second!.headers).toEqual([]);
      expect(Math.abs(second!.timestamp - Date.now())).toBeLessThan(60_000);
      expect(third!.value).toBeNull();
      expect([...fourth!.key!]).toEqual([1, 2, 3]);
      expect(fourth!.value).not.toBeNull();
      expect(fourth!.value!.length).toBe(0);
    });

    it('puts equal keys in the same partition and spreads distinct keys', async () => {
      const name = await topic({ partitions: 4 });
      const positions = await log.produce(
        name,
        Array.from({ length: 200 }, (_, i) => ({ key: `key-${i % 20}`, value: `${i}` })),
      );
      const partitionOf = new Map<string, number>();
      positions.forEach((p, i) => {
        const key = `key-${i % 20}`;
        expect(partitionOf.get(key) ?? p.partition).toBe(p.partition);
        partitionOf.set(key, p.partition);
      });
      expect(new Set(partitionOf.values()).size).toBeGreaterThan(1);
    });

    it('takes a 100k-record batch and gives every record back', async () => {
      const name = await topic();
      const count = 100_000;
      const records = Array.from({ length: count }, (_, i) => ({
        key: `k${i}`,
        value: `value-${i}-${'x'.repeat(80)}`,
      }));
      const positions = await log.produce(name, records);
      expect(positions).toHaveLength(count);
      expect(positions[0]).toEqual({ partition: 0, offset: 0 });
      expect(positions[count - 1]).toEqual({ partition: 0, offset: count - 1 });
      const back = await readAll(name, 0);
      expect(back).toHaveLength(count);
      for (let i = 0; i < count; i += 997) {
        expect(back[i]!.offset).toBe(i);
        expect(text(back[i]!.key)).toBe(`k${i}`);
        expect(text(back[i]!.value)).toBe(records[i]!.value);
      }
      expect(text(back[count - 1]!.value)).toBe(records[count - 1]!.value);
    });

    it('gives the latest value per key of a compacted topic, dropping keys whose latest is a tombstone', async () => {
      const name = await topic({ configs: { 'cleanup.policy': 'compact' } });
      expect((await log.describeTopic(name))?.configs['cleanup.policy']).toBe('compact');
      await log.produce(name, [
        { key: 'k1', value: 'a' },
        { key: 'k2', value: 'b' },
        { key: 'k1', value: 'c' },
        { key: 'k3', value: 'd' },
      ]);
      await log.produce(name, [
        { key: 'k2', value: null },
        { key: 'k4', value: 'e' },
        { key: 'k4', value: null },
        { key: 'k4', value: 'f' },
      ]);
      const latest = await log.latestByKey(name);
      expect(latest.map((r) => [text(r.key), text(r.value)])).toEqual([
        ['k1', 'c'],
        ['k3', 'd'],
        ['k4', 'f'],
      ]);
      expect(latest.map((r) => r.offset)).toEqual([2, 3, 7]);
    });

    it('rejects a record without a key on a compacted topic and writes nothing of that batch', async () => {
      const name = await topic({ configs: { 'cleanup.policy': 'compact' } });
      await expect(
        log.produce(name, [
          { key: 'fine', value: '1' },
          { key: null, value: '2' },
        ]),
      ).rejects.toMatchObject({ code: 'SLUICE_INVALID_RECORD', message: expect.stringMatching(/key/) });
      expect(await log.offsets(name)).toEqual([{ partition: 0, beginning: 0, end: 0 }]);
    });

    it('commits and fetches consumer-group offsets', async () => {
      const first = await topic({ partitions: 2 });
      const second = await topic();
      const group = uniqueName('contract-group');
      expect(await log.fetchGroupOffsets(group)).toEqual([]);
      await log.commitGroupOffsets(group, [
        { topic: first, partition: 0, offset: 5 },
        { topic: first, partition: 1, offset: 7 },
        { topic: second, partition: 0, offset: 1 },
      ]);
      await log.commitGroupOffsets(group, [{ topic: first, partition: 0, offset: 6 }]);
      expect(await log.fetchGroupOffsets(group, first)).toEqual([
        { topic: first, partition: 0, offset: 6 },
        { topic: first, partition: 1, offset: 7 },
      ]);
      const all = await log.fetchGroupOffsets(group);
      expect(all.map((o) => `${o.topic}/${o.partition}=${o.offset}`).sort()).toEqual(
        [`${first}/0=6`, `${first}/1=7`, `${second}/0=1`].sort(),
      );
      expect(await log.fetchGroupOffsets(uniqueName('other-group'), first)).toEqual([]);

      // Some partitions forgotten, then all; a group with none is no error.
      await log.deleteGroupOffsets(group, [{ topic: first, partition: 1 }]);
      expect(
        (await log.fetchGroupOffsets(group)).map((o) => `${o.topic}/${o.partition}=${o.offset}`).sort(),
      ).toEqual([`${first}/0=6`, `${second}/0=1`].sort());
      await log.deleteGroupOffsets(group);
      expect(await log.fetchGroupOffsets(group)).toEqual([]);
      await log.deleteGroupOffsets(group);
      await log.deleteGroupOffsets(uniqueName('never-group'), [{ topic: first, partition: 0 }]);
    });

    it.each([
      ['', /empty/],
      ['.', /'\.'/],
      ['..', /'\.\.'/],
      ['a'.repeat(250), /249/],
      ['has space', /illegal/],
      ['has/slash', /illegal/],
      ['ünïcode', /illegal/],
    ])('rejects the topic name %j with a clear error and creates nothing', async (name, message) => {
      await expect(log.createTopic({ name })).rejects.toMatchObject({
        code: 'SLUICE_INVALID_TOPIC',
        message,
      });
      await expect(log.produce(name, [{ value: 'x' }])).rejects.toMatchObject({
        code: 'SLUICE_INVALID_TOPIC',
      });
      // Nothing under that name, nor cut to a legal length (other tests may create topics meanwhile).
      const after = await log.listTopics();
      expect(after).not.toContain(name);
      expect(after).not.toContain(name.slice(0, 249));
    });

    it('accepts a topic name of exactly 249 legal characters', async () => {
      const name = `${uniqueName('long')}-`.padEnd(249, 'a.b_c-');
      expect(name).toHaveLength(249);
      await log.createTopic({ name });
      created.push(name);
      expect(await log.listTopics()).toContain(name);
    });

    it('creates, describes, ensures and deletes topics', async () => {
      const name = await topic({ partitions: 2 });
      await expect(log.createTopic({ name })).rejects.toMatchObject({ code: 'SLUICE_TOPIC_EXISTS' });
      expect(await log.ensureTopic({ name, partitions: 5 })).toMatchObject({ name, partitions: 2 });
      const description = await log.describeTopic(name);
      expect(description).toMatchObject({ name, partitions: 2 });
      expect(description!.configs['cleanup.policy']).toBe('delete');
      expect(await log.partitionCount(name)).toBe(2);
      expect(await log.listTopics()).toContain(name);
      await log.deleteTopic(name);
      expect(await log.describeTopic(name)).toBeUndefined();
      expect(await log.partitionCount(name)).toBeUndefined();
      expect(await log.listTopics()).not.toContain(name);
      const started = Date.now();
      await expect(log.deleteTopic(name)).rejects.toMatchObject({
        code: 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION',
      });
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('reports unknown topics and partitions, and offsets out of range', async () => {
      const missing = uniqueName('missing');
      await expect(log.produce(missing, [{ value: 'x' }])).rejects.toMatchObject({
        code: 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION',
      });
      await expect(log.fetch(missing, 0, 0)).rejects.toMatchObject({
        code: 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION',
      });
      await expect(log.offsets(missing)).rejects.toMatchObject({
        code: 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION',
        message: `topic '${missing}' does not exist`,
      });
      const name = await topic();
      await expect(log.produce(name, [{ value: 'x', partition: 3 }])).rejects.toMatchObject({
        code: 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION',
      });
      await expect(log.fetch(name, 3, 0)).rejects.toMatchObject({
        code: 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION',
      });
      await log.produce(name, [{ value: 'x' }]);
      await expect(log.fetch(name, 0, 5)).rejects.toMatchObject({ code: 'SLUICE_OFFSET_OUT_OF_RANGE' });
    });

    it('returns nothing at the end of a partition, and waits for new records when asked to', async () => {
      const name = await topic();
      await log.produce(name, [{ value: 'one' }]);
      const atEnd = await log.fetch(name, 0, 1);
      expect(atEnd).toEqual({ records: [], highWatermark: 1 });
      const started = Date.now();
      const waiting = log.fetch(name, 0, 1, { maxWaitMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      await log.produce(name, [{ value: 'two' }]);
      const { records, highWatermark } = await waiting;
      expect(records.map((r) => text(r.value))).toEqual(['two']);
      expect(highWatermark).toBe(2);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    describe('reader', () => {
      const readers: LogReader[] = [];
      afterEach(async () => {
        for (const reader of readers.splice(0)) await reader.close();
      });
      async function reader(): Promise<LogReader> {
        const opened = await log.openReader();
        readers.push(opened);
        return opened;
      }

      it('reads several partitions in one call, each from its own offset, and says where to go on', async () => {
        const name = await topic({ partitions: 3 });
        // One produce per partition: on Kafka, a partition of a new topic whose leader is not ready yet fails
        // the whole request, and the client's retry writes the other partition's records again.
        await log.produce(name, [
          { value: 'a0', partition: 0 },
          { value: 'a1', partition: 0 },
        ]);
        await log.produce(name, [{ value: 'b0', partition: 1 }]);
        const results = await (
          await reader()
        ).fetchPartitions(name, [
          { partition: 0, offset: 1 },
          { partition: 1, offset: 0 },
          { partition: 2, offset: 0 },
        ]);
        const byPartition = new Map(results.map((r) => [r.partition, r]));
        expect(
          byPartition.get(0)?.records.map((r) => [r.topic, r.partition, r.offset, text(r.value)]),
        ).toEqual([[name, 0, 1, 'a1']]);
        expect(byPartition.get(0)).toMatchObject({ highWatermark: 2, nextOffset: 2 });
        expect(byPartition.get(1)?.records.map((r) => text(r.value))).toEqual(['b0']);
        expect(byPartition.get(1)?.nextOffset).toBe(1);
        expect(byPartition.get(2) ?? { records: [], nextOffset: 0 }).toMatchObject({
          records: [],
          nextOffset: 0,
        });
      });

      it('waits on every partition at once and answers as soon as one of them gets a record', async () => {
        const name = await topic({ partitions: 5 });
        const positions = [0, 1, 2, 3, 4].map((partition) => ({ partition, offset: 0 }));
        const polling = await reader();
        const quiet = Date.now();
        expect(
          (await polling.fetchPartitions(name, positions, { maxWaitMs: 300 })).flatMap((r) => r.records),
        ).toEqual([]);
        expect(Date.now() - quiet).toBeGreaterThanOrEqual(250);

        const started = Date.now();
        const waiting = polling.fetchPartitions(name, positions, { maxWaitMs: 10_000 });
        await new Promise((resolve) => setTimeout(resolve, 200));
        const written = Date.now();
        await log.produce(name, [{ value: 'late', partition: 3 }]);
        const results = await waiting;
        const latency = Date.now() - written;
        expect(results.flatMap((r) => r.records.map((x) => [x.partition, text(x.value)]))).toEqual([
          [3, 'late'],
        ]);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(latency).toBeLessThan(1_000);
      });

      it("does not hold up the log's own requests while it waits", async () => {
        const name = await topic({ partitions: 2 });
        await log.produce(name, [{ value: 'x', partition: 0 }]);
        const polling = await reader();
        const waiting = polling
          .fetchPartitions(
            name,
            [
              { partition: 0, offset: 1 },
              { partition: 1, offset: 0 },
            ],
            { maxWaitMs: 3_000 },
          )
          .catch((error: unknown) => error);
        await new Promise((resolve) => setTimeout(resolve, 100));
        const started = Date.now();
        expect((await log.fetch(name, 0, 0)).records).toHaveLength(1);
        await log.offsets(name);
        const elapsed = Date.now() - started;
        expect(elapsed).toBeLessThan(1_500);
        await polling.close();
        await waiting;
      });

      it('ends a poll under way when closed, and then refuses to read', async () => {
        const name = await topic();
        const polling = await reader();
        const waiting = polling.fetchPartitions(name, [{ partition: 0, offset: 0 }], { maxWaitMs: 1_500 });
        await new Promise((resolve) => setTimeout(resolve, 200));
        const started = Date.now();
        let ended = 0;
        const outcome = waiting
          .then(
            (results) => results.flatMap((r) => r.records),
            (error: unknown) => (error as { code?: string }).code,
          )
          .finally(() => (ended = Date.now() - started));
        // Kafka lets a request under way finish before it closes a connection: at most the poll's wait.
        await polling.close();
        const closed = Date.now() - started;
        expect([[], 'SLUICE_LOG_CLOSED']).toContainEqual(await outcome);
        expect(ended).toBeLessThan(300);
        expect(closed).toBeLessThan(2_500);
        await expect(polling.fetchPartitions(name, [{ partition: 0, offset: 0 }])).rejects.toMatchObject({
          code: 'SLUICE_LOG_CLOSED',
        });
      });

      it('reads partitions of several topics in one poll, answering as soon as any of them gets a record', async () => {
        const a = await topic({ partitions: 2 });
        const b = await topic();
        await log.produce(a, [{ value: 'a1', partition: 1 }]);
        const polling = await reader();
        const positions = [
          { topic: a, partition: 0, offset: 0 },
          { topic: a, partition: 1, offset: 0 },
          { topic: b, partition: 0, offset: 0 },
        ];
        const first = await polling.fetchTopicPartitions(positions, { maxWaitMs: 5_000 });
        expect(
          first.flatMap((r) =>
            r.records.map((x) => [r.topic, r.partition, x.topic, x.partition, text(x.value)]),
          ),
        ).toEqual([[a, 1, a, 1, 'a1']]);
        expect(first.find((r) => r.topic === a && r.partition === 1)?.nextOffset).toBe(1);

        const idle = positions.map((p) => ({ ...p, offset: p.topic === a && p.partition === 1 ? 1 : 0 }));
        const waiting = polling.fetchTopicPartitions(idle, { maxWaitMs: 10_000 });
        await new Promise((resolve) => setTimeout(resolve, 200));
        const written = Date.now();
        await log.produce(b, [{ value: 'b0' }]);
        const results = await waiting;
        expect(results.flatMap((r) => r.records.map((x) => [x.topic, x.partition, text(x.value)]))).toEqual([
          [b, 0, 'b0'],
        ]);
        expect(Date.now() - written).toBeLessThan(1_000);
      });

      it('ends a poll when its signal aborts; the next poll from the same offsets gets what came meanwhile', async () => {
        const a = await topic();
        const b = await topic();
        const polling = await reader();
        const positions = [
          { topic: a, partition: 0, offset: 0 },
          { topic: b, partition: 0, offset: 0 },
        ];
        const abort = new AbortController();
        const waiting = polling.fetchTopicPartitions(positions, { maxWaitMs: 10_000, signal: abort.signal });
        await new Promise((resolve) => setTimeout(resolve, 200));
        const aborted = Date.now();
        abort.abort();
        expect((await waiting).flatMap((r) => r.records)).toEqual([]);
        expect(Date.now() - aborted).toBeLessThan(300);

        await log.produce(b, [{ value: 'later' }]);
        const records: LogRecord[] = [];
        const deadline = Date.now() + 10_000;
        while (records.length === 0 && Date.now() < deadline) {
          const results = await polling.fetchTopicPartitions(positions, { maxWaitMs: 1_000 });
          records.push(...results.flatMap((r) => r.records));
        }
        expect(records.map((r) => [r.topic, text(r.value)])).toEqual([[b, 'later']]);
      });

      it('names the topic and partition whose offset is out of range', async () => {
        const a = await topic();
        const b = await topic({ partitions: 2 });
        await log.produce(b, [{ value: 'x', partition: 1 }]);
        await expect(
          (await reader()).fetchTopicPartitions([
            { topic: a, partition: 0, offset: 0 },
            { topic: b, partition: 1, offset: 7 },
          ]),
        ).rejects.toMatchObject({
          code: 'SLUICE_OFFSET_OUT_OF_RANGE',
          topic: b,
          partition: 1,
          offset: 7,
          end: 1,
        });
      });

      it('names the partition whose offset is out of range', async () => {
        const name = await topic({ partitions: 2 });
        await log.produce(name, [{ value: 'x', partition: 1 }]);
        await expect(
          (await reader()).fetchPartitions(name, [
            { partition: 0, offset: 0 },
            { partition: 1, offset: 7 },
          ]),
        ).rejects.toMatchObject({ code: 'SLUICE_OFFSET_OUT_OF_RANGE', partition: 1, offset: 7, end: 1 });
      });
    });
  });
}
