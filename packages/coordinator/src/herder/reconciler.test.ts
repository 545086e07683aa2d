import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigProviders } from '@sluice/config-providers';
import { EmbeddedLog } from '@sluice/log';
import { Loggers } from '@sluice/logging';
import type { PluginRegistry, RegisteredPlugin } from '@sluice/plugins';
import { ConfigDef, definePlugin, SourceConnector, SourceTask } from '@sluice/sdk';
import type { ConfigSnapshot, ConnectorConfig } from '../stores/config-store.js';
import { StatusStore } from '../stores/status-store.js';
import { Reconciler } from './reconciler.js';
import { everything } from './sole-worker.js';
import { MAX_TASKS } from './task-configs.js';
import type { TaskRuntime } from './task-runtime.js';

/** What the connector's `taskConfigs` does, by its `behaviour` setting. */
const calls: string[] = [];

class MisbehavingConnector extends SourceConnector {
  #props: Record<string, string> = {};
  version() {
    return '1';
  }
  start(props: Record<string, string>) {
    this.#props = props;
    return props['behaviour'] === 'hang-start' ? new Promise<void>(() => undefined) : Promise.resolve();
  }
  taskConfigs(maxTasks: number): Promise<Record<string, string>[]> {
    calls.push(`${this.#props['name']} taskConfigs(${maxTasks})`);
    const config = { topic: 't' };
    switch (this.#props['behaviour']) {
      case 'too-many':
        return Promise.resolve(Array.from({ length: maxTasks + 1 }, () => config));
      case 'way-too-many':
        return Promise.resolve(Array.from({ length: MAX_TASKS + 1 }, () => config));
      case 'throw':
        throw new Error('cannot split the work');
      case 'hang':
        return new Promise(() => undefined);
      case 'not-a-list':
        return Promise.resolve({ 0: config } as never);
      case 'not-strings':
        return Promise.resolve([{ topic: 't', batch: 5 }] as never);
      case 'huge':
        return Promise.resolve(Array.from({ length: maxTasks }, () => ({ pad: 'x'.repeat(1024 * 1024) })));
      default:
        return Promise.resolve(Array.from({ length: maxTasks }, () => config));
    }
  }
  stop() {
    return Promise.resolve();
  }
  config() {
    return new ConfigDef();
  }
}

class IdleTask extends SourceTask {
  version() {
    return '1';
  }
  start() {
    return Promise.resolve();
  }
  poll() {
    return Promise.resolve(null);
  }
  stop() {
    return Promise.resolve();
  }
}

const descriptor = definePlugin({
  kind: 'source',
  className: 'test.MisbehavingConnector',
  version: '1',
  create: () => new MisbehavingConnector(),
  createTask: () => new IdleTask(),
});
const plugin: RegisteredPlugin = {
  descriptor,
  location: { module: 'file:///nowhere.js', className: descriptor.className, kind: 'source' },
};
const plugins = {
  find: (name: string) => (name === descriptor.className ? plugin : undefined),
  list: () => [],
} as unknown as PluginRegistry;

