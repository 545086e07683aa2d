import { execFileSync } from 'node:child_process';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SinkRecord, Struct, SchemaBuilder, Schema, type SinkTaskContext } from '@sluice/sdk';
import { FileStreamSinkConnector } from './sink-connector.js';
import { FileStreamSinkTask, javaString } from './sink-task.js';

let dir: string;
let tasks: FileStreamSinkTask[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-file-sink-'));
  tasks = [];
});

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(tasks.map((task) => task.stop()));
  await rm(dir, { recursive: true, force: true });
});

async function startTask(props: Record<string, string>): Promise<FileStreamSinkTask> {
  const task = new FileStreamSinkTask();
  tasks.push(task);
  task.initialize({ configs: () => props } as unknown as SinkTaskContext);
  await task.start(props);
  return task;
}

function record(value: unknown, offset = 0): SinkRecord {
  return new SinkRecord({ topic: 't', kafkaPartition: 0, kafkaOffset: offset, value });
}

describe('FileStreamSinkTask', () => {
  it('creates the file and writes one line per record, in put order', async () => {
    const file = join(dir, 'out.txt');
    const task = await startTask({ file, topics: 't' });
    await task.put([record('line1'), record('line2')]);
    await task.put([]);
    await task.put([record('line3')]);
    await task.flush([]);
    expect(await readFile(file, 'utf8')).toBe('line1\nline2\nline3\n');
  });

  it('appends to an existing file', async () => {
    const file = join(dir, 'out.txt');
    await writeFile(file, 'before\n');
    const task = await startTask({ file });
    await task.put([record('after')]);
    await task.flush([]);
    expect(await readFile(file, 'utf8')).toBe('before\nafter\n');
  });

  it('writes null values as "null" and other values as Java prints them', async () => {
    const file = join(dir, 'out.txt');
    const task = await startTask({ file });
    const schema = SchemaBuilder.struct().field('id', Schema.INT32_SCHEMA).build();
    const values = [
      null,
      42,
      9007199254740993n,
      true,
      ['a', 'b'],
      new Map([['k', 1]]),
      new Struct(schema).put('id', 7),
    ];
    await task.put(values.map((value, i) => record(value, i)));
    await task.flush([]);
    expect(await readFile(file, 'utf8')).toBe(
      'null\n42\n9007199254740993\ntrue\n[a, b]\n{k=1}\nStruct{id=7}\n',
    );
  });

  it('fsyncs in flush what was put since the last flush, not in put', async () => {
    const file = join(dir, 'out.txt');
    const probe = await open(join(dir, 'probe'), 'w');
    const handlePrototype = Object.getPrototypeOf(probe) as { sync(): Promise<void> };
    await probe.close();
    const sync = vi.spyOn(handlePrototype, 'sync');
    const task = await startTask({ file });
    await task.put([record('x')]);
    expect(sync).not.toHaveBeenCalled();
    await task.flush([{ topic: 't', partition: 0, offset: 1 }]);
    expect(sync).toHaveBeenCalledTimes(1);
    // Nothing put since: nothing to sync (every task of a worker flushes at each offset commit, idle or not).
    await task.flush([{ topic: 't', partition: 0, offset: 1 }]);
    expect(sync).toHaveBeenCalledTimes(1);
    // preCommit (what the runtime calls before committing offsets) goes through flush.
    await task.put([record('y')]);
    await task.preCommit([{ topic: 't', partition: 0, offset: 2 }]);
    expect(sync).toHaveBeenCalledTimes(2);
  });

  it('fails to start when the file cannot be created', async () => {
    await expect(startTask({ file: join(dir, 'no', 'such', 'dir', 'out.txt') })).rejects.toThrow(
      `Couldn't find or create file '${join(dir, 'no', 'such', 'dir', 'out.txt')}' for FileStreamSinkTask`,
    );
  });

  it('refuses a FIFO at once (a write would wait for a reader), and writes to a device such as /dev/null', async () => {
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const startedAt = Date.now();
    await expect(startTask({ file: fifo })).rejects.toThrow(`for FileStreamSinkTask`);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    const task = await startTask({ file: '/dev/null' });
    await task.put([record('gone')]);
    await task.flush([]);
  });

  it('writes to stdout without a file', async () => {
    const write = vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((_text: unknown, callback?: unknown) => {
        if (typeof callback === 'function') (callback as (error?: Error | null) => void)();
        return true;
      });
    const task = await startTask({});
    await task.put([record('to stdout'), record(null)]);
    await task.flush([]);
    expect(write).toHaveBeenCalledWith('to stdout\nnull\n', expect.any(Function));
  });
});

describe('javaString', () => {
  it('prints nested lists and plain objects as Java collections', () => {
    expect(javaString([1, [2, null]])).toBe('[1, [2, null]]');
    expect(javaString({ a: 'x', b: [1] })).toBe('{a=x, b=[1]}');
  });
});

describe('FileStreamSinkConnector', () => {
  it('defines only file, accepts topics and topics.regex, and gives every task the config', async () => {
    const connector = new FileStreamSinkConnector();
    expect(connector.config().names()).toEqual(['file']);
    const values = connector.validate({ file: '/tmp/x', topics: 'a,b', 'topics.regex': 'a.*' }) as {
      errorMessages: string[];
    }[];
    expect(values.flatMap((v) => v.errorMessages)).toEqual([]);
    await connector.start({ file: '/tmp/x', topics: 'a' });
    expect(connector.taskConfigs(3)).toEqual([
      { file: '/tmp/x', topics: 'a' },
      { file: '/tmp/x', topics: 'a' },
      { file: '/tmp/x', topics: 'a' },
    ]);
  });
});
