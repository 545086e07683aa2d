import { expect, it } from 'vitest';
import { describeOnBothBackends, nextMatching, summarize, text } from './backends.test-suite.js';
import { ConfigStore, type ConfigChange, type ConfigSnapshot } from './config-store.js';

/**
 * What Connect 3.9.1 writes (its `JsonConverter` with schemas off, over `KafkaConfigBackingStore`'s
 * schemas), printed by running connect-runtime-3.9.1.jar and connect-json-3.9.1.jar: a session key of the
 * bytes 0…31 made at 1700000000000, and a restart request with tasks, failed or not.
 */
const CONNECT_SESSION_KEY =
  '{"key":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=","algorithm":"HmacSHA256","creation-timestamp":1700000000000}';
const CONNECT_RESTART_REQUEST = '{"include-tasks":true,"only-failed":false}';
const KEY_BYTES = Buffer.from(Array.from({ length: 32 }, (_, i) => i));

/** A change without its offset, to compare sequences. */
function summary(change: ConfigChange): string {
  switch (change.type) {
    case 'connector-added':
      return `added ${change.connector} ${change.targetState} ${JSON.stringify(change.config)}`;
    case 'connector-updated':
      return `updated ${change.connector} ${JSON.stringify(change.config)}`;
    case 'connector-removed':
      return `removed ${change.connector}`;
    case 'target-state':
      return `target-state ${change.connector} ${change.state}`;
    case 'tasks-committed':
      return `tasks ${change.connector} ${JSON.stringify(change.tasks)}`;
    case 'tasks-inconsistent':
      return `inconsistent ${change.connector}`;
    case 'session-key':
      return `session-key ${change.sessionKey.algorithm} ${change.sessionKey.creationTimestamp}`;
    case 'restart-request':
      return `restart ${change.request.connector} ${change.request.includeTasks} ${change.request.onlyFailed}`;
  }
}

