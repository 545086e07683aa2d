import type { ConfigProviders } from '@sluice/config-providers';
import type { Logger } from '@sluice/logging';
import type { PluginRegistry, RegisteredPlugin } from '@sluice/plugins';
import {
  ConnectError,
  taskClassOf,
  type Connector,
  type SinkConnectorPlugin,
  type SourceConnectorPlugin,
} from '@sluice/sdk';
import { ConfigProviders as Providers } from '@sluice/config-providers';
import type { ConfigSnapshot, ConnectorConfig } from '../stores/config-store.js';
import type { State, Status, StatusStore, StatusWrite } from '../stores/status-store.js';
import { findConnectorPlugin } from './connector-config.js';
import { configSecrets, Redactor } from './redaction.js';
import { eachLimited } from './each-limited.js';
import type { RestartRequest } from './herder.js';
import {
  checkedTaskConfigs,
  CONNECTOR_CALL_TIMEOUT_MS,
  MAX_TASKS,
  tasksMax,
  withinTimeout,
} from './task-configs.js';
import type { TaskRuntime } from './task-runtime.js';
import { NO_WORK, splitTaskKey, taskKey, type WorkAssignment } from './work.js';

/** What the reconciler reads of the config topic: the current view. */
export interface ConfigView {
  snapshot(): ConfigSnapshot;
}

export interface ReconcilerOptions {
  /** `host:port` of this worker's advertised URL: the worker id in statuses. */
  workerId: () => string;
  configs: ConfigView;
  statuses: StatusStore;
  plugins: PluginRegistry;
  runtime: TaskRuntime;
  configProviders: ConfigProviders;
  logger: Logger;
  /**
   * Commits a connector's generated task configs: the leader writes them to the config topic, any other
   * worker sends them to the leader. Resolves once they are written.
   */
  publishTaskConfigs(connector: string, configs: ConnectorConfig[]): Promise<void>;
  /**
   * How long a connector's `start`, `taskConfigs` and `stop` may take before it is FAILED.
   * @default 60000 (`CONNECTOR_CALL_TIMEOUT_MS`)
   */
  connectorCallTimeoutMs?: number;
}

/** The key of the task class's name in every task config, as Connect's `TaskConfig.TASK_CLASS_CONFIG`. */
const TASK_CLASS = 'task.class';

interface RunningConnector {
  instance: Connector;
  plugin: RegisteredPlugin;
  config: ConnectorConfig;
  /** `config` with its variables resolved, as the instance was started with it. */
  resolved: ConnectorConfig;
  /** How many config writes of the connector had been seen when it started (see `#configWrites`). */
  writes: number;
}

/** What a running task was started with: a change to either restarts it (KAFKA-9228). */
interface RunningTask {
  task: ConnectorConfig;
  connector: ConnectorConfig;
}

/** Why the tasks of a connector are looked at again. */
type TaskTrigger = 'assignment' | 'connector-config' | 'target-state' | 'task-configs' | 'restart';

/** How long a failed task-config publication waits before it is tried again; doubles to the maximum. */
const PUBLISH_RETRY_MS = 250;
const PUBLISH_RETRY_MAX_MS = 10_000;

/** How many connectors a new assignment brings up at once. */
const START_CONCURRENCY = 8;

/**
 * Runs what this worker is assigned, and nothing else: the connector instances on this thread and the
 * tasks in the task runtime, each brought in line with the config topic (config, target state, committed
 * task configs) whenever the assignment or the config changes. One actor: every operation runs in its
 * mailbox, one at a time, in arrival order, so a change never interleaves with another.
 *
 * Connect's lifecycle rules hold here: a connector whose instance fails is FAILED while its tasks run on
 * the task configs last committed; a FAILED connector stays FAILED through pause and resume until it is
 * restarted, reconfigured or newly assigned; a paused connector's instance is stopped and its tasks are
 * paused; a task restarts when its task config or its connector's config changed.
 */