describe('Reconciler with a connector whose taskConfigs misbehaves', () => {
  let dir: string;
  let log: EmbeddedLog;
  let statuses: StatusStore;
  let snapshot: ConfigSnapshot;
  let published: Map<string, ConnectorConfig[]>;
  let started: string[];
  /** What stopping a task does. */
  let stopTask: () => Promise<void>;
  let lines: string[];
  let reconciler: Reconciler;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-reconciler-'));
    log = await EmbeddedLog.open({ dataDir: dir });
    statuses = await StatusStore.open(log, { name: 'status', replicationFactor: 1 });
    snapshot = {
      offset: 0,
      connectors: new Map(),
      targetStates: new Map(),
      tasks: new Map(),
      inconsistent: new Set(),
      sessionKey: undefined,
      tasksGeneratedWith: new Map(),
    };
    published = new Map();
    started = [];
    stopTask = () => Promise.resolve();
    lines = [];
    calls.length = 0;
    const runtime: TaskRuntime = {
      startTask: (spec) => {
        started.push(`${spec.connector}-${spec.task}`);
        return Promise.resolve();
      },
      stopTask: () => stopTask(),
      pauseTask: () => undefined,
      resumeTask: () => undefined,
      close: () => Promise.resolve(),
    };
    reconciler = new Reconciler({
      workerId: () => 'here:8083',
      configs: { snapshot: () => snapshot },
      statuses,
      plugins,
      runtime,
      configProviders: ConfigProviders.fromWorkerProperties({}),
      logger: new Loggers({ write: (line) => lines.push(line) }).get('sluice.herder'),
      publishTaskConfigs: (name, configs) => {
        published.set(name, configs);
        return Promise.resolve();
      },
      connectorCallTimeoutMs: 300,
    });
  });
  afterEach(async () => {
    await reconciler.stop();
    await log.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Puts connectors in the config view and assigns everything to this worker. */
  async function run(
    configs: Record<string, Record<string, string>>,
    tasks: Record<string, ConnectorConfig[]> = {},
  ) {
    const connectors = new Map(
      Object.entries(configs).map(([name, config]) => [
        name,
        { 'connector.class': descriptor.className, name, ...config },
      ]),
    );
    snapshot = {
      offset: 1,
      connectors,
      targetStates: new Map(),
      tasks: new Map(Object.entries(tasks)),
      inconsistent: new Set(),
      sessionKey: undefined,
      tasksGeneratedWith: new Map(),
    };
    await reconciler.assign(everything(snapshot)).started;
  }
  const state = (name: string) => statuses.connector(name);

  it('fails each misbehaving connector with a message saying what it did, and runs the others', async () => {
    await run({
      good: { 'tasks.max': '2' },
      many: { behaviour: 'too-many', 'tasks.max': '2' },
      lenient: { behaviour: 'way-too-many', 'tasks.max.enforce': 'false' },
      thrower: { behaviour: 'throw' },
      hanger: { behaviour: 'hang' },
      starter: { behaviour: 'hang-start' },
      object: { behaviour: 'not-a-list' },
      numbers: { behaviour: 'not-strings' },
      huge: { behaviour: 'huge', 'tasks.max': '40' },
    });
    expect(state('good')?.state).toBe('RUNNING');
    expect(published.get('good')).toEqual([
      { topic: 't', 'task.class': 'test.MisbehavingTask' },
      { topic: 't', 'task.class': 'test.MisbehavingTask' },
    ]);
    const traces = {
      many: 'The connector many has generated 3 tasks, which is greater than 2, the maximum number of tasks it is configured to create.',
      lenient: `Sluice runs at most ${MAX_TASKS} tasks per connector.`,
      thrower: 'cannot split the work',
      hanger: "The connector hanger's taskConfigs() did not finish within 300 ms",
      starter: "The connector starter's start() did not finish within 300 ms",
      object:
        'The connector object returned a value of type object from taskConfigs(), not a list of task configs',
      numbers:
        "The connector numbers generated a task config (task 0) whose value of 'batch' is a value of type number, not a string",
      huge: 'The connector huge generated task configs of more than 33554432 characters in all',
    };
    for (const [name, trace] of Object.entries(traces)) {
      expect(state(name), name).toMatchObject({ state: 'FAILED', trace: expect.stringContaining(trace) });
      expect(published.has(name), name).toBe(false);
    }
    expect(lines.join('')).toContain(
      "ERROR Connector hanger failed: ConnectError: The connector hanger's taskConfigs()",
    );
    expect(lines.join('')).toContain('INFO Connector good is RUNNING');
  });

  it('fails a stored tasks.max past the bound without asking the connector, and keeps running', async () => {
    await run({ absurd: { 'tasks.max': '1000000000' }, negative: { 'tasks.max': '-1' }, good: {} });
    expect(state('absurd')).toMatchObject({
      state: 'FAILED',
      trace: expect.stringContaining(
        `The connector absurd has tasks.max=1000000000, which is not an integer from 1 to ${MAX_TASKS}`,
      ),
    });
    expect(state('negative')?.state).toBe('FAILED');
    expect(calls).toEqual(['good taskConfigs(1)']);
    expect(state('good')?.state).toBe('RUNNING');
  });

  it('stops revoked connectors and tasks all at once, then records them UNASSIGNED in one produce, and only then resolves revoked', async () => {
    await run(
      { good: { 'tasks.max': '3' }, other: { 'tasks.max': '2' } },
      { good: [{ topic: 't' }, { topic: 't' }, { topic: 't' }], other: [{ topic: 't' }, { topic: 't' }] },
    );
    expect(started.sort()).toEqual(['good-0', 'good-1', 'good-2', 'other-0', 'other-1']);
    let inFlight = 0;
    let most = 0;
    stopTask = async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 50));
      inFlight--;
    };
    const produce = log.produce.bind(log);
    const produced: string[] = [];
    log.produce = (topic, records) => {
      produced.push(`${topic} ${records.length}`);
      return produce(topic, records);
    };
    const assigned = reconciler.assign({ connectors: new Set(['good']), tasks: new Set(), generation: 2 });
    await assigned.revoked;
    expect(most).toBe(5);
    // The connector other and the five tasks.
    expect(produced).toEqual(['status 6']);
    expect(state('other')?.state).toBe('UNASSIGNED');
    expect(state('good')?.state).toBe('RUNNING');
    for (const [name, count] of [
      ['good', 3],
      ['other', 2],
    ] as const) {
      for (let task = 0; task < count; task++) expect(statuses.task(name, task)?.state).toBe('UNASSIGNED');
    }
    expect(lines.join('')).toContain('INFO Task other-1 is UNASSIGNED');
    await assigned.started;
  });

  it('starts none of more committed task configs than the bound', async () => {
    const many = Array.from({ length: MAX_TASKS + 1 }, () => ({ topic: 't' }));
    await run({ stored: {} }, { stored: many });
    expect(started).toEqual([]);
    expect(state('stored')).toMatchObject({
      state: 'FAILED',
      trace: expect.stringContaining(`has ${MAX_TASKS + 1} task configs committed`),
    });
  });
});
