import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedLog, type Log, type LogReader, type TopicPartitionPosition } from '@sluice/log';
import type { ActorContext } from './actor.js';
import { errorHandlingConfig } from './error-handling.js';
import { InMemoryGroupCoordinator } from '@sluice/coordinator';
import { sinkTaskRunnerWith, type SinkTaskRunnerOptions } from './sink-task-runner.js';
import { recordings, type RecordedSink } from './sink-task-runner.test-helpers.js';
import type { TaskRunnerCommand, TaskRunnerConfig, TaskRunnerEvent } from './task-runner-config.js';

const PLUGINS = new URL('./sink-task-runner.test-helpers.ts', import.meta.url).href;
const STRING_CONVERTER = 'org.apache.kafka.connect.storage.StringConverter';

/** Every read a task made: `log.fetch` calls, and each poll of its readers with what it asked for. */
interface Reads {
  fetches: number;
  polls: Array<{ positions: string[]; maxWaitMs: number | undefined }>;
  /** Polls under way. */
  waiting: number;
}

/** `log` with its reads counted in `reads` (closing it leaves the underlying log open). */
function counting(log: Log, reads: Reads): Log {
  return new Proxy(log, {
    get(target, property) {
      if (property === 'close') return () => Promise.resolve();
      if (property === 'fetch') {
        return (...args: Parameters<Log['fetch']>) => {
          reads.fetches++;
          return target.fetch(...args);
        };
      }
      if (property === 'openReader') {
        return async (): Promise<LogReader> => {
          const reader = await target.openReader();
          return {
            fetchPartitions: (topic, positions, options) => {
              reads.polls.push({
                positions: positions.map((p) => `${topic}/${p.partition}@${p.offset}`),
                maxWaitMs: options?.maxWaitMs,
              });
              return reader.fetchPartitions(topic, positions, options);
            },
            fetchTopicPartitions: (positions: readonly TopicPartitionPosition[], options) => {
              reads.polls.push({
                positions: positions.map((p) => `${p.topic}/${p.partition}@${p.offset}`).sort(),
                maxWaitMs: options?.maxWaitMs,
              });
              reads.waiting++;
              return reader.fetchTopicPartitions(positions, options).finally(() => reads.waiting--);
            },
            close: () => reader.close(),
          };
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

interface Running {
  id: string;
  events: TaskRunnerEvent[];
  failure: Error | undefined;
  reads: Reads;
  send(command: TaskRunnerCommand): void;
  stop(): Promise<void>;
  /** What the task was given (once it started). */
  recorded(): RecordedSink;
  delivered(): string[];
}

describe('SinkTaskRunner polls (embedded log)', () => {
  let dir: string;
  let log: EmbeddedLog;
  const running: Running[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-sink-runner-'));
    log = await EmbeddedLog.open({ dataDir: join(dir, 'data') });
  });
  afterEach(async () => {
    for (const runner of running.splice(0)) await runner.stop().catch(() => undefined);
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(
    topics: string,
    options: {
      sinkFetch?: TaskRunnerConfig['sinkFetch'];
      flushMs?: number;
      group?: SinkTaskRunnerOptions['group'];
      /** Wraps the task's (counting) log. */
      wrap?: (log: Log) => Log;
    } = {},
  ): Promise<Running> {
    const id = `task-${running.length}-${Date.now()}`;
    const connectorConfig = { topics, 'tasks.max': '1' };
    const converter = { module: PLUGINS, className: STRING_CONVERTER, config: {} };
    const config: TaskRunnerConfig = {
      connector: 'poll-test',
      task: 0,
      taskConfig: { topics, 'record.id': id },
      connectorConfig,
      plugin: { module: PLUGINS, className: 'test.RecordingSinkConnector' },
      converters: {
        key: converter,
        value: converter,
        header: { ...converter, className: 'org.apache.kafka.connect.storage.SimpleHeaderConverter' },
      },
      transforms: [],
      errors: errorHandlingConfig(connectorConfig, 'sink'),
      log: { backend: 'embedded', dataDir: join(dir, 'data') },
      offsetStorage: { name: 'unused-offsets', partitions: 1, replicationFactor: 1 },
      offsetFlushIntervalMs: options.flushMs ?? 60_000,
      offsetFlushTimeoutMs: 5_000,
      sinkFetch: options.sinkFetch,
    };
    const reads: Reads = { fetches: 0, polls: [], waiting: 0 };
    const listeners: Array<(payload: unknown) => void> = [];
    const runner: Running = {
      id,
      events: [],
      failure: undefined,
      reads,
      send: (command) => listeners.forEach((listener) => listener(command)),
      stop: () => actor.stop(),
      recorded: () => recordings().get(id)!,
      delivered: () => (recordings().get(id)?.puts ?? []).flat(),
    };
    const context: ActorContext = {
      id,
      config,
      emit: (payload) => runner.events.push(payload as TaskRunnerEvent),
      onMessage: (listener) => listeners.push(listener),
      enter: (callback) => callback(),
      fail: (error) => (runner.failure = error as Error),
      lease: { valid: () => true, changed: (ms) => sleep(ms) },
    };
    const wrap = options.wrap ?? ((taskLog: Log) => taskLog);
    const factory = sinkTaskRunnerWith({
      openLog: () => Promise.resolve(wrap(counting(log, reads))),
      group: options.group,
    });
    const actor = await factory(context);
    running.push(runner);
    await until(`${id} running`, () => {
      if (runner.failure !== undefined) throw runner.failure;
      return runner.events.some((e) => e.type === 'running');
    });
    return runner;
  }

  it('reads every partition of every topic it is assigned in one poll', async () => {
    await log.createTopic({ name: 'a', partitions: 2 });
    await log.createTopic({ name: 'b' });
    await log.produce('a', [{ value: 'a0', partition: 0 }]);
    await log.produce('b', [{ value: 'b0', partition: 0 }]);
    const runner = await start('a,b');
    await until('both records delivered', () => runner.delivered().length === 2);
    expect(runner.recorded().puts[0]?.sort()).toEqual(['a/0@0', 'b/0@0']);
    expect(runner.reads.polls[0]?.positions).toEqual(['a/0@0', 'a/1@0', 'b/0@0']);
    expect(runner.reads.fetches).toBe(0);
    expect(runner.failure).toBeUndefined();
  });

  it('an idle task polls about once per fetch.max.wait.ms, however many partitions and topics it has', async () => {
    await log.createTopic({ name: 'a', partitions: 4 });
    await log.createTopic({ name: 'b', partitions: 4 });
    const runner = await start('a,b', { sinkFetch: { maxWaitMs: 500, minBytes: 1 } });
    await until('the first poll', () => runner.reads.polls.length > 0);
    const before = runner.reads.polls.length;
    await sleep(2_000);
    const polls = runner.reads.polls.length - before;
    // 2 s / 500 ms, and one more for timer slack; a poll per partition every 100 ms would be 160.
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(5);
    expect(runner.reads.fetches).toBe(0);
    expect(new Set(runner.reads.polls.map((p) => p.positions.length))).toEqual(new Set([8]));
    expect(runner.reads.polls.every((p) => p.maxWaitMs === 500)).toBe(true);
  });

  it('takes the default fetch.max.wait.ms of 500 ms without settings', async () => {
    await log.createTopic({ name: 'a' });
    const runner = await start('a');
    await until('a poll', () => runner.reads.polls.length > 0);
    expect(runner.reads.polls[0]?.maxWaitMs).toBe(500);
  });

  it('a pause, a partition pause, a requested commit and a stop end an idle 10 s poll at once', async () => {
    await log.createTopic({ name: 'a', partitions: 2 });
    const runner = await start('a', { sinkFetch: { maxWaitMs: 10_000, minBytes: 1 } });
    /** Until a poll has been waiting for a while. */
    const idle = async () => {
      await until('a poll under way', () => runner.reads.waiting > 0);
      await sleep(200);
      expect(runner.reads.waiting).toBe(1);
    };
    const timed = async (what: string, probe: () => boolean): Promise<number> => {
      const started = Date.now();
      await until(what, probe);
      return Date.now() - started;
    };

    // Records come as soon as they are written, whatever the wait.
    await idle();
    await log.produce('a', [{ value: 'x', partition: 1 }]);
    expect(await timed('a/1@0 delivered', () => runner.delivered().includes('a/1@0'))).toBeLessThan(1_000);

    // The task's pause.
    await idle();
    const paused = runner.events.length;
    runner.send({ type: 'pause' });
    expect(
      await timed('paused', () => runner.events.slice(paused).some((e) => e.type === 'paused')),
    ).toBeLessThan(1_000);
    const resumed = runner.events.length;
    runner.send({ type: 'resume' });
    await until('running again', () => runner.events.slice(resumed).some((e) => e.type === 'running'));

    // A partition the task pauses while a poll is out: nothing more of it, the other goes on.
    await idle();
    const context = runner.recorded().context!;
    context.pause({ topic: 'a', partition: 0 });
    await log.produce('a', [
      { value: 'y', partition: 0 },
      { value: 'z', partition: 1 },
    ]);
    expect(await timed('a/1@1 delivered', () => runner.delivered().includes('a/1@1'))).toBeLessThan(1_000);
    await sleep(300);
    expect(runner.delivered()).not.toContain('a/0@0');
    context.resume({ topic: 'a', partition: 0 });
    expect(await timed('a/0@0 delivered', () => runner.delivered().includes('a/0@0'))).toBeLessThan(1_000);

    // A commit the task asks for.
    await idle();
    const committed = runner.events.length;
    context.requestCommit();
    expect(
      await timed('committed', () => runner.events.slice(committed).some((e) => e.type === 'committed')),
    ).toBeLessThan(1_000);
    expect(await log.fetchGroupOffsets('connect-poll-test')).toEqual(
      expect.arrayContaining([
        { topic: 'a', partition: 0, offset: 1 },
        { topic: 'a', partition: 1, offset: 2 },
      ]),
    );

    // The stop.
    await idle();
    const stopping = Date.now();
    await runner.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
    expect(runner.recorded().events.at(-1)).toBe('stop');
    expect(runner.failure).toBeUndefined();
  });

  it('reports RUNNING once started, before it reads its topics and joins its group (as Connect)', async () => {
    await log.createTopic({ name: 'a' });
    await log.produce('a', [{ value: 'a0', partition: 0 }]);
    const coordinator = new InMemoryGroupCoordinator();
    let release!: () => void;
    const metadataHeld = new Promise<void>((resolve) => (release = resolve));
    let described = 0;
    const runner = await start('a', {
      group: { client: () => coordinator.client(), committedOffsets: () => Promise.resolve([]) },
      // The topic's metadata is slow to come (a busy broker).
      wrap: (taskLog) =>
        new Proxy(taskLog, {
          get(target, property) {
            if (property === 'partitionCount') {
              return async (name: string) => {
                described++;
                await metadataHeld;
                return target.partitionCount(name);
              };
            }
            const value: unknown = Reflect.get(target, property, target);
            return typeof value === 'function'
              ? (value as (...args: unknown[]) => unknown).bind(target)
              : value;
          },
        }),
    });
    await until('the metadata read', () => described > 0);
    expect(runner.delivered()).toEqual([]);
    release();
    // Then it joins connect-poll-test, is given a/0 and reads it.
    await until('a/0 delivered', () => runner.delivered().length === 1);
    expect(runner.delivered()).toEqual(['a/0@0']);
    expect(runner.failure).toBeUndefined();
    await runner.stop();
    coordinator.close();
  });

  it('starts a partition over from its beginning when its position is out of range', async () => {
    await log.createTopic({ name: 'a' });
    await log.produce('a', [{ value: 'one' }, { value: 'two' }]);
    const runner = await start('a');
    await until('two records', () => runner.delivered().length === 2);
    // A seek past the end: the next poll is out of range, and the partition starts over from 0.
    runner.recorded().context!.offset({ topic: 'a', partition: 0 }, 7);
    await log.produce('a', [{ value: 'three' }]);
    await until('read again from the start', () => runner.delivered().length >= 5);
    expect(runner.delivered()).toEqual(['a/0@0', 'a/0@1', 'a/0@0', 'a/0@1', 'a/0@2']);
  });
});

async function until(what: string, probe: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