export class Reconciler {
  readonly #o: ReconcilerOptions;
  /** The assignment last given: what this worker owns, as far as anyone asking is concerned. */
  #target: WorkAssignment = NO_WORK;
  /** The assignment last applied: what the next one is compared with. */
  #assignment: WorkAssignment = NO_WORK;
  readonly #running = new Map<string, RunningConnector>();
  readonly #tasks = new Map<string, RunningTask>();
  /**
   * Incarnation of each task: bumped when a task starts, stops or is marked RESTARTING, so late events
   * from a task being replaced cannot overwrite the newer status.
   */
  readonly #incarnations = new Map<string, number>();
  /**
   * Config writes seen per connector, counted as their changes arrive (before they are handled): an
   * instance started after a write already runs with its config, so that write does not restart it again.
   */
  readonly #configWrites = new Map<string, number>();
  /**
   * Per connector, the secrets its instance and tasks were given (resolved variables, PASSWORD values): they
   * are hidden in every trace and log line that leaves them.
   */
  readonly #redactors = new Map<string, Redactor>();
  /** Task-config publications in progress, by connector, with the newest configs still to publish. */
  readonly #publishing = new Map<string, { latest: ConnectorConfig[] | undefined; running: boolean }>();
  /** Connectors whose task configs could not be published, and when to try again. */
  readonly #publishRetries = new Map<string, { timer: NodeJS.Timeout; delayMs: number }>();
  #queue: Promise<unknown> = Promise.resolve();
  #stopped = false;

  constructor(options: ReconcilerOptions) {
    this.#o = options;
  }

