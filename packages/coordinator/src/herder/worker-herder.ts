import type { ConfigStore, ConnectorConfig, TargetState } from '../stores/config-store.js';
import type { OffsetStore } from '../stores/offset-store.js';
import type { State, Status, StatusStore } from '../stores/status-store.js';
import type { Log } from '@sluice/log';
import type {
  Connector,
  SinkConnector,
  SinkConnectorPlugin,
  SourceConnector,
  SourceConnectorPlugin,
} from '@sluice/sdk';
import { ConnectError } from '@sluice/sdk';
import type { Logger } from '@sluice/logging';
import type { PluginRegistry, RegisteredPlugin } from '@sluice/plugins';
import { AlreadyExistsError, BadRequestError, NotFoundError } from './errors.js';
import { javaString } from './java-text.js';
import { ConfigProviders } from '@sluice/config-providers';
import {
  findConnectorPlugin,
  invalidConfigMessage,
  requireConnectorClass,
  validateConnectorConfig,
} from './connector-config.js';
import type {
  ConnectorInfo,
  ConnectorOffset,
  ConnectorStateInfo,
  ConnectorType,
  Herder,
  RestartRequest,
  StateInfo,
  TaskInfo,
} from './herder.js';
import type { TaskRuntime } from './task-runtime.js';

export interface WorkerHerderOptions {
  /** `host:port` of this worker's advertised URL: the worker id in statuses (known once listening). */
  workerId: () => string;
  configs: ConfigStore;
  statuses: StatusStore;
  offsets: OffsetStore;
  log: Log;
  plugins: PluginRegistry;
  runtime: TaskRuntime;
  logger: Logger;
  /** Resolves `${provider:path:key}` variables in connector configs (`config.providers`). */
  configProviders: ConfigProviders;
}

interface RunningConnector {
  instance: Connector;
  plugin: RegisteredPlugin;
  config: ConnectorConfig;
  /** `config` with its variables resolved, as the instance was started with it. */
  resolved: ConnectorConfig;
}

const STOPPED_ONLY = (name: string) =>
  `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`;

/**
 * The herder of a worker that runs every connector itself (embedded mode): configs, target states and
 * statuses live in the stores; connectors run on this thread, their tasks in the task runtime. Operations
 * run one at a time, so a request sees the effects of the ones before it.
 */
