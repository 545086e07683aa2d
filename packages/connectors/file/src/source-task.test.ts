import { execFileSync } from 'node:child_process';
import { appendFile, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Schema, type OffsetStorageReader, type SourceRecord } from '@sluice/sdk';
import { DEFAULT_BUFFER_SIZE, MAX_LINE_BYTES } from './line-buffer.js';
import { FileStreamSourceTask, IDLE_WAIT_MS } from './source-task.js';

let dir: string;
let tasks: FileStreamSourceTask[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-file-source-'));
  tasks = [];
});

afterEach(async () => {
  await Promise.all(tasks.map((task) => task.stop()));
  await rm(dir, { recursive: true, force: true });
});

/** A started task whose offset reader returns `committed` for the file's partition. */
async function startTask(
  props: Record<string, string>,
  committed: Record<string, unknown> | null = null,
): Promise<FileStreamSourceTask> {
  const reader: OffsetStorageReader = {
    offset: (partition) => Promise.resolve(partition.filename === props.file ? committed : null),
    offsets: () => Promise.reject(new Error('not used')),
  };
  const task = new FileStreamSourceTask();
  tasks.push(task);
  task.initialize({ configs: () => props, offsetStorageReader: reader });
  await task.start(props);
  return task;
}

function summary(records: SourceRecord[] | null): [unknown, unknown][] {
  return (records ?? []).map((r) => [r.value, r.sourceOffset?.position]);
}

/** Polls until `count` records arrived or `timeoutMs` passed. */
async function pollFor(task: FileStreamSourceTask, count: number, timeoutMs = 5000): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline) records.push(...((await task.poll()) ?? []));
  return records;
}

describe('FileStreamSourceTask', () => {
  it('reads lines with mixed line ends into records with byte offsets', async () => {
    const file = join(dir, 'in.txt');
    await writeFile(file, 'one\r\ntwo\nthree\rfour\n');
    const task = await startTask({ file, topic: 'lines' });
    const records = await task.poll();
    expect(summary(records)).toEqual([
      ['one', 5n],
      ['two', 9n],
      ['three', 15n],
      ['four', 20n],
    ]);
    const first = records?.[0];
    expect(first?.topic).toBe('lines');
    expect(first?.sourcePartition).toEqual({ filename: file });
    expect(first?.valueSchema).toBe(Schema.STRING_SCHEMA);
    expect(first?.key).toBeNull();
    expect(first?.keySchema).toBeNull();
    expect(first?.kafkaPartition).toBeNull();
    expect(typeof first?.timestamp).toBe('number');
  });

  it('returns at most batch.size records per poll', async () => {
    const file = join(dir, 'in.txt');
    await writeFile(file, 'a\nb\nc\nd\ne\n');
    const task = await startTask({ file, topic: 't', 'batch.size': '2' });
    expect(summary(await task.poll())).toEqual([
      ['a', 2n],
      ['b', 4n],
    ]);
    expect(summary(await task.poll())).toEqual([
      ['c', 6n],
      ['d', 8n],
    ]);
    expect(summary(await task.poll())).toEqual([['e', 10n]]);
  });

  it('uses the default batch.size of 2000', async () => {
    const file = join(dir, 'in.txt');
    await writeFile(file, Array.from({ length: 2500 }, (_, i) => `line ${i}\n`).join(''));
    const task = await startTask({ file, topic: 't' });
    expect((await task.poll())?.length).toBe(2000);
    expect((await task.poll())?.length).toBe(500);
  });

  it('resumes after the committed position, given as a bigint or a number', async () => {
    const file = join(dir, 'in.txt');
    await writeFile(file, 'first\nsecond\nthird\n');
    const fromBigint = await startTask({ file, topic: 't' }, { position: 6n });
    expect(summary(await fromBigint.poll())).toEqual([
      ['second', 13n],
      ['third', 19n],
    ]);
    const fromNumber = await startTask({ file, topic: 't' }, { position: 13 });
    expect(summary(await fromNumber.poll())).toEqual([['third', 19n]]);
  });

  it('fails on a committed position that is not an integer', async () => {
    const file = join(dir, 'in.txt');
    await writeFile(file, 'x\n');
    const task = await startTask({ file, topic: 't' }, { position: '6' });
    await expect(task.poll()).rejects.toThrow('Offset position is the incorrect type');
  });

  it('waits briefly at the end of the file and then reads lines appended later', async () => {
    const file = join(dir, 'in.txt');
    await writeFile(file, 'a\npart');
    const task = await startTask({ file, topic: 't' });
    expect(summary(await task.poll())).toEqual([['a', 2n]]);
    const started = Date.now();
    expect(await task.poll()).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_WAIT_MS - 10);
    await appendFile(file, 'ial\nb\n');
    expect(summary(await pollFor(task, 2))).toEqual([
      ['partial', 10n],
      ['b', 12n],
    ]);
  });

  it('waits for a file that does not exist yet', async () => {
    const file = join(dir, 'later.txt');
    const task = await startTask({ file, topic: 't' });
    expect(await task.poll()).toBeNull();
    await writeFile(file, 'hello\n');
    expect(summary(await pollFor(task, 1))).toEqual([['hello', 6n]]);
  });

  it('decodes a multi-byte character split across two reads of the file', async () => {
    const file = join(dir, 'in.txt');
    // The first read ends after the first byte of "é"; the next line crosses the second boundary too.
    const head = 'x'.repeat(DEFAULT_BUFFER_SIZE - 1);
    const tail = `${'y'.repeat(DEFAULT_BUFFER_SIZE - 4)}😀z`;
    await writeFile(file, `${head}é\n${tail}\n`);
    const task = await startTask({ file, topic: 't' });
    const records = await pollFor(task, 2);
    expect(records.map((r) => r.value)).toEqual([`${head}é`, tail]);
    expect(records[1]?.sourceOffset?.position).toBe(BigInt(Buffer.byteLength(`${head}é\n${tail}\n`)));
  });

  it('stops promptly while a poll waits', async () => {
    const file = join(dir, 'missing.txt');
    const task = await startTask({ file, topic: 't' });
    const polling = task.poll();
    const started = Date.now();
    await task.stop();
    expect(await polling).toBeNull();
    expect(Date.now() - started).toBeLessThan(IDLE_WAIT_MS);
    expect(await task.poll()).toBeNull();
  });

  it('fails on a device or a FIFO at once, instead of reading it without end or waiting for a writer', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    for (const file of ['/dev/zero', fifo]) {
      const task = await startTask({ file, topic: 'lines' });
      const startedAt = Date.now();
      await expect(task.poll()).rejects.toThrow(
        `${file} is not a regular file; FileStreamSource reads regular files`,
      );
      expect(Date.now() - startedAt).toBeLessThan(1_000);
    }
  });

  it('fails on a line longer than 64 MiB rather than growing its buffer without bound', async () => {
    // A sparse file of zeros: no line end anywhere.
    const file = join(dir, 'zeros.bin');
    await writeFile(file, '');
    await truncate(file, MAX_LINE_BYTES + 1);
    const task = await startTask({ file, topic: 'lines' });
    await expect(pollFor(task, 1, 30_000)).rejects.toThrow(`a line is longer than ${MAX_LINE_BYTES} bytes`);
  });

  it('rejects a config without topic or with a topic list', async () => {
    await expect(startTask({ file: 'f' })).rejects.toThrow(
      'Missing required configuration "topic" which has no default value.',
    );
    await expect(startTask({ file: 'f', topic: 'a,b' })).rejects.toThrow(
      "'topic' in FileStreamSourceConnector configuration requires definition of a single topic",
    );
  });
});
