import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { EmbeddedLog, KafkaLog, type Log } from '@sluice/log';
import { kafkaBootstrap, uniqueName } from '@sluice/test-kit';

export interface StoreTestContext {
  backend: 'embedded' | 'kafka';
  /** The first worker's log. */
  log: () => Log;
  /** Another worker's log on the same storage: another SQLite connection, or another Kafka client. */
  openLog: () => Promise<Log>;
  /** A unique topic name, deleted after the suite. */
  topicName: (prefix: string) => string;
  /** Closes `store` after the test (before the logs close). */
  closeAfter: <T extends { close(): Promise<void> }>(store: T) => T;
}

/**
 * Runs `body` once per log backend, as the stores run in production: the embedded store and the real
 * broker. Topics made with `topicName` are deleted and every log opened is closed afterwards.
 */
export function describeOnBothBackends(title: string, body: (context: StoreTestContext) => void): void {
  describe.each(['embedded', 'kafka'] as const)(`${title} (%s)`, (backend) => {
    let dataDir = '';
    const logs: Log[] = [];
    const topics: string[] = [];
    const closing: Array<{ close(): Promise<void> }> = [];
    const openLog = async (): Promise<Log> => {
      const log =
        backend === 'embedded'
          ? await EmbeddedLog.open({ dataDir })
          : await KafkaLog.open({ brokers: kafkaBootstrap(), clientId: 'sluice-stores-test' });
      logs.push(log);
      return log;
    };
    beforeAll(async () => {
      if (backend === 'embedded') dataDir = mkdtempSync(join(tmpdir(), 'sluice-stores-'));
      await openLog();
    });
    afterEach(async () => {
      for (const store of closing.splice(0)) await store.close();
    });
    afterAll(async () => {
      for (const topic of topics) await logs[0]?.deleteTopic(topic).catch(() => undefined);
      for (const log of logs) await log.close();
      if (dataDir !== '') rmSync(dataDir, { recursive: true, force: true });
    });
    body({
      backend,
      log: () => logs[0]!,
      openLog,
      topicName: (prefix) => {
        const name = uniqueName(prefix);
        topics.push(name);
        return name;
      },
      closeAfter: (store) => {
        closing.push(store);
        return store;
      },
    });
  });
}

/** Resolves with the first value `listen` passes to its callback that `accept` takes. */
export function nextMatching<T>(
  listen: (listener: (value: T) => void) => () => void,
  accept: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`nothing matching arrived within ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = listen((value) => {
      if (!accept(value)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(value);
    });
  });
}

/** min, median, p95 and max of samples in ms, for the report. */
export function summarize(samples: readonly number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `n=${sorted.length} min ${sorted[0]} median ${at(0.5)} p95 ${at(0.95)} max ${sorted[sorted.length - 1]} ms`;
}

export const text = (value: Buffer | null): string | null => value?.toString('utf8') ?? null;

/** `log` with some of its methods replaced (the others still bound to it). */
export function wrapLog(log: Log, overrides: Partial<Log>): Log {
  return new Proxy(log, {
    get(target, property, receiver) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof Log];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A log whose readers never answer until closed: a follower that is stuck. */
export function stalledReaders(log: Log): Log {
  return wrapLog(log, {
    openReader: () => {
      let release = () => undefined as void;
      const closed = new Promise<never>((_, reject) => {
        release = () => reject(new Error('reader closed'));
      });
      closed.catch(() => undefined);
      return Promise.resolve({
        fetchPartitions: () => closed,
        fetchTopicPartitions: () => closed,
        close: () => {
          release();
          return Promise.resolve();
        },
      });
    },
  });
}