export class WorkerHerder implements Herder {
  readonly #o: WorkerHerderOptions;
  readonly #running = new Map<string, RunningConnector>();
  /**
   * What each running task was started with, by `connector/task`: its task config and its connector's
   * config (converters, transforms and error handling come from the latter), so a change to either
   * restarts it, as Connect does since KAFKA-9228.
   */
  readonly #tasks = new Map<string, { task: ConnectorConfig; connector: ConnectorConfig }>();
  /**
   * Incarnation of each task (`connector/task`): bumped when a task is started or marked RESTARTING, so
   * late events from the task being replaced cannot overwrite the newer status.
   */
  readonly #incarnations = new Map<string, number>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: WorkerHerderOptions) {
    this.#o = options;
  }

  /** Starts everything the config topic says should run. */
  async start(): Promise<void> {
    await this.#serial(async () => {
      const snapshot = await this.#o.configs.refresh();
      for (const name of snapshot.connectors.keys()) await this.#reconcile(name, { recover: true });
    });
  }

  async stop(): Promise<void> {
    await this.#serial(async () => {
      // Paused connectors have tasks but no running instance: stop by both.
      const names = new Set([
        ...this.#running.keys(),
        ...[...this.#tasks.keys()].map((k) => splitTaskKey(k)[0]),
      ]);
      for (const name of names) await this.#stopConnector(name);
    });
  }

  connectors(): Promise<string[]> {
    return Promise.resolve([...this.#o.configs.snapshot().connectors.keys()].sort());
  }

  async connectorInfo(name: string): Promise<ConnectorInfo> {
    return Promise.resolve(this.#info(name));
  }

  connectorConfig(name: string): Promise<ConnectorConfig> {
    return Promise.resolve({ ...this.#config(name) });
  }

  putConnectorConfig(
    name: string,
    config: ConnectorConfig,
    options: { allowReplace: boolean; initialState?: TargetState },
  ): Promise<{ created: boolean; info: ConnectorInfo }> {
    return this.#serial(async () => {
      // Checked on the config as given: the message quotes it, and resolved values may be secrets.
      requireConnectorClass(config);
      // Invalid before existing, in Connect's order: a bad config for a taken name is a 400, not a 409.
      const { infos } = await validateConnectorConfig(this.#o.plugins, await this.#resolved(config));
      if (infos.error_count > 0) throw new BadRequestError(invalidConfigMessage(infos));
      const exists = this.#o.configs.snapshot().connectors.has(name);
      if (exists && !options.allowReplace) throw new AlreadyExistsError(`Connector ${name} already exists`);
      await this.#o.configs.putConnectorConfig(
        name,
        config,
        exists ? undefined : (options.initialState ?? 'STARTED'),
      );
      // Every config write restarts the connector instance, as in Connect (its tasks restart only if
      // their configs or the connector's change).
      await this.#stopConnector(name, { keepTasks: true });
      await this.#reconcile(name, { recover: true });
      return { created: !exists, info: this.#info(name) };
    });
  }

  /** `config` with its `${provider:path:key}` variables resolved, as Connect validates it; 400 if one fails. */
  async #resolved(config: ConnectorConfig): Promise<ConnectorConfig> {
    try {
      return (await this.#o.configProviders.transform(config)).config;
    } catch (error) {
      throw new BadRequestError(error instanceof Error ? error.message : String(error));
    }
  }

  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    const merged: ConnectorConfig = { ...this.#config(name) };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    return (await this.putConnectorConfig(name, merged, { allowReplace: true })).info;
  }

  deleteConnector(name: string): Promise<void> {
    return this.#serial(async () => {
      const tasks = this.#o.configs.snapshot().tasks.get(name)?.length ?? 0;
      this.#config(name);
      await this.#stopConnector(name);
      await this.#o.configs.removeConnector(name);
      await this.#o.statuses.removeConnector(name, tasks);
    });
  }

  async connectorStatus(name: string): Promise<ConnectorStateInfo> {
    const config = this.#config(name, `No status found for connector ${name}`);
    const statuses = this.#o.statuses;
    const tasks = this.#o.configs.snapshot().tasks.get(name) ?? [];
    return Promise.resolve({
      name,
      connector: this.#stateInfo(statuses.connector(name)),
      tasks: tasks.map((_, task) => ({ id: task, ...this.#stateInfo(statuses.task(name, task)) })),
      type: this.#type(config),
    });
  }

  async taskStatus(name: string, task: number): Promise<StateInfo & { id: number }> {
    const status = this.#o.statuses.task(name, task);
    if (status === undefined || task >= (this.#o.configs.snapshot().tasks.get(name)?.length ?? 0)) {
      throw new NotFoundError(`No status found for task ${name}-${task}`);
    }
    return Promise.resolve({ id: task, ...this.#stateInfo(status) });
  }

  async taskConfigs(name: string): Promise<TaskInfo[]> {
    this.#config(name);
    const tasks = this.#o.configs.snapshot().tasks.get(name) ?? [];
    return Promise.resolve(
      tasks.map((config, task) => ({ id: { connector: name, task }, config: { ...config } })),
    );
  }

  pauseConnector(name: string): Promise<void> {
    return this.#setTargetState(name, 'PAUSED');
  }

  resumeConnector(name: string): Promise<void> {
    return this.#setTargetState(name, 'STARTED');
  }

  stopConnector(name: string): Promise<void> {
    return this.#setTargetState(name, 'STOPPED');
  }

  restartConnector(name: string): Promise<void> {
    return this.#serial(async () => {
      this.#config(name, `Unknown connector: ${name}`);
      if (this.#o.configs.snapshot().targetStates.get(name) === 'STOPPED') return;
      await this.#stopConnector(name, { keepTasks: true });
      await this.#reconcile(name, { recover: true });
    });
  }

  async restartConnectorAndTasks(name: string, request: RestartRequest): Promise<ConnectorStateInfo> {
    const plan = await this.#serial(async () => {
      this.#config(name, `Unknown connector: ${name}`);
      const statuses = this.#o.statuses;
      const failed = (status: Status | undefined) => status?.state === 'FAILED';
      const connector = !request.onlyFailed || failed(statuses.connector(name));
      const taskCount = this.#o.configs.snapshot().tasks.get(name)?.length ?? 0;
      const tasks = Array.from({ length: taskCount }, (_, task) => task).filter(
        (task) => request.includeTasks && (!request.onlyFailed || failed(statuses.task(name, task))),
      );
      // RESTARTING keeps the trace of the failure being restarted from, as Connect's restart plan does.
      if (connector) await this.#putConnectorStatus(name, 'RESTARTING', statuses.connector(name)?.trace);
      for (const task of tasks) {
        this.#nextIncarnation(`${name}/${task}`);
        await this.#putTaskStatus(name, task, 'RESTARTING', statuses.task(name, task)?.trace);
      }
      return { connector, tasks };
    });
    const response = await this.connectorStatus(name);
    // The restarts themselves happen after the answer, as in Connect: the status shows RESTARTING first.
    void this.#serial(async () => {
      if (!this.#o.configs.snapshot().connectors.has(name)) return;
      if (plan.connector) await this.#stopConnector(name, { keepTasks: true });
      for (const task of plan.tasks) await this.#stopTask(name, task);
      await this.#reconcile(name, { recover: plan.connector });
    }).catch((error: unknown) => this.#o.logger.error(`restart of ${name} failed`, error));
    return response;
  }

  restartTask(name: string, task: number): Promise<void> {
    return this.#serial(async () => {
      this.#config(name, `Unknown connector: ${name}`);
      if (task >= (this.#o.configs.snapshot().tasks.get(name)?.length ?? 0)) {
        throw new NotFoundError(`Unknown task: ${name}-${task}`);
      }
      // Only the task, on its committed config: the connector is not touched, as in Connect.
      await this.#stopTask(name, task);
      const snapshot = this.#o.configs.snapshot();
      const config = snapshot.connectors.get(name)!;
      const paused = snapshot.targetStates.get(name) === 'PAUSED';
      const plugin = findConnectorPlugin(this.#o.plugins, config['connector.class'] ?? '');
      await this.#startTask(name, task, { plugin, config }, snapshot.tasks.get(name)![task]!, paused);
    });
  }

  /** Any name has topics (none for an unknown connector), as Connect's `connectorActiveTopics`. */
  async activeTopics(name: string): Promise<string[]> {
    return Promise.resolve(this.#o.statuses.activeTopics(name).map((t) => t.topic));
  }

  resetActiveTopics(name: string): Promise<void> {
    return this.#serial(() => this.#o.statuses.resetActiveTopics(name));
  }

  async offsets(name: string): Promise<ConnectorOffset[]> {
    const config = this.#config(name);
    if (this.#type(config) === 'sink') {
      const committed = await this.#o.log.fetchGroupOffsets(`connect-${name}`);
      return committed.map((o) => ({
        partition: { kafka_topic: o.topic, kafka_partition: o.partition },
        offset: { kafka_offset: o.offset },
      }));
    }
    await this.#o.offsets.refresh();
    return this.#o.offsets.offsets(name);
  }

  alterOffsets(name: string, offsets: ConnectorOffset[]): Promise<string> {
    return this.#serial(() => this.#writeOffsets(name, offsets, 'altered'));
  }

  resetOffsets(name: string): Promise<string> {
    return this.#serial(async () => {
      this.#config(name);
      const current = await this.offsets(name);
      return this.#writeOffsets(
        name,
        current.map((o) => ({ partition: o.partition, offset: null })),
        'reset',
      );
    });
  }

  /** Runs operations one at a time, in arrival order. */
  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** A connector's config, or a 404 worded as Connect's herders word it for the operation. */
  #config(name: string, notFound = `Connector ${name} not found`): ConnectorConfig {
    const config = this.#o.configs.snapshot().connectors.get(name);
    if (config === undefined) throw new NotFoundError(notFound);
    return config;
  }

  #info(name: string): ConnectorInfo {
    const config = this.#config(name);
    const tasks = this.#o.configs.snapshot().tasks.get(name) ?? [];
    return {
      name,
      config: { ...config },
      tasks: tasks.map((_, task) => ({ connector: name, task })),
      type: this.#type(config),
    };
  }

  #type(config: ConnectorConfig): ConnectorType {
    const kind = this.#o.plugins.find(config['connector.class'] ?? '', ['source', 'sink'])?.descriptor.kind;
    return kind === 'source' || kind === 'sink' ? kind : 'unknown';
  }

  #stateInfo(status: Status | undefined): StateInfo {
    if (status === undefined) return { state: 'UNASSIGNED', worker_id: this.#o.workerId() };
    return {
      state: status.state,
      worker_id: status.workerId,
      ...(status.trace ? { trace: status.trace } : {}),
    };
  }

  async #setTargetState(name: string, state: TargetState): Promise<void> {
    await this.#serial(async () => {
      this.#config(name, `Unknown connector ${name}`);
      await this.#o.configs.putTargetState(name, state);
      await this.#reconcile(name);
    });
  }

  async #putConnectorStatus(name: string, state: State, trace?: string): Promise<void> {
    await this.#o.statuses.putConnector(name, {
      state,
      workerId: this.#o.workerId(),
      generation: 0,
      ...(trace ? { trace } : {}),
    });
  }

  async #putTaskStatus(name: string, task: number, state: State, trace?: string): Promise<void> {
    await this.#o.statuses.putTask(name, task, {
      state,
      workerId: this.#o.workerId(),
      generation: 0,
      ...(trace ? { trace } : {}),
    });
  }

  /**
   * Brings what runs for `name` in line with its config and target state. A FAILED connector stays
   * FAILED through pause and resume (Connect's `WorkerConnector` refuses those transitions) while its
   * tasks follow the target state; `recover` (a restart, a new config, the worker starting) tries it again.
   */
  async #reconcile(name: string, { recover = false }: { recover?: boolean } = {}): Promise<void> {
    const snapshot = this.#o.configs.snapshot();
    const config = snapshot.connectors.get(name);
    const target = snapshot.targetStates.get(name) ?? 'STARTED';
    if (config === undefined) return this.#stopConnector(name);
    if (target === 'STOPPED') {
      await this.#stopConnector(name);
      if ((snapshot.tasks.get(name)?.length ?? 0) > 0) await this.#o.configs.putTaskConfigs(name, []);
      return this.#putConnectorStatus(name, 'STOPPED');
    }

    const failed = !recover && this.#o.statuses.connector(name)?.state === 'FAILED';
    if (target === 'PAUSED') {
      // As in Connect, a paused connector's instance is stopped; its tasks stay, paused, with the task
      // configs last committed (a worker that restarts brings them back paused without the connector).
      await this.#stopConnector(name, { keepTasks: true });
      return this.#runCommittedTasks(name, config, snapshot.tasks.get(name) ?? [], true, !failed);
    }
    if (failed) return this.#runCommittedTasks(name, config, snapshot.tasks.get(name) ?? [], false, false);

    let running = this.#running.get(name);
    if (running !== undefined && JSON.stringify(running.config) !== JSON.stringify(config)) {
      await this.#stopConnector(name);
      running = undefined;
    }
    if (running === undefined) {
      try {
        running = await this.#startConnector(name, config);
      } catch (error) {
        this.#o.logger.error(`connector ${name} failed to start`, error);
        await this.#putConnectorStatus(name, 'FAILED', trace(error));
        // The tasks run on their committed configs all the same, as Connect's do.
        return this.#runCommittedTasks(name, config, snapshot.tasks.get(name) ?? [], false, false);
      }
    }

    let taskConfigs: ConnectorConfig[];
    try {
      const resolved = running.resolved;
      const maxTasks = Number(resolved['tasks.max'] ?? '1');
      const generated = await running.instance.taskConfigs(maxTasks);
      // More tasks than tasks.max is the connector's bug: it fails (tasks.max.enforce, Connect 3.8+),
      // or, with tasks.max.enforce=false, the extra tasks run as they did before 3.8.
      if (generated.length > maxTasks) {
        const message =
          `The connector ${name} has generated ${generated.length} tasks, which is greater than ${maxTasks}, ` +
          'the maximum number of tasks it is configured to create.';
        if ((resolved['tasks.max.enforce'] ?? 'true').trim().toLowerCase() !== 'false')
          throw new ConnectError(message);
        this.#o.logger.warn(`${message} Running them all, as tasks.max.enforce=false`);
      }
      // The connector saw resolved values; the stored task configs keep the variables (no secrets at rest).
      taskConfigs = ConfigProviders.reverseTransform(config, generated);
    } catch (error) {
      await this.#putConnectorStatus(name, 'FAILED', trace(error));
      return this.#runCommittedTasks(name, config, snapshot.tasks.get(name) ?? [], false, false);
    }
    const committed = snapshot.tasks.get(name);
    if (committed === undefined || JSON.stringify(committed) !== JSON.stringify(taskConfigs)) {
      await this.#o.configs.putTaskConfigs(name, taskConfigs);
    }
    return this.#applyTasks(name, running, taskConfigs, false);
  }

  /** The committed task configs, run without a connector instance (paused, or the connector failed). */
  async #runCommittedTasks(
    name: string,
    config: ConnectorConfig,
    taskConfigs: readonly ConnectorConfig[],
    paused: boolean,
    recordConnectorState: boolean,
  ): Promise<void> {
    let plugin: RegisteredPlugin;
    try {
      plugin = findConnectorPlugin(this.#o.plugins, config['connector.class'] ?? '');
    } catch (error) {
      return this.#putConnectorStatus(name, 'FAILED', trace(error));
    }
    return this.#applyTasks(name, { plugin, config }, taskConfigs, paused, recordConnectorState);
  }

  /** Runs exactly `taskConfigs` for `name`, paused or not, and records the connector's state (unless told not to). */
  async #applyTasks(
    name: string,
    connector: Pick<RunningConnector, 'plugin' | 'config'>,
    taskConfigs: readonly ConnectorConfig[],
    paused: boolean,
    recordConnectorState = true,
  ): Promise<void> {
    // Tasks beyond the new count, and tasks whose config changed, stop; the rest run or pause.
    for (const key of [...this.#tasks.keys()]) {
      const [owner, task] = splitTaskKey(key);
      const started = this.#tasks.get(key);
      if (
        owner === name &&
        (task >= taskConfigs.length ||
          JSON.stringify(started?.task) !== JSON.stringify(taskConfigs[task]) ||
          JSON.stringify(started?.connector) !== JSON.stringify(connector.config))
      ) {
        await this.#stopTask(name, task);
      }
    }
    if (recordConnectorState) await this.#putConnectorStatus(name, paused ? 'PAUSED' : 'RUNNING');
    for (const [task, taskConfig] of taskConfigs.entries()) {
      const key = `${name}/${task}`;
      if (!this.#tasks.has(key)) await this.#startTask(name, task, connector, taskConfig, paused);
      else if (paused) this.#o.runtime.pauseTask(name, task);
      else this.#o.runtime.resumeTask(name, task);
    }
  }

  async #startConnector(name: string, config: ConnectorConfig): Promise<RunningConnector> {
    const plugin = findConnectorPlugin(this.#o.plugins, config['connector.class'] ?? '');
    const instance: SourceConnector | SinkConnector = (
      plugin.descriptor as SourceConnectorPlugin | SinkConnectorPlugin
    ).create();
    // Calls from an instance that has since been stopped (a timer firing late) are ignored.
    const current = () => this.#running.get(name)?.instance === instance;
    instance.initialize({
      requestTaskReconfiguration: () =>
        void this.#serial(() => (current() ? this.#reconcile(name) : Promise.resolve())).catch(
          () => undefined,
        ),
      raiseError: (error) =>
        void this.#serial(() =>
          current() ? this.#putConnectorStatus(name, 'FAILED', trace(error)) : Promise.resolve(),
        ).catch(() => undefined),
    });
    const resolved = (await this.#o.configProviders.transform(config)).config;
    try {
      await instance.start(resolved);
    } catch (error) {
      await instance.stop().catch(() => undefined);
      throw error;
    }
    const running = { instance, plugin, config, resolved };
    this.#running.set(name, running);
    return running;
  }

  async #startTask(
    name: string,
    task: number,
    running: Pick<RunningConnector, 'plugin' | 'config'>,
    taskConfig: ConnectorConfig,
    paused: boolean,
  ): Promise<void> {
    const key = `${name}/${task}`;
    this.#tasks.set(key, { task: taskConfig, connector: running.config });
    const incarnation = this.#nextIncarnation(key);
    const current = () => this.#incarnations.get(key) === incarnation;
    try {
      const providers = this.#o.configProviders;
      await this.#o.runtime.startTask(
        {
          connector: name,
          task,
          plugin: running.plugin.location,
          connectorConfig: (await providers.transform(running.config)).config,
          taskConfig: (await providers.transform(taskConfig)).config,
          paused,
        },
        {
          onState: (state, failure) => {
            if (current()) void this.#putTaskStatus(name, task, state, failure).catch(() => undefined);
          },
          onTopic: (topic) =>
            void this.#o.statuses
              .putActiveTopic({ topic, connector: name, task, discoverTimestamp: Date.now() })
              .catch(() => undefined),
        },
      );
    } catch (error) {
      this.#tasks.delete(`${name}/${task}`);
      await this.#putTaskStatus(name, task, 'FAILED', trace(error));
    }
  }

  #nextIncarnation(key: string): number {
    const next = (this.#incarnations.get(key) ?? 0) + 1;
    this.#incarnations.set(key, next);
    return next;
  }

  async #stopTask(name: string, task: number): Promise<void> {
    if (!this.#tasks.delete(`${name}/${task}`)) return;
    await this.#o.runtime.stopTask(name, task);
  }

  /** Stops a connector instance and, unless `keepTasks`, its tasks. */
  async #stopConnector(name: string, { keepTasks = false }: { keepTasks?: boolean } = {}): Promise<void> {
    if (!keepTasks) {
      for (const key of [...this.#tasks.keys()]) {
        const [connector, task] = splitTaskKey(key);
        if (connector === name) await this.#stopTask(name, task);
      }
    }
    const running = this.#running.get(name);
    if (running === undefined) return;
    this.#running.delete(name);
    try {
      await running.instance.stop();
    } catch (error) {
      this.#o.logger.error(`connector ${name} failed to stop cleanly`, error);
    }
  }

  async #writeOffsets(
    name: string,
    offsets: ConnectorOffset[],
    action: 'altered' | 'reset',
  ): Promise<string> {
    const config = this.#config(name);
    if (this.#o.configs.snapshot().targetStates.get(name) !== 'STOPPED')
      throw new BadRequestError(STOPPED_ONLY(name));
    const plugin = findConnectorPlugin(this.#o.plugins, config['connector.class'] ?? '');
    let managedExternally: boolean;
    if (plugin.descriptor.kind === 'sink') {
      const parsed = offsets.map((o) => sinkOffset(o));
      const connector = plugin.descriptor.create();
      managedExternally = await connector.alterOffsets(
        await this.#resolved(config),
        parsed.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })),
      );
      // As Connect's Worker: a reset deletes the consumer group; a null offset deletes that partition's
      // committed offset, so the partition starts again from its beginning (auto.offset.reset=earliest).
      const group = `connect-${name}`;
      if (action === 'reset') {
        await this.#o.log.deleteGroupOffsets(group);
      } else {
        const removed = parsed.filter((o) => o.offset === null);
        const set = parsed.flatMap((o) =>
          o.offset === null ? [] : [{ topic: o.topic, partition: o.partition, offset: o.offset }],
        );
        if (removed.length > 0)
          await this.#o.log.deleteGroupOffsets(
            group,
            removed.map((o) => ({ topic: o.topic, partition: o.partition })),
          );
        if (set.length > 0) await this.#o.log.commitGroupOffsets(group, set);
      }
    } else {
      const connector = (plugin.descriptor as SourceConnectorPlugin).create();
      managedExternally = await connector.alterOffsets(
        await this.#resolved(config),
        new Map(offsets.map((o) => [o.partition, o.offset])),
      );
      await this.#o.offsets.write(name, offsets);
    }
    return managedExternally
      ? `The offsets for this connector have been ${action} successfully`
      : `The Connect framework-managed offsets for this connector have been ${action} successfully. However, if this connector manages offsets externally, they will need to be manually ${action === 'altered' ? 'altered' : 'reset'} in the system that the connector uses.`;
  }
}

