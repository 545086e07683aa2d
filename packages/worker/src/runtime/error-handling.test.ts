import { describe, expect, it } from 'vitest';
import { ConnectError, DataError, RetriableError } from '@sluice/sdk';
import type { Log, ProduceRecord } from '@sluice/log';
import {
  DeadLetterQueueReporter,
  ErrorHandler,
  errorHandlingConfig,
  SKIPPED,
  StageFailure,
  type ErrorHandlingConfig,
  type ProcessingFailure,
} from './error-handling.js';

const config = (overrides: Partial<ErrorHandlingConfig> = {}): ErrorHandlingConfig => ({
  ...errorHandlingConfig({}, 'sink'),
  ...overrides,
});

/** A handler whose sleeps are recorded instead of waited, and whose reports are collected. */
function handler(overrides: Partial<ErrorHandlingConfig> = {}) {
  const reports: ProcessingFailure[] = [];
  const sleeps: number[] = [];
  const errors = new ErrorHandler(
    config(overrides),
    [{ report: (failure) => reports.push(failure), flush: () => Promise.resolve() }],
    {
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    },
  );
  return { errors, reports, sleeps };
}

const fail = (error: unknown) => () => {
  throw error;
};

describe('errorHandlingConfig', () => {
  it("reads Connect's errors.* keys, with its defaults", () => {
    expect(errorHandlingConfig({}, 'sink')).toEqual({
      tolerance: 'none',
      retryTimeoutMs: 0,
      retryDelayMaxMs: 60000,
      logEnable: false,
      logIncludeMessages: false,
    });
    const dlq = { 'errors.deadletterqueue.topic.name': 'dlq', 'errors.tolerance': 'all' };
    expect(errorHandlingConfig(dlq, 'sink').deadLetterQueue).toEqual({
      topic: 'dlq',
      replicationFactor: 3,
      contextHeaders: false,
    });
    // A source connector has no dead letter queue.
    expect(errorHandlingConfig(dlq, 'source').deadLetterQueue).toBeUndefined();
  });
});

describe('ErrorHandler', () => {
  it('returns what the operation returns', () => {
    expect(handler().errors.execute('VALUE_CONVERTER', 'C', () => 42, undefined)).toBe(42);
  });

  it('fails with "Tolerance exceeded" by default, after reporting the failure', () => {
    const { errors, reports } = handler();
    const cause = new DataError('bad bytes');
    expect(() => errors.execute('VALUE_CONVERTER', 'C', fail(cause), undefined)).toThrow(
      'Tolerance exceeded in error handler',
    );
    expect(reports).toMatchObject([{ stage: 'VALUE_CONVERTER', executingClass: 'C', error: cause }]);
  });

  it('skips the record with errors.tolerance=all in converters and transformations', () => {
    const { errors, reports } = handler({ tolerance: 'all' });
    expect(errors.execute('TRANSFORMATION', 'T', fail(new TypeError('x')), undefined)).toBe(SKIPPED);
    expect(errors.execute('KEY_CONVERTER', 'K', fail(new DataError('y')), undefined)).toBe(SKIPPED);
    expect(reports).toHaveLength(2);
  });

  it('does not tolerate a non-retriable failure in other stages, whatever the tolerance', () => {
    const { errors } = handler({ tolerance: 'all' });
    expect(() => errors.execute('KAFKA_PRODUCE', 'P', fail(new ConnectError('no')), undefined)).toThrow(
      'Unhandled exception in error handler',
    );
  });

  it('retries a retriable failure with growing waits until errors.retry.timeout', async () => {
    const { errors, sleeps } = handler({ retryTimeoutMs: 10_000, retryDelayMaxMs: 60_000 });
    let calls = 0;
    const outcome = errors.execute(
      'VALUE_CONVERTER',
      'C',
      () => {
        if (++calls < 4) throw new RetriableError('later');
        return 'done';
      },
      undefined,
    );
    expect(outcome).toBeInstanceOf(Promise);
    expect(await outcome).toBe('done');
    expect(sleeps).toEqual([300, 600, 1200]);
  });

  it('gives up retrying at the deadline and then applies the tolerance', async () => {
    const { errors, reports } = handler({ retryTimeoutMs: 1, tolerance: 'all' });
    const outcome = errors.execute('VALUE_CONVERTER', 'C', fail(new RetriableError('never')), undefined);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await outcome).toBe(SKIPPED);
    expect(reports).toHaveLength(1);
  });

  it('reports the stage a StageFailure names', () => {
    const { errors, reports } = handler({ tolerance: 'all' });
    const cause = new DataError('header');
    expect(
      errors.execute('KEY_CONVERTER', '', fail(new StageFailure('HEADER_CONVERTER', 'H', cause)), undefined),
    ).toBe(SKIPPED);
    expect(reports[0]).toMatchObject({ stage: 'HEADER_CONVERTER', executingClass: 'H', error: cause });
  });

  it('shows the cause in the trace of the error that fails the task', () => {
    const { errors } = handler();
    try {
      void errors.execute('VALUE_CONVERTER', 'C', fail(new DataError('the cause')), undefined);
      expect.unreachable();
    } catch (error) {
      expect((error as Error).stack).toMatch(/Tolerance exceeded[\s\S]*Caused by: DataError: the cause/);
    }
  });

  it('tolerates what a task reports itself unless tolerance is none', () => {
    const failure = {
      stage: 'TASK_PUT',
      executingClass: 'S',
      error: new Error('x'),
      record: undefined,
    } as const;
    expect(() => handler({ tolerance: 'all' }).errors.reportFailed(failure)).not.toThrow();
    expect(() => handler().errors.reportFailed(failure)).toThrow('Tolerance exceeded in error handler');
  });
});