describeOnBothBackends('ConfigStore', ({ backend, log, openLog, topicName, closeAfter }) => {
  const spec = (name: string) => ({ name, replicationFactor: 1 });

  it("sees another worker's writes through its follower, within a second, without refreshing", async () => {
    const topic = topicName('configs');
    const mine = closeAfter(await ConfigStore.open(log(), spec(topic)));
    const theirs = closeAfter(await ConfigStore.open(await openLog(), spec(topic)));
    await Promise.all([mine.start(), theirs.start()]);

    const samples: number[] = [];
    for (let round = 0; round < 20; round++) {
      const [writer, reader] = round % 2 === 0 ? [mine, theirs] : [theirs, mine];
      const seen = nextMatching<ConfigChange>(
        (listener) => reader.onChange(listener),
        (change) => change.type === 'connector-added' && change.connector === `c${round}`,
      );
      const started = performance.now();
      await writer.putConnectorConfig(`c${round}`, { round: String(round) });
      await seen;
      samples.push(Math.round(performance.now() - started));
    }
    console.log(
      `config follower latency on ${backend} (write call to the other worker's event): ${summarize(samples)}`,
    );
    expect(Math.max(...samples)).toBeLessThan(1_000);
    expect(theirs.snapshot().connectors).toEqual(mine.snapshot().connectors);
    expect(theirs.snapshot().offset).toBe(mine.snapshot().offset);
  });

  it('resolves a write once its own view has it, and returns the new offset', async () => {
    const topic = topicName('configs');
    for (const following of [false, true]) {
      const store = closeAfter(await ConfigStore.open(log(), spec(topic)));
      if (following) await store.start();
      const before = store.snapshot().offset;
      const after = await store.putConnectorConfig(`rw-${following}`, { a: '1' }, 'PAUSED');
      expect(after.offset).toBe(before + 2);
      expect(store.snapshot().connectors.get(`rw-${following}`)).toEqual({ a: '1' });
      expect(store.snapshot().targetStates.get(`rw-${following}`)).toBe('PAUSED');
      expect((await log().offsets(topic))[0]!.end).toBe(after.offset);
    }
  });

  it('hands out one snapshot until the view changes, and a snapshot keeps what it saw', async () => {
    const topic = topicName('configs');
    const store = closeAfter(await ConfigStore.open(log(), spec(topic)));
    await store.putConnectorConfig('kept', { a: '1' });
    const first = store.snapshot();
    expect(store.snapshot()).toBe(first);

    await store.putConnectorConfig('added', { b: '2' });
    await store.putTaskConfigs('kept', [{ t: '0' }]);
    const second = store.snapshot();
    expect(second).not.toBe(first);
    expect([...first.connectors.keys()]).toEqual(['kept']);
    expect(first.tasks.has('kept')).toBe(false);
    expect([...second.connectors.keys()]).toEqual(['kept', 'added']);
    expect(second.tasks.get('kept')).toEqual([{ t: '0' }]);
    expect(second.offset).toBe((await log().offsets(topic))[0]!.end);
  });

  it('tells of each change once, in log order, after its view has it: every config and commit written, other states when they change', async () => {
    const topic = topicName('configs');
    const writer = closeAfter(await ConfigStore.open(log(), spec(topic)));
    const follower = closeAfter(await ConfigStore.open(await openLog(), spec(topic)));
    await writer.start();
    await follower.start();
    const heard: Record<'writer' | 'follower', string[]> = { writer: [], follower: [] };
    const views: ConfigSnapshot[] = [];
    writer.onChange((change) => heard.writer.push(summary(change)));
    follower.onChange((change) => {
      heard.follower.push(summary(change));
      views.push(follower.snapshot());
    });

    // The other worker catches up after each write: the embedded store compacts at once, so a follower that
    // lags only sees the latest record of each key (as after Kafka's cleaner), not every step.
    const steps: Array<() => Promise<unknown>> = [
      () => writer.putConnectorConfig('c', { a: '1' }, 'STOPPED'),
      () => writer.putConnectorConfig('c', { a: '1' }), // the same: still a write (Connect restarts on it)
      () => writer.putConnectorConfig('c', { a: '2' }),
      () => writer.putTargetState('c', 'STOPPED'), // the same
      () => writer.putTargetState('c', 'STARTED'),
      () => writer.putTaskConfigs('c', [{ t: '0' }, { t: '1' }]),
      () => writer.putTaskConfigs('c', [{ t: '0' }, { t: '1' }]), // the same set again: a commit all the same
      () => writer.putTaskConfigs('c', [{ t: '0' }]),
      () => writer.putSessionKey({ key: KEY_BYTES, algorithm: 'HmacSHA256', creationTimestamp: 1 }),
      () => writer.putSessionKey({ key: KEY_BYTES, algorithm: 'HmacSHA256', creationTimestamp: 1 }),
      // A restart request is an action, not a state: each one counts.
      () => writer.putRestartRequest({ connector: 'c', includeTasks: true, onlyFailed: true }),
      () => writer.putRestartRequest({ connector: 'c', includeTasks: true, onlyFailed: true }),
      () => writer.putTargetState('ghost', 'PAUSED'), // no such connector: nothing to tell
      () => writer.removeConnector('c'),
    ];
    for (const step of steps) {
      await step();
      await follower.readToEnd();
    }

    const expected = [
      'added c STOPPED {"a":"1"}',
      'updated c {"a":"1"}',
      'updated c {"a":"2"}',
      'target-state c STARTED',
      'tasks c [{"t":"0"},{"t":"1"}]',
      'tasks c [{"t":"0"},{"t":"1"}]',
      'tasks c [{"t":"0"}]',
      'session-key HmacSHA256 1',
      'restart c true true',
      'restart c true true',
      'removed c',
    ];
    expect(heard.writer).toEqual(expected);
    expect(heard.follower).toEqual(expected);
    // Each listener call saw the view as of that change.
    expect(views.map((view) => view.connectors.get('c')?.['a'] ?? null)).toEqual([
      '1',
      '1',
      '2',
      '2',
      '2',
      '2',
      '2',
      '2',
      '2',
      '2',
      null,
    ]);
    expect(views[4]!.tasks.get('c')).toEqual([{ t: '0' }, { t: '1' }]);
    // Which connector config each commit was made with (the applied config of KAFKA-9228).
    expect(views[4]!.tasksGeneratedWith.get('c')).toEqual({ a: '2' });
    expect(views.map((view) => view.offset)).toEqual(
      [...views.map((view) => view.offset)].sort((a, b) => a - b),
    );
  });

  it('shows task configs only with their commit record, and all of them at once', async () => {
    const topic = topicName('configs');
    const store = closeAfter(await ConfigStore.open(log(), spec(topic)));
    const follower = closeAfter(await ConfigStore.open(await openLog(), spec(topic)));
    await follower.start();
    await store.putConnectorConfig('c', { a: '1' });
    await store.putTaskConfigs('c', [{ t: 'old-0' }, { t: 'old-1' }, { t: 'old-2' }]);
    await follower.readToEnd();
    const seen: Array<readonly unknown[] | undefined> = [];
    follower.onChange(() => seen.push(follower.snapshot().tasks.get('c')));

    // A new set written one record at a time, as a slow leader might: nothing shows until the commit.
    for (let task = 0; task < 3; task++) {
      await log().produce(topic, [
        { key: `task-c-${task}`, value: JSON.stringify({ properties: { t: `new-${task}` } }) },
      ]);
      await follower.readToEnd();
      expect(follower.snapshot().tasks.get('c')).toEqual([{ t: 'old-0' }, { t: 'old-1' }, { t: 'old-2' }]);
    }
    await log().produce(topic, [{ key: 'commit-c', value: '{"tasks":3}' }]);
    await follower.readToEnd();
    expect(follower.snapshot().tasks.get('c')).toEqual([{ t: 'new-0' }, { t: 'new-1' }, { t: 'new-2' }]);
    expect(seen).toEqual([[{ t: 'new-0' }, { t: 'new-1' }, { t: 'new-2' }]]);

    // A commit whose set is incomplete: the connector has no tasks (and says so) until a complete one.
    const inconsistent = nextMatching<ConfigChange>(
      (listener) => follower.onChange(listener),
      (change) => change.type === 'tasks-inconsistent',
    );
    await log().produce(topic, [
      { key: 'task-c-1', value: JSON.stringify({ properties: { t: 'torn' } }) },
      { key: 'commit-c', value: '{"tasks":2}' },
    ]);
    expect(await inconsistent).toMatchObject({ connector: 'c' });
    expect(follower.snapshot().tasks.has('c')).toBe(false);
    expect(follower.snapshot().inconsistent.has('c')).toBe(true);
    // Task configs committed for a connector that is gone (its config and tombstone compacted away) are ignored.
    await log().produce(topic, [
      { key: 'task-gone-0', value: JSON.stringify({ properties: { t: '0' } }) },
      { key: 'commit-gone', value: '{"tasks":1}' },
    ]);
    await follower.readToEnd();
    expect(follower.snapshot().tasks.has('gone')).toBe(false);
  });

  it("writes and reads the session key and restart requests in Connect's JSON, exactly", async () => {
    const topic = topicName('configs');
    const store = closeAfter(await ConfigStore.open(log(), spec(topic)));
    const snapshot = await store.putSessionKey({
      key: KEY_BYTES,
      algorithm: 'HmacSHA256',
      creationTimestamp: 1_700_000_000_000,
    });
    await store.putRestartRequest({ connector: 'my-sink', includeTasks: true, onlyFailed: false });
    const raw = new Map((await log().latestByKey(topic)).map((r) => [text(r.key), text(r.value)]));
    expect(raw.get('session-key')).toBe(CONNECT_SESSION_KEY);
    expect(raw.get('restart-connector-my-sink')).toBe(CONNECT_RESTART_REQUEST);
    expect(snapshot.sessionKey).toEqual({
      key: KEY_BYTES,
      algorithm: 'HmacSHA256',
      creationTimestamp: 1_700_000_000_000,
    });

    // The same text written by Connect, read by a following worker.
    const reader = closeAfter(await ConfigStore.open(await openLog(), spec(topic)));
    await reader.start();
    const heard: ConfigChange[] = [];
    reader.onChange((change) => heard.push(change));
    const rotated = CONNECT_SESSION_KEY.replace('1700000000000', '1700003600000');
    await log().produce(topic, [
      { key: 'session-key', value: rotated },
      { key: 'restart-connector-legacy', value: '{"include-tasks":false,"only-failed":true}' },
      // Connect reads a field that is not a boolean as false.
      { key: 'restart-connector-odd', value: '{"include-tasks":"yes"}' },
    ]);
    await reader.readToEnd();
    expect(heard.map(({ offset: _offset, ...change }) => change)).toEqual([
      {
        type: 'session-key',
        sessionKey: { key: KEY_BYTES, algorithm: 'HmacSHA256', creationTimestamp: 1_700_003_600_000 },
      },
      { type: 'restart-request', request: { connector: 'legacy', includeTasks: false, onlyFailed: true } },
      { type: 'restart-request', request: { connector: 'odd', includeTasks: false, onlyFailed: false } },
    ]);
    expect(reader.snapshot().sessionKey?.creationTimestamp).toBe(1_700_003_600_000);
  });

  it('reads across compaction gaps and applies tombstones', async () => {
    const topic = topicName('configs');
    const store = closeAfter(await ConfigStore.open(log(), spec(topic)));
    await store.start();
    for (let version = 0; version < 5; version++) await store.putConnectorConfig('c', { v: String(version) });
    await store.putTaskConfigs('c', [{ t: '0' }]);
    await store.putConnectorConfig('doomed', { v: '0' });
    await store.removeConnector('doomed');
    // The embedded store compacts at once: superseded records are gone and their offsets are gaps.
    const end = (await log().offsets(topic))[0]!.end;
    const kept = (await log().latestByKey(topic)).length;
    if (backend === 'embedded') expect(kept).toBeLessThan(end);

    const reopened = closeAfter(await ConfigStore.open(await openLog(), spec(topic)));
    await reopened.start();
    expect(reopened.snapshot()).toEqual(store.snapshot());
    expect(reopened.snapshot().offset).toBe(end);
    expect(reopened.snapshot().connectors.has('doomed')).toBe(false);
    // The follower goes on past new gaps too.
    await store.putConnectorConfig('c', { v: 'last' });
    await reopened.readToEnd();
    expect(reopened.snapshot().connectors.get('c')).toEqual({ v: 'last' });
    expect(reopened.snapshot().offset).toBe(store.snapshot().offset);
  });
});