function splitTaskKey(key: string): [string, number] {
  const at = key.lastIndexOf('/');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

function trace(error: unknown): string {
  return error instanceof Error ? (error.stack ?? String(error)) : String(error);
}

const KAFKA_TOPIC = 'kafka_topic';
const KAFKA_PARTITION = 'kafka_partition';
const KAFKA_OFFSET = 'kafka_offset';
/** Java's `int`, and the part of `long` a JavaScript number holds exactly. */
const INT_RANGE = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const SAFE_LONG_RANGE = { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/** A sink connector's offset as Connect's `SinkUtils.parseSinkConnectorOffsets` reads it: all 400s. */
function sinkOffset(entry: ConnectorOffset): { topic: string; partition: number; offset: number | null } {
  const partitionMap = entry.partition;
  if (!Object.hasOwn(partitionMap, KAFKA_TOPIC) || !Object.hasOwn(partitionMap, KAFKA_PARTITION)) {
    throw new BadRequestError(
      `The partition for a sink connector offset must contain the keys '${KAFKA_TOPIC}' and '${KAFKA_PARTITION}'`,
    );
  }
  if (partitionMap[KAFKA_TOPIC] === null) {
    throw new BadRequestError('Kafka topic names must be valid strings and may not be null');
  }
  if (partitionMap[KAFKA_PARTITION] === null) {
    throw new BadRequestError('Kafka partitions must be valid numbers and may not be null');
  }
  const topic = javaString(partitionMap[KAFKA_TOPIC]);
  const partition = parseJavaInteger(partitionMap[KAFKA_PARTITION], INT_RANGE);
  if (partition === undefined) {
    throw new BadRequestError(
      `Failed to parse the following Kafka partition value in the provided offsets: '${javaString(partitionMap[KAFKA_PARTITION])}'. Partition values for sink connectors need to be integers.`,
    );
  }
  if (entry.offset === null) return { topic, partition, offset: null };
  if (!Object.hasOwn(entry.offset, KAFKA_OFFSET)) {
    throw new BadRequestError(
      `The offset for a sink connector should either be null or contain the key '${KAFKA_OFFSET}'`,
    );
  }
  const offset = parseJavaInteger(entry.offset[KAFKA_OFFSET], SAFE_LONG_RANGE);
  if (offset === undefined) {
    throw new BadRequestError(
      `Failed to parse the following Kafka offset value in the provided offsets: '${javaString(entry.offset[KAFKA_OFFSET])}'. Offset values for sink connectors need to be integers.`,
    );
  }
  // Connect accepts these and fails later, writing them; a negative partition or offset never exists.
  if (partition < 0 || offset < 0) {
    throw new BadRequestError(
      `Partitions and offsets of a sink connector must not be negative: ${topic}-${partition} at ${offset}`,
    );
  }
  return { topic, partition, offset };
}

/**
 * `Integer.parseInt(String.valueOf(value))` (or `Long.parseLong`): a JSON number or a numeric string, an
 * optional sign and decimal digits, within `range`; undefined when Java would throw.
 */
function parseJavaInteger(value: unknown, range: { min: number; max: number }): number | undefined {
  const text = javaString(value);
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const parsed = Number(text);
  return parsed >= range.min && parsed <= range.max ? parsed : undefined;
}