  get #callTimeoutMs(): number {
    return this.#o.connectorCallTimeoutMs ?? CONNECTOR_CALL_TIMEOUT_MS;
  }

  /** What this worker is assigned (it may still be starting or stopping parts of it). */
  get assignment(): WorkAssignment {
    return this.#target;
  }

  ownsConnector(name: string): boolean {
    return this.#target.connectors.has(name);
  }

  ownsTask(name: string, task: number): boolean {
    return this.#target.tasks.has(taskKey(name, task));
  }

  /** Resolves once every operation handed to the reconciler so far is done. */
  idle(): Promise<void> {
    return this.#queue.then(() => undefined);
  }

  /**
   * Brings what runs here to `assignment`: revoked work stops, newly assigned work starts. Ownership
   * changes at once. `revoked` resolves once everything revoked has stopped (what a group member must wait
   * for before it rejoins); `started` once the new work has started too.
   */
  assign(assignment: WorkAssignment): { revoked: Promise<void>; started: Promise<void> } {
    this.#target = assignment;
    let previous = NO_WORK;
    const revoked = this.#serial(async () => {
      previous = this.#assignment;
      this.#assignment = assignment;
      await this.#stopAll(
        [...previous.connectors].filter((name) => !assignment.connectors.has(name)),
        [...previous.tasks].filter((key) => !assignment.tasks.has(key)),
      );
    });
    // Queued right behind: nothing comes between the two.
    const started = this.#serial(async () => {
      const connectors = new Set([...assignment.connectors].filter((name) => !previous.connectors.has(name)));
      const touched = new Set<string>();
      for (const key of assignment.tasks) if (!previous.tasks.has(key)) touched.add(splitTaskKey(key)[0]);
      // Connectors are independent of each other: several start at once (as Connect's 8 start threads do),
      // since a task's start is mostly waiting on its thread and the broker. A connector's own instance
      // and tasks still come one after the other.
      await eachLimited([...new Set([...connectors, ...touched])], START_CONCURRENCY, async (name) => {
        if (connectors.has(name)) await this.#reconcileConnector(name, { recover: true });
        if (touched.has(name)) await this.#reconcileTasks(name, 'assignment');
      });
    });
    return { revoked, started };
  }

  /** A connector's config was written, changed or removed. */
  connectorConfigChanged(name: string): Promise<void> {
    const write = (this.#configWrites.get(name) ?? 0) + 1;
    this.#configWrites.set(name, write);
    return this.#serial(async () => {
      // Every config write restarts the connector instance, as in Connect (unless it started since).
      if ((this.#running.get(name)?.writes ?? write) < write) await this.#stopConnector(name);
      await this.#reconcileConnector(name, { recover: true });
      await this.#reconcileTasks(name, 'connector-config');
      // A deleted connector leaves nothing behind here (names come and go for the worker's whole life).
      if (!this.#o.configs.snapshot().connectors.has(name)) {
        this.#configWrites.delete(name);
        this.#redactors.delete(name);
        for (const key of [...this.#incarnations.keys()]) {
          if (splitTaskKey(key)[0] === name && !this.#tasks.has(key)) this.#incarnations.delete(key);
        }
      }
    });
  }

  /** A connector's target state changed (pause, resume, stop). */
  targetStateChanged(name: string): Promise<void> {
    return this.#serial(async () => {
      await this.#reconcileConnector(name);
      await this.#reconcileTasks(name, 'target-state');
    });
  }

  /** A connector's task configs were committed. */
  taskConfigsCommitted(name: string): Promise<void> {
    return this.#serial(() => this.#reconcileTasks(name, 'task-configs'));
  }

  /** The connector asked for its task configs to be generated again, or a publication is retried. */
  reconfigure(name: string): Promise<void> {
    return this.#serial(() => this.#reconcileConnector(name));
  }

  /** Restarts the connector instance (this worker must own it). A STOPPED connector stays stopped. */
  restartConnector(name: string): Promise<void> {
    return this.#serial(async () => {
      if (this.#o.configs.snapshot().targetStates.get(name) === 'STOPPED') return;
      await this.#stopConnector(name);
      await this.#reconcileConnector(name, { recover: true });
    });
  }

  /** Restarts one task (this worker must own it) on its committed config; its connector is not touched. */
  restartTask(name: string, task: number): Promise<void> {
    return this.#serial(async () => {
      await this.#stopTask(name, task);
      await this.#reconcileTasks(name, 'restart');
    });
  }

  /**
   * A restart request (`restart-connector-<name>`): the part of its plan this worker owns is marked
   * RESTARTING (keeping the trace being restarted from) and restarted.
   */
  restartRequested(name: string, request: RestartRequest): Promise<void> {
    return this.#serial(async () => {
      const plan = restartPlan(this.#o.configs.snapshot(), this.#o.statuses, name, request);
      if (plan === undefined) return;
      const statuses = this.#o.statuses;
      const connector = plan.connector && this.ownsConnector(name);
      const tasks = plan.tasks.filter((task) => this.ownsTask(name, task));
      if (connector) await this.#putConnectorStatus(name, 'RESTARTING', statuses.connector(name)?.trace);
      for (const task of tasks) {
        this.#nextIncarnation(taskKey(name, task));
        await this.#putTaskStatus(name, task, 'RESTARTING', statuses.task(name, task)?.trace);
      }
      if (connector) await this.#stopConnector(name);
      for (const task of tasks) await this.#stopTask(name, task);
      if (connector) await this.#reconcileConnector(name, { recover: true });
      if (tasks.length > 0) await this.#reconcileTasks(name, 'restart');
    });
  }

  /** Stops everything this worker runs (membership lost, or the worker stops), writing UNASSIGNED. */
  revokeAll(): Promise<void> {
    this.#target = { ...NO_WORK, generation: this.#target.generation };
    return this.#serial(() => this.#revokeAll());
  }

  /** Stops everything and takes no more work. */
  async stop(): Promise<void> {
    await this.#serial(async () => {
      await this.#revokeAll();
      this.#stopped = true;
      for (const { timer } of this.#publishRetries.values()) clearTimeout(timer);
      this.#publishRetries.clear();
    });
  }

  async #revokeAll(): Promise<void> {
    this.#target = this.#assignment = { ...NO_WORK, generation: this.#assignment.generation };
    await this.#stopAll([...this.#running.keys()], [...this.#tasks.keys()]);
  }

  /**
   * Stops connector instances and tasks given up by this worker, all at once (each may take its shutdown
   * timeout), then records them UNASSIGNED. A failure stopping one never keeps the others running.
   */
  async #stopAll(connectors: readonly string[], tasks: readonly string[]): Promise<void> {
    await Promise.all([
      ...connectors.map((name) => this.#stopConnector(name)),
      ...tasks.map((key) => {
        const [name, task] = splitTaskKey(key);
        return this.#stopTask(name, task).catch((error: unknown) =>
          this.#o.logger.error(`task ${name}-${task} did not stop cleanly`, error),
        );
      }),
    ]);
    await this.#putUnassigned(connectors, tasks);
  }

  /**
   * Records connectors and tasks this worker gave up UNASSIGNED (the next owner writes its own state at a
   * later generation), in one produce while the group waits for this member to rejoin: one write after
   * another took a round trip each (17 s for 34 tasks on a busy machine), and even all in flight at once
   * 125 writes took 110-660 ms on the test broker, against 2-12 ms for one produce of 125 records.
   */
  async #putUnassigned(connectors: readonly string[], tasks: readonly string[]): Promise<void> {
    const configured = this.#o.configs.snapshot().connectors;
    const statuses = this.#o.statuses;
    const status = this.#status('UNASSIGNED', undefined);
    const writes: StatusWrite[] = [];
    for (const name of connectors) {
      if (!configured.has(name)) continue;
      this.#logChange(`Connector ${name}`, statuses.connector(name), status);
      writes.push({ connector: name, status });
    }
    for (const key of tasks) {
      const [name, task] = splitTaskKey(key);
      if (!configured.has(name)) continue;
      this.#logChange(`Task ${name}-${task}`, statuses.task(name, task), status);
      writes.push({ connector: name, task, status });
    }
    try {
      await statuses.putAllSafe(writes);
    } catch (error) {
      this.#o.logger.warn(
        `could not write the UNASSIGNED statuses of ${writes.length} connectors and tasks: ${message(error)}`,
      );
    }
  }

  /** Runs operations one at a time, in arrival order; one that fails does not stop the next. */
  #serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(() => {
      if (this.#stopped) throw new ConnectError('the worker is stopping');
      return operation();
    });
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Brings the connector instance in line with its config and target state, if this worker owns it; then
   * generates its task configs and publishes them when they changed. `recover` (a restart, a new config, a
   * new assignment) tries a FAILED connector again.
   */
  async #reconcileConnector(name: string, { recover = false }: { recover?: boolean } = {}): Promise<void> {
    if (!this.ownsConnector(name)) return this.#stopConnector(name);
    const snapshot = this.#o.configs.snapshot();
    const config = snapshot.connectors.get(name);
    const target = snapshot.targetStates.get(name) ?? 'STARTED';
    if (config === undefined) {
      this.#redactors.delete(name);
      return this.#stopConnector(name);
    }
    if (target === 'STOPPED') {
      await this.#stopConnector(name);
      return this.#putConnectorStatus(name, 'STOPPED');
    }
    const failed = !recover && this.#o.statuses.connector(name)?.state === 'FAILED';
    if (target === 'PAUSED') {
      // As in Connect, a paused connector's instance is stopped; its tasks stay, paused.
      await this.#stopConnector(name);
      if (!failed) await this.#putConnectorStatus(name, 'PAUSED');
      return;
    }
    if (failed) return;

    let running = this.#running.get(name);
    if (running !== undefined && JSON.stringify(running.config) !== JSON.stringify(config)) {
      await this.#stopConnector(name);
      running = undefined;
    }
    if (running === undefined) {
      try {
        running = await this.#startConnector(name, config);
      } catch (error) {
        // Its tasks run on their committed configs all the same, as Connect's do.
        return this.#putConnectorStatus(name, 'FAILED', trace(error));
      }
    }

    let taskConfigs: ConnectorConfig[];
    try {
      const resolved = running.resolved;
      // Checked before the connector is asked: a stored tasks.max of a billion must fail this connector only.
      const maxTasks = tasksMax(name, resolved);
      const generated: unknown = await withinTimeout(
        () => running.instance.taskConfigs(maxTasks),
        this.#callTimeoutMs,
        `The connector ${name}'s taskConfigs()`,
      );
      const enforce = (resolved['tasks.max.enforce'] ?? 'true').trim().toLowerCase() !== 'false';
      const checked = checkedTaskConfigs(name, generated, maxTasks, enforce, (tooMany) =>
        this.#o.logger.warn(`${tooMany} Running them all, as tasks.max.enforce=false`),
      );
      // The connector saw resolved values; the stored task configs keep the variables (no secrets at rest).
      // Each carries the task class, as Connect's do.
      const taskClass = taskClassOf(running.plugin.descriptor as SourceConnectorPlugin | SinkConnectorPlugin);
      taskConfigs = Providers.reverseTransform(config, checked).map((taskConfig) => ({
        ...taskConfig,
        [TASK_CLASS]: taskClass,
      }));
    } catch (error) {
      return this.#putConnectorStatus(name, 'FAILED', trace(error));
    }
    await this.#putConnectorStatus(name, 'RUNNING');
    // Published when they changed, or when the connector's config changed since the last commit (Connect's
    // applied-config rule, KAFKA-9228): the tasks then restart with the new config even if theirs is the same.
    const committed = snapshot.tasks.get(name);
    if (
      committed === undefined ||
      JSON.stringify(committed) !== JSON.stringify(taskConfigs) ||
      JSON.stringify(snapshot.tasksGeneratedWith.get(name)) !== JSON.stringify(config)
    ) {
      this.#publish(name, taskConfigs);
    }
  }

  /**
   * Publishes task configs in the background, one publication per connector at a time (the latest configs
   * win): a publication waits on the leader (over HTTP, from a follower), and nothing else this worker must
   * do — stop revoked work, rejoin its group — may wait behind it. A failure (the leader unreachable, a
   * rebalance) regenerates and publishes again after a backoff.
   */
  #publish(name: string, taskConfigs: ConnectorConfig[]): void {
    const entry = this.#publishing.get(name) ?? { latest: undefined, running: false };
    entry.latest = taskConfigs;
    this.#publishing.set(name, entry);
    if (!entry.running) void this.#drainPublications(name, entry);
  }

  async #drainPublications(
    name: string,
    entry: { latest: ConnectorConfig[] | undefined; running: boolean },
  ): Promise<void> {
    entry.running = true;
    try {
      while (entry.latest !== undefined && !this.#stopped) {
        const taskConfigs = entry.latest;
        entry.latest = undefined;
        const retry = this.#publishRetries.get(name);
        if (retry !== undefined) clearTimeout(retry.timer);
        try {
          await this.#o.publishTaskConfigs(name, taskConfigs);
          this.#publishRetries.delete(name);
        } catch (error) {
          if (entry.latest !== undefined) continue; // newer configs are on their way anyway
          const delayMs = Math.min((retry?.delayMs ?? PUBLISH_RETRY_MS / 2) * 2, PUBLISH_RETRY_MAX_MS);
          this.#o.logger.warn(
            `could not commit the task configs of connector ${name}, retrying in ${delayMs} ms: ${message(error)}`,
          );
          const timer = setTimeout(() => {
            this.#publishRetries.delete(name);
            this.reconfigure(name).catch(() => undefined);
          }, delayMs);
          timer.unref();
          this.#publishRetries.set(name, { timer, delayMs });
        }
      }
    } finally {
      entry.running = false;
      if (entry.latest === undefined) this.#publishing.delete(name);
    }
  }

  /**
   * Runs exactly the committed task configs of `name` that this worker owns, paused or not. A running task
   * restarts when its task config changed; when only its connector's config changed it restarts once the
   * connector's new task configs are committed (or at once while paused, when no new ones will come).
   */
  async #reconcileTasks(name: string, trigger: TaskTrigger): Promise<void> {
    const snapshot = this.#o.configs.snapshot();
    const config = snapshot.connectors.get(name);
    const target = snapshot.targetStates.get(name) ?? 'STARTED';
    const committed = snapshot.tasks.get(name) ?? [];
    const connectorChanges = trigger !== 'connector-config' || target === 'PAUSED';
    for (const [key, started] of [...this.#tasks]) {
      const [owner, task] = splitTaskKey(key);
      if (owner !== name) continue;
      const gone = config === undefined || target === 'STOPPED' || task >= committed.length;
      if (gone || !this.ownsTask(name, task)) {
        // Gone for good: a sink task leaves its consumer group; one that moves keeps its place for its successor.
        await this.#stopTask(name, task, { unassigned: true, leaveGroup: gone });
      } else if (
        JSON.stringify(started.task) !== JSON.stringify(committed[task]) ||
        (connectorChanges && JSON.stringify(started.connector) !== JSON.stringify(config))
      ) {
        await this.#stopTask(name, task);
      }
    }
    if (config === undefined || target === 'STOPPED') return;
    if (committed.length > MAX_TASKS) {
      // Written by an older version or another runtime: starting them all could exhaust the worker.
      const error = new ConnectError(
        `The connector ${name} has ${committed.length} task configs committed, more than the ${MAX_TASKS} tasks Sluice runs per connector; none are started`,
      );
      if (this.ownsConnector(name)) await this.#putConnectorStatus(name, 'FAILED', trace(error));
      else this.#o.logger.error(error.message);
      return;
    }
    const owned = committed.flatMap((taskConfig, task) =>
      this.ownsTask(name, task) ? [{ task, taskConfig }] : [],
    );
    if (owned.length === 0) return;
    let plugin: RegisteredPlugin;
    try {
      plugin = findConnectorPlugin(this.#o.plugins, config['connector.class'] ?? '');
    } catch (error) {
      for (const { task } of owned) await this.#putTaskStatus(name, task, 'FAILED', trace(error));
      return;
    }
    const paused = target === 'PAUSED';
    // A connector's tasks are independent of each other: they start together (each records its own failure).
    const starting: Array<Promise<void>> = [];
    for (const { task, taskConfig } of owned) {
      if (!this.#tasks.has(taskKey(name, task)))
        starting.push(this.#startTask(name, task, plugin, config, taskConfig, paused));
      else if (paused) this.#o.runtime.pauseTask(name, task);
      else this.#o.runtime.resumeTask(name, task);
    }
    await Promise.all(starting);
  }

  async #startConnector(name: string, config: ConnectorConfig): Promise<RunningConnector> {
    const plugin = findConnectorPlugin(this.#o.plugins, config['connector.class'] ?? '');
    const instance = (plugin.descriptor as SourceConnectorPlugin | SinkConnectorPlugin).create();
    // Calls from an instance that has since been stopped (a timer firing late) are ignored.
    const current = () => this.#running.get(name)?.instance === instance;
    instance.initialize({
      requestTaskReconfiguration: () =>
        void this.#serial(() => (current() ? this.#reconcileConnector(name) : Promise.resolve())).catch(
          () => undefined,
        ),
      raiseError: (error) =>
        void this.#serial(() =>
          current() ? this.#putConnectorStatus(name, 'FAILED', trace(error)) : Promise.resolve(),
        ).catch(() => undefined),
    });
    const transformed = await this.#o.configProviders.transform(config);
    const resolved = transformed.config;
    this.#redactors.set(name, configSecrets(this.#o.plugins, resolved, transformed.secrets));
    try {
      await withinTimeout(
        () => instance.start(resolved),
        this.#callTimeoutMs,
        `The connector ${name}'s start()`,
      );
    } catch (error) {
      await withinTimeout(() => instance.stop(), this.#callTimeoutMs, 'stop()').catch(() => undefined);
      throw error;
    }
    const running = { instance, plugin, config, resolved, writes: this.#configWrites.get(name) ?? 0 };
    this.#running.set(name, running);
    return running;
  }

  async #startTask(
    name: string,
    task: number,
    plugin: RegisteredPlugin,
    connectorConfig: ConnectorConfig,
    taskConfig: ConnectorConfig,
    paused: boolean,
  ): Promise<void> {
    const key = taskKey(name, task);
    this.#tasks.set(key, { task: taskConfig, connector: connectorConfig });
    const incarnation = this.#nextIncarnation(key);
    const current = () => this.#incarnations.get(key) === incarnation;
    try {
      const providers = this.#o.configProviders;
      const connectorResolved = await providers.transform(connectorConfig);
      const taskResolved = await providers.transform(taskConfig);
      this.#learnSecrets(name, connectorResolved.config, connectorResolved.secrets);
      this.#learnSecrets(
        name,
        { ...taskResolved.config, 'connector.class': connectorConfig['connector.class'] ?? '' },
        taskResolved.secrets,
      );
      await this.#o.runtime.startTask(
        {
          connector: name,
          task,
          plugin: plugin.location,
          connectorConfig: connectorResolved.config,
          taskConfig: taskResolved.config,
          paused,
        },
        {
          onState: (state, failure) => {
            if (current()) void this.#putTaskStatus(name, task, state, failure).catch(() => undefined);
          },
          redact: (text) => this.#redactor(name).redact(text),
          onTopic: (topic) =>
            void this.#o.statuses
              .putActiveTopic({ topic, connector: name, task, discoverTimestamp: Date.now() })
              .catch(() => undefined),
        },
      );
    } catch (error) {
      if (this.#tasks.get(key)?.task === taskConfig) this.#tasks.delete(key);
      await this.#putTaskStatus(name, task, 'FAILED', trace(error));
    }
  }

  /** Adds what a resolved config of connector `name` holds that must stay hidden. */
  #learnSecrets(name: string, resolved: ConnectorConfig, variableValues: readonly string[]): void {
    const found = configSecrets(this.#o.plugins, resolved, variableValues);
    if (!found.empty) this.#redactors.set(name, this.#redactor(name).with(found.secrets));
  }

  #redactor(name: string): Redactor {
    return this.#redactors.get(name) ?? Redactor.NONE;
  }

  #nextIncarnation(key: string): number {
    const next = (this.#incarnations.get(key) ?? 0) + 1;
    this.#incarnations.set(key, next);
    return next;
  }

  /**
   * Stops a task if it runs here; `unassigned` records that it no longer runs anywhere for now;
   * `leaveGroup` that it is gone for good (deleted, STOPPED, no longer configured), not moved or restarted.
   */
  async #stopTask(
    name: string,
    task: number,
    { unassigned = false, leaveGroup = false }: { unassigned?: boolean; leaveGroup?: boolean } = {},
  ): Promise<void> {
    const key = taskKey(name, task);
    if (!this.#tasks.delete(key)) return;
    // Events the stopping task still sends are stale from here on.
    this.#nextIncarnation(key);
    await this.#o.runtime.stopTask(name, task, { leaveGroup });
    if (unassigned) await this.#putTaskStatus(name, task, 'UNASSIGNED');
  }

  /** Stops a connector instance, if one runs here. */
  async #stopConnector(name: string): Promise<void> {
    const running = this.#running.get(name);
    if (running === undefined) return;
    this.#running.delete(name);
    try {
      await withinTimeout(
        () => running.instance.stop(),
        this.#callTimeoutMs,
        `The connector ${name}'s stop()`,
      );
    } catch (error) {
      this.#o.logger.error(`connector ${name} failed to stop cleanly`, error);
    }
  }

  // No status is written for a connector the config topic no longer has: its statuses were removed.
  // Traces are stored (and logged) with the connector's secrets hidden. What this worker gives up
  // (UNASSIGNED) is written only over its own status or an older generation (Connect's putSafe): a late
  // one must not hide the RUNNING of the worker that took the work over.
  // A status write that fails (the log unreachable) is logged, never thrown: statuses report what runs,
  // and what runs must not depend on them (Connect's status writes are fire-and-forget too).
  async #putConnectorStatus(name: string, state: State, failure?: string): Promise<void> {
    if (!this.#o.configs.snapshot().connectors.has(name)) return;
    const status = this.#status(state, this.#redactor(name).redact(failure));
    this.#logChange(`Connector ${name}`, this.#o.statuses.connector(name), status);
    try {
      if (state === 'UNASSIGNED') await this.#o.statuses.putConnectorSafe(name, status);
      else await this.#o.statuses.putConnector(name, status);
    } catch (error) {
      this.#o.logger.warn(`could not write the ${state} status of connector ${name}: ${message(error)}`);
    }
  }

  async #putTaskStatus(name: string, task: number, state: State, failure?: string): Promise<void> {
    if (!this.#o.configs.snapshot().connectors.has(name)) return;
    const status = this.#status(state, this.#redactor(name).redact(failure));
    this.#logChange(`Task ${name}-${task}`, this.#o.statuses.task(name, task), status);
    try {
      if (state === 'UNASSIGNED') await this.#o.statuses.putTaskSafe(name, task, status);
      else await this.#o.statuses.putTask(name, task, status);
    } catch (error) {
      this.#o.logger.warn(`could not write the ${state} status of task ${name}-${task}: ${message(error)}`);
    }
  }

  /** A state change as Connect logs it: INFO, a failure at ERROR with its trace; a repeat says nothing. */
  #logChange(what: string, previous: Status | undefined, next: Status): void {
    // The same failure again (a retried start) differs only in the stack's last frames.
    const headline = (status: Status | undefined) => status?.trace?.split('\n', 1)[0];
    if (previous?.state === next.state && headline(previous) === headline(next)) return;
    if (next.state === 'FAILED') this.#o.logger.error(`${what} failed: ${next.trace ?? 'no trace'}`);
    else this.#o.logger.info(`${what} is ${next.state}`);
  }

  #status(state: State, failure: string | undefined): Status {
    return {
      state,
      workerId: this.#o.workerId(),
      generation: Math.max(0, this.#target.generation),
      ...(failure ? { trace: failure } : {}),
    };
  }
}

/**
 * What a restart request restarts, from the statuses as this worker sees them (Connect's
 * `buildRestartPlan`): the connector unless only failed ones are asked for and it has not failed; with
 * `includeTasks`, every task, or only the failed ones. Undefined for an unknown connector.
 */
export function restartPlan(
  snapshot: ConfigSnapshot,
  statuses: StatusStore,
  name: string,
  request: RestartRequest,
): { connector: boolean; tasks: number[] } | undefined {
  if (!snapshot.connectors.has(name)) return undefined;
  const failed = (status: Status | undefined) => status?.state === 'FAILED';
  const connector = !request.onlyFailed || failed(statuses.connector(name));
  const count = snapshot.tasks.get(name)?.length ?? 0;
  const tasks = Array.from({ length: count }, (_, task) => task).filter(
    (task) => request.includeTasks && (!request.onlyFailed || failed(statuses.task(name, task))),
  );
  return { connector, tasks };
}

function trace(error: unknown): string {
  return error instanceof Error ? (error.stack ?? String(error)) : String(error);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
