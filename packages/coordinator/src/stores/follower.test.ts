import { expect, it } from 'vitest';
import { SluiceError } from '@sluice/errors';
import type { Log, LogReader } from '@sluice/log';
import { describeOnBothBackends, nextMatching, stalledReaders, wrapLog } from './backends.test-suite.js';
import { ConfigStore, type ConfigChange } from './config-store.js';
import { StatusStore } from './status-store.js';

/** A log whose readers fail their first `failures` polls with a retriable error, as when a broker goes away. */
function flakyReaders(log: Log, failures: number): { log: Log; polls: () => number } {
  let polls = 0;
  return {
    polls: () => polls,
    log: wrapLog(log, {
      openReader: async (): Promise<LogReader> => {
        const reader = await log.openReader();
        return {
          fetchPartitions: (...args) => {
            polls++;
            if (polls <= failures) {
              return Promise.reject(
                new SluiceError('SLUICE_KAFKA_FETCH_FAILED', `broker away (poll ${polls})`, {
                  retriable: true,
                }),
              );
            }
            return reader.fetchPartitions(...args);
          },
          fetchTopicPartitions: (...args) => reader.fetchTopicPartitions(...args),
          close: () => reader.close(),
        };
      },
    }),
  };
}

describeOnBothBackends('Store followers', ({ log, openLog, topicName, closeAfter }) => {
  const spec = (name: string) => ({ name, replicationFactor: 1 });

  it('keep following after failed polls, and say so', async () => {
    const topic = topicName('configs');
    const flaky = flakyReaders(log(), 3);
    const errors: SluiceError[] = [];
    const store = closeAfter(
      await ConfigStore.open(flaky.log, spec(topic), { onError: (e) => errors.push(e) }),
    );
    await store.start();
    const writer = closeAfter(await ConfigStore.open(await openLog(), spec(topic)));
    const seen = nextMatching<ConfigChange>(
      (listener) => store.onChange(listener),
      (change) => change.type === 'connector-added',
    );
    await writer.putConnectorConfig('after-the-outage', { a: '1' });
    expect(await seen).toMatchObject({ connector: 'after-the-outage' });
    await store.readToEnd();
    expect(flaky.polls()).toBeGreaterThan(3);
    expect(errors.map((e) => [e.code, e.retriable])).toEqual([
      ['SLUICE_STORE_FOLLOW_FAILED', true],
      ['SLUICE_STORE_FOLLOW_FAILED', true],
      ['SLUICE_STORE_FOLLOW_FAILED', true],
    ]);
    expect(errors[0]!.message).toContain(
      `following topic '${topic}' failed, retrying in 100 ms: broker away (poll 1)`,
    );
  });

  it('fail a read that the follower cannot finish in time, with its last error', async () => {
    const topic = topicName('configs');
    const store = closeAfter(
      await ConfigStore.open(flakyReaders(log(), Number.MAX_SAFE_INTEGER).log, spec(topic)),
    );
    await store.start();
    await log().produce(topic, [{ key: 'connector-x', value: '{"properties":{}}' }]);
    await expect(store.readToEnd({ timeoutMs: 400 })).rejects.toMatchObject({
      code: 'SLUICE_STORE_READ_TIMEOUT',
      retriable: true,
      message: expect.stringMatching(
        /did not read topic '.+' up to partition:offset 0:1 within 400 ms; last error: broker away/,
      ),
    });
  });

  it('skip a record they cannot read, naming its place, and go on', async () => {
    const topic = topicName('status');
    const errors: SluiceError[] = [];
    const store = closeAfter(
      await StatusStore.open(log(), { name: topic, partitions: 1 }, { onError: (e) => errors.push(e) }),
    );
    await store.start();
    const [bad] = await log().produce(topic, [
      { key: 'status-task-c-0', value: 'not json' },
      { key: 'status-task-c-1', value: '{"state":"RUNNING"}' },
      { key: 'status-task-c-2', value: '{"state":"RUNNING","worker_id":"w:1","generation":0}' },
    ]);
    await store.readToEnd();
    expect(store.tasks('c').map((t) => t.task)).toEqual([2]);
    expect(errors.map((e) => e.code)).toEqual(['SLUICE_CORRUPT_STATE_RECORD', 'SLUICE_CORRUPT_STATE_RECORD']);
    expect(errors[0]!.message).toBe(`record at ${topic}-0@${bad!.offset} is not JSON; it was skipped`);
  });

  it('tell every listener even when one throws, and report the one that threw', async () => {
    const topic = topicName('configs');
    const errors: SluiceError[] = [];
    const store = closeAfter(await ConfigStore.open(log(), spec(topic), { onError: (e) => errors.push(e) }));
    await store.start();
    const heard: string[] = [];
    store.onChange(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = store.onChange((change) => heard.push(change.type));
    await store.putConnectorConfig('c', { a: '1' });
    unsubscribe();
    await store.putConnectorConfig('c', { a: '2' });
    expect(heard).toEqual(['connector-added']);
    expect(errors.map((e) => e.code)).toEqual([
      'SLUICE_STORE_LISTENER_FAILED',
      'SLUICE_STORE_LISTENER_FAILED',
    ]);
  });

  it('stop on close: waiting reads fail, the reader is closed, and the store refuses more work', async () => {
    const topic = topicName('configs');
    let readersClosed = 0;
    const stalled = stalledReaders(log());
    const counting = wrapLog(stalled, {
      openReader: async () => {
        const reader = await stalled.openReader();
        return {
          fetchPartitions: (...args) => reader.fetchPartitions(...args),
          fetchTopicPartitions: (...args) => reader.fetchTopicPartitions(...args),
          close: () => {
            readersClosed++;
            return reader.close();
          },
        };
      },
    });
    const store = await ConfigStore.open(counting, spec(topic));
    await store.start();
    expect(store.following).toBe(true);
    await log().produce(topic, [{ key: 'connector-x', value: '{"properties":{}}' }]);
    const waiting = store.readToEnd();
    const writing = store.putTargetState('x', 'PAUSED');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await store.close();
    await expect(waiting).rejects.toMatchObject({ code: 'SLUICE_STORE_CLOSED' });
    await expect(writing).rejects.toMatchObject({ code: 'SLUICE_STORE_CLOSED' });
    expect(readersClosed).toBe(1);
    expect(store.following).toBe(false);
    await expect(store.putTargetState('x', 'PAUSED')).rejects.toMatchObject({ code: 'SLUICE_STORE_CLOSED' });
    await expect(store.readToEnd()).rejects.toMatchObject({ code: 'SLUICE_STORE_CLOSED' });
    await expect(store.start()).rejects.toMatchObject({ code: 'SLUICE_STORE_CLOSED' });
    await store.close();
  });
});