describe('ErrorHandler retries', () => {
  it('stop a retry when the task is stopping, and wait at least a millisecond between tries', async () => {
    let stopping = false;
    const sleeps: number[] = [];
    const errors = new ErrorHandler(
      config({ retryTimeoutMs: -1, retryDelayMaxMs: 0, tolerance: 'all' }),
      [],
      {
        sleep: (ms) => {
          sleeps.push(ms);
          stopping = sleeps.length === 3;
          return Promise.resolve();
        },
        stopping: () => stopping,
      },
    );
    const outcome = errors.execute('VALUE_CONVERTER', 'C', fail(new RetriableError('forever')), undefined);
    expect(await outcome).toBe(SKIPPED);
    expect(sleeps).toHaveLength(3);
    expect(Math.min(...sleeps)).toBeGreaterThanOrEqual(1);
  });
});

describe('DeadLetterQueueReporter', () => {
  /** A log whose produce waits until released, and records what each call wrote. */
  function fakeLog(failFirst = false) {
    const written: string[][] = [];
    let calls = 0;
    const log = {
      ensureTopic: () => Promise.resolve({ name: 'dlq', partitions: 1, configs: {} }),
      produce: async (_topic: string, records: readonly ProduceRecord[]) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (failFirst && calls++ === 0) throw new Error('broker away');
        written.push(records.map((r) => String(r.value)));
        return records.map((_, offset) => ({ partition: 0, offset }));
      },
    } as unknown as Log;
    return { log, written };
  }
  const consumed = (value: string) => ({
    consumed: {
      topic: 't',
      partition: 0,
      offset: 0,
      timestamp: 1,
      key: null,
      value: Buffer.from(value),
      headers: [],
    },
  });
  const failure = (value: string) =>
    ({
      stage: 'VALUE_CONVERTER',
      executingClass: 'C',
      error: new Error('x'),
      record: consumed(value),
    }) as const;
  const dlqConfig = { topic: 'dlq', replicationFactor: 1, contextHeaders: false };

  it('writes each record once when flushes overlap', async () => {
    const { log, written } = fakeLog();
    const reporter = new DeadLetterQueueReporter(log, dlqConfig, 'c', 0);
    reporter.report(failure('a'));
    const first = reporter.flush();
    reporter.report(failure('b'));
    const second = reporter.flush();
    await Promise.all([first, second]);
    expect(written.flat()).toEqual(['a', 'b']);
  });

  it('keeps records a failed write did not take, for the next flush', async () => {
    const { log, written } = fakeLog(true);
    const reporter = new DeadLetterQueueReporter(log, dlqConfig, 'c', 0);
    reporter.report(failure('a'));
    await expect(reporter.flush()).rejects.toThrow('broker away');
    reporter.report(failure('b'));
    await reporter.flush();
    expect(written).toEqual([['a', 'b']]);
  });
});
