import type { ConfigProviders } from '@sluice/config-providers';
import { validateTopicName, type Log } from '@sluice/log';
import type { PluginRegistry } from '@sluice/plugins';
import type { SourceConnectorPlugin } from '@sluice/sdk';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfigStore, ConnectorConfig, TargetState } from '../stores/config-store.js';
import type { OffsetStore } from '../stores/offset-store.js';
import type { State, Status, StatusStore } from '../stores/status-store.js';
import type { ClusterRole } from './cluster-role.js';
import {
  findConnectorPlugin,
  invalidConfigMessage,
  requireConnectorClass,
  validateConnectorConfig,
} from './connector-config.js';
import {
  AlreadyExistsError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  NotLeaderError,
  NotOwnerError,
  RequestTimeoutError,
} from './errors.js';
import type {
  ConnectorInfo,
  ConnectorOffset,
  ConnectorStateInfo,
  ConnectorType,
  Herder,
  InternalRequest,
  RestartRequest,
  StateInfo,
  TaskInfo,
} from './herder.js';
import { restartPlan, type Reconciler } from './reconciler.js';
import { configSecrets, type Redactor } from './redaction.js';
import { CONNECTOR_CALL_TIMEOUT_MS, withinTimeout } from './task-configs.js';
import { sinkOffset } from './sink-offsets.js';

export interface WorkerHerderOptions {
  configs: ConfigStore;
  statuses: StatusStore;
  offsets: OffsetStore;
  log: Log;
  plugins: PluginRegistry;
  /** Resolves `${provider:path:key}` variables in connector configs (`config.providers`). */
  configProviders: ConfigProviders;
  /** Who leads the cluster and who runs what. */
  cluster: ClusterRole;
  /** What runs on this worker: restarts of work this worker owns go to it. */
  reconciler: Reconciler;
  /** `host:port` of this worker's advertised URL (the worker id shown for a status nobody wrote yet). */
  workerId: () => string;
  /**
   * Checks the signature of an internal request against the session key; throws `InternalRequestRejected`.
   * Undefined on a worker that is its whole cluster (embedded mode), which takes no internal requests.
   */
  verifyInternalRequest?: ((request: InternalRequest) => void) | undefined;
}

/** How long an offsets change waits for the tasks of a just stopped connector to stop. */
const TASKS_STOP_WAIT_MS = 15_000;
/** The states of a task that may still write. */
const ACTIVE = new Set<State>(['RUNNING', 'PAUSED', 'RESTARTING']);

/** How long a write that arrives during a rebalance waits for it to end before it is refused. */
const SETTLE_WAIT_MS = 15_000;

const STOPPED_ONLY = (name: string) =>
  `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`;

/**
 * The herder API: what the REST layer asks of this worker, as Kafka Connect's `DistributedHerder` answers
 * it. Reads come from this worker's views of the internal topics. Writes are validated here and written as
 * intent to the config topic, by the leader only: any other worker gets `NotLeaderError` (the REST layer
 * forwards to the leader). Restarts go to the worker that runs the connector or task (`NotOwnerError`
 * from the leader, which knows the owners). What runs where is the reconciler's business: it follows the
 * config topic and this worker's assignment, so nothing here starts or stops anything directly.
 *
 * The leader makes every write of a connector's config through one serial path, so a read-modify-write
 * (PATCH) never interleaves with another write, and a deleted connector stays deleted.
 */
export class WorkerHerder implements Herder {
  readonly #o: WorkerHerderOptions;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: WorkerHerderOptions) {
    this.#o = options;
  }

  connectors(): Promise<string[]> {
    return Promise.resolve([...this.#snapshot().connectors.keys()].sort());
  }

  connectorInfo(name: string): Promise<ConnectorInfo> {
    return Promise.resolve(this.#info(name));
  }

  connectorConfig(name: string): Promise<ConnectorConfig> {
    return Promise.resolve({ ...this.#config(name) });
  }

  async putConnectorConfig(
    name: string,
    config: ConnectorConfig,
    options: { allowReplace: boolean; initialState?: TargetState },
  ): Promise<{ created: boolean; info: ConnectorInfo }> {
    // Invalid before anything else, in Connect's order: a bad config for a taken name is a 400, not a 409,
    // and a follower refuses it before forwarding.
    const validated = await this.#validate(config);
    return this.#asLeader('Only the leader can set connector configs.', async () => {
      // Left to the leader by this worker while it was not one (during a rebalance): it is now.
      if (!validated) await this.#validate(config);
      const exists = this.#snapshot().connectors.has(name);
      if (exists && !options.allowReplace) throw new AlreadyExistsError(`Connector ${name} already exists`);
      await this.#o.configs.putConnectorConfig(
        name,
        config,
        exists ? undefined : (options.initialState ?? 'STARTED'),
      );
      return { created: !exists, info: this.#info(name) };
    });
  }

  async patchConnectorConfig(name: string, patch: Record<string, string | null>): Promise<ConnectorInfo> {
    return this.#asLeader('Only the leader can set connector configs.', async () => {
      // Read, merge and write in one step of the serial path: nothing can change the config in between.
      const merged: ConnectorConfig = { ...this.#config(name) };
      for (const [key, value] of Object.entries(patch)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      await this.#validate(merged);
      await this.#o.configs.putConnectorConfig(name, merged);
      return this.#info(name);
    });
  }

  async deleteConnector(name: string): Promise<void> {
    await this.#asLeader('Only the leader can delete connector configs.', async () => {
      const tasks = this.#snapshot().tasks.get(name)?.length ?? 0;
      this.#config(name);
      await this.#o.configs.removeConnector(name);
      // Workers write no status for a connector the config topic no longer has; what they wrote before goes.
      await this.#o.statuses.removeConnector(name, tasks);
    });
  }

  connectorStatus(name: string): Promise<ConnectorStateInfo> {
    const config = this.#config(name, `No status found for connector ${name}`);
    const statuses = this.#o.statuses;
    const tasks = this.#snapshot().tasks.get(name) ?? [];
    return Promise.resolve({
      name,
      connector: this.#stateInfo(statuses.connector(name)),
      tasks: tasks.map((_, task) => ({ id: task, ...this.#stateInfo(statuses.task(name, task)) })),
      type: this.#type(config),
    });
  }

  taskStatus(name: string, task: number): Promise<StateInfo & { id: number }> {
    const status = this.#o.statuses.task(name, task);
    if (status === undefined || task >= (this.#snapshot().tasks.get(name)?.length ?? 0)) {
      throw new NotFoundError(`No status found for task ${name}-${task}`);
    }
    return Promise.resolve({ id: task, ...this.#stateInfo(status) });
  }

  taskConfigs(name: string): Promise<TaskInfo[]> {
    this.#config(name);
    const tasks = this.#snapshot().tasks.get(name) ?? [];
    return Promise.resolve(
      tasks.map((config, task) => ({ id: { connector: name, task }, config: { ...config } })),
    );
  }

  /** Pause and resume are written by whichever worker takes the request, as in Connect. */
  async pauseConnector(name: string): Promise<void> {
    this.#config(name, `Unknown connector ${name}`);
    await this.#o.configs.putTargetState(name, 'PAUSED');
    await this.#o.reconciler.idle();
  }

  async resumeConnector(name: string): Promise<void> {
    this.#config(name, `Unknown connector ${name}`);
    await this.#o.configs.putTargetState(name, 'STARTED');
    await this.#o.reconciler.idle();
  }

  /** The leader writes empty task configs, then the STOPPED target state (Connect's order). */
  async stopConnector(name: string): Promise<void> {
    await this.#asLeader('Only the leader can stop connectors.', async () => {
      this.#config(name, `Unknown connector ${name}`);
      if ((this.#snapshot().tasks.get(name)?.length ?? 0) > 0) await this.#o.configs.putTaskConfigs(name, []);
      await this.#o.configs.putTargetState(name, 'STOPPED');
    });
  }

  async restartConnector(name: string): Promise<void> {
    this.#config(name, `Unknown connector: ${name}`);
    await this.#asOwner(
      'Cannot restart connector since it is not assigned to this member',
      name,
      undefined,
      () => this.#o.reconciler.restartConnector(name),
    );
  }

  async restartTask(name: string, task: number): Promise<void> {
    this.#config(name, `Unknown connector: ${name}`);
    if (task >= (this.#snapshot().tasks.get(name)?.length ?? 0)) {
      throw new NotFoundError(`Unknown task: ${name}-${task}`);
    }
    await this.#asOwner('Cannot restart task since it is not assigned to this member', name, task, () =>
      this.#o.reconciler.restartTask(name, task),
    );
  }

  /**
   * The leader writes a restart request to the config topic; every worker restarts the part it runs. The
   * answer is the status as the restart will make it: RESTARTING (with the trace restarted from) for what
   * the plan covers, as Connect's is.
   */
  async restartConnectorAndTasks(name: string, request: RestartRequest): Promise<ConnectorStateInfo> {
    this.#config(name, `Unknown connector: ${name}`);
    return this.#asLeader('Only the leader can process restart requests.', async () => {
      const status = await this.connectorStatus(name);
      const plan = restartPlan(this.#snapshot(), this.#o.statuses, name, request)!;
      await this.#o.configs.putRestartRequest({ connector: name, ...request });
      const restarting = (info: StateInfo): StateInfo => ({ ...info, state: 'RESTARTING' });
      return {
        ...status,
        connector: plan.connector ? restarting(status.connector) : status.connector,
        tasks: status.tasks.map((task) =>
          plan.tasks.includes(task.id) ? { ...restarting(task), id: task.id } : task,
        ),
      };
    });
  }

  /** Any name has topics (none for an unknown connector), as Connect's `connectorActiveTopics`. */
  activeTopics(name: string): Promise<string[]> {
    return Promise.resolve(this.#o.statuses.activeTopics(name).map((t) => t.topic));
  }

  resetActiveTopics(name: string): Promise<void> {
    return this.#o.statuses.resetActiveTopics(name);
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
    return this.#asLeader('Only the leader can alter connector offsets.', () =>
      this.#writeOffsets(name, offsets, 'altered'),
    );
  }

  resetOffsets(name: string): Promise<string> {
    return this.#asLeader('Only the leader can reset connector offsets.', async () => {
      this.#config(name);
      const current = await this.offsets(name);
      return this.#writeOffsets(
        name,
        current.map((o) => ({ partition: o.partition, offset: null })),
        'reset',
      );
    });
  }

  async putTaskConfigs(name: string, configs: ConnectorConfig[], request: InternalRequest): Promise<void> {
    const verify = this.#o.verifyInternalRequest;
    if (verify === undefined) {
      throw new BadRequestError(
        'Kafka Connect in standalone mode does not support externally setting task configurations.',
      );
    }
    verify(request);
    // The leader of the last generation takes task configs during a rebalance too: the follower sending
    // them may be what the rebalance waits for.
    await this.#asLeader(
      'Only the leader may write task configurations.',
      async () => {
        this.#config(name);
        // A publication that was in flight when the connector was stopped would give it tasks again.
        if (this.#snapshot().targetStates.get(name) === 'STOPPED') {
          throw new BadRequestError(`Connector ${name} is STOPPED: it has no task configs to write`);
        }
        // Written even when unchanged: the owner republishes after a connector config change (KAFKA-9228).
        await this.#o.configs.putTaskConfigs(name, configs);
      },
      { duringRebalance: true },
    );
  }

  configOffset(): number {
    return this.#snapshot().offset;
  }

  async awaitConfigOffset(offset: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#snapshot().offset < offset) {
      if (Date.now() >= deadline) {
        throw new RequestTimeoutError(
          `the config topic was not read up to offset ${offset} within ${timeoutMs} ms`,
        );
      }
      await this.#o.configs.refresh();
      if (this.#snapshot().offset < offset) await sleep(20);
    }
  }

  /**
   * Runs a write on the leader, one at a time in arrival order, once the worker is in a settled generation;
   * any other worker refuses with NotLeaderError naming the leader. What the write changes on this worker
   * (the reconciler following the config topic) has happened when it resolves.
   */
  async #asLeader<T>(
    what: string,
    operation: () => Promise<T>,
    { duringRebalance = false }: { duringRebalance?: boolean } = {},
  ): Promise<T> {
    const cluster = this.#o.cluster;
    const leads = () => (duringRebalance ? cluster.leadsLastGeneration() : cluster.isLeader());
    if (!leads()) await cluster.settled(SETTLE_WAIT_MS);
    if (!leads()) throw new NotLeaderError(what, this.#otherWorker(cluster.leaderUrl()));
    const result = this.#queue.then(() => {
      // Leadership may have moved while the write waited its turn.
      if (!leads()) throw new NotLeaderError(what, this.#otherWorker(cluster.leaderUrl()));
      return operation();
    });
    this.#queue = result.catch(() => undefined);
    const value = await result;
    // Outside the serial path: what this worker runs may itself need the leader (task configs). Task
    // configs written for another worker do not wait for this one's reconciler.
    if (!duringRebalance) await this.#o.reconciler.idle();
    return value;
  }

  /**
   * Waits until no task of a STOPPED connector still runs on a worker of the cluster: a source task that is
   * still stopping writes its last offsets as it goes, which would overwrite the ones the request sets.
   */
  async #tasksStopped(name: string): Promise<void> {
    const deadline = Date.now() + TASKS_STOP_WAIT_MS;
    for (;;) {
      const running = this.#o.statuses
        .tasks(name)
        .filter(({ status }) => ACTIVE.has(status.state) && this.#o.cluster.isLiveWorker(status.workerId));
      if (running.length === 0) return;
      if (Date.now() >= deadline) {
        const where = running.map(({ task, status }) => `${name}-${task} on ${status.workerId}`).join(', ');
        throw new ConflictError(
          `The tasks of connector ${name} have not stopped yet (${where}); try again once they have`,
        );
      }
      await sleep(100);
    }
  }

  /** A URL to send a request on to: never this worker's own (it would come back here). */
  #otherWorker(url: string | undefined): string | undefined {
    return url === undefined || url === this.#o.cluster.selfUrl ? undefined : url;
  }

  /** Runs `operation` here if this worker runs the connector (task); otherwise says who does. */
  async #asOwner(what: string, name: string, task: number | undefined, operation: () => Promise<void>) {
    await this.#o.cluster.settled(SETTLE_WAIT_MS);
    const reconciler = this.#o.reconciler;
    const owned = task === undefined ? reconciler.ownsConnector(name) : reconciler.ownsTask(name, task);
    if (owned) return operation();
    if (this.#o.cluster.isLeader()) {
      throw new NotOwnerError(what, this.#otherWorker(this.#o.cluster.ownerUrl(name, task)));
    }
    throw new NotLeaderError(what, this.#otherWorker(this.#o.cluster.leaderUrl()));
  }

  /**
   * Checks a config as given; 400 with Connect's message, one line per invalid key. False when the check
   * was left to the leader: this worker lacks the plugin and is not the leader at the moment.
   */
  async #validate(config: ConnectorConfig): Promise<boolean> {
    // Checked on the config as given: the message quotes it, and resolved values may be secrets.
    const connectorClass = requireConnectorClass(config);
    // Workers may have different plugins: a follower without this one leaves validation to the leader.
    if (this.#o.plugins.find(connectorClass, ['source', 'sink']) === undefined && !this.#o.cluster.isLeader())
      return false;
    const { config: resolved, redactor } = await this.#resolved(config);
    // A connector's validate() runs inside the leader's serial path: one that never settles must not
    // hold up every later write.
    const { infos } = await withinTimeout(
      () => validateConnectorConfig(this.#o.plugins, resolved),
      CONNECTOR_CALL_TIMEOUT_MS,
      'Validating the connector config',
      (message) => new RequestTimeoutError(`Request timed out. ${message}`),
    ).catch((error: unknown) => {
      if (error instanceof RequestTimeoutError) throw error;
      // The connector's validate() refused the config: the client's mistake, told without its secrets.
      throw new BadRequestError(redactor.redact(error instanceof Error ? error.message : String(error)));
    });
    // Messages may quote resolved values (Invalid value <secret> for …): they are hidden.
    if (infos.error_count > 0) throw new BadRequestError(redactor.redact(invalidConfigMessage(infos)));
    return true;
  }

  /**
   * `config` with its `${provider:path:key}` variables resolved, as Connect validates it (400 if one fails),
   * and how to hide what must not leave the connector in messages about it.
   */
  async #resolved(config: ConnectorConfig): Promise<{ config: ConnectorConfig; redactor: Redactor }> {
    try {
      const { config: resolved, secrets } = await this.#o.configProviders.transform(config);
      return { config: resolved, redactor: configSecrets(this.#o.plugins, resolved, secrets) };
    } catch (error) {
      throw new BadRequestError(error instanceof Error ? error.message : String(error), { cause: error });
    }
  }

  #snapshot() {
    return this.#o.configs.snapshot();
  }

  /** A connector's config, or a 404 worded as Connect's herders word it for the operation. */
  #config(name: string, notFound = `Connector ${name} not found`): ConnectorConfig {
    const config = this.#snapshot().connectors.get(name);
    if (config === undefined) throw new NotFoundError(notFound);
    return config;
  }

  #info(name: string): ConnectorInfo {
    const config = this.#config(name);
    const tasks = this.#snapshot().tasks.get(name) ?? [];
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
    if (status === undefined) return { state: 'UNASSIGNED' satisfies State, worker_id: this.#o.workerId() };
    return {
      state: status.state,
      worker_id: status.workerId,
      ...(status.trace ? { trace: status.trace } : {}),
    };
  }

  /**
   * Offsets to commit must name partitions that exist: on Kafka the commit fails otherwise, and what the
   * client asked for cannot be (Connect answers 500 there).
   */
  async #requireExistingPartitions(
    offsets: ReadonlyArray<{ topic: string; partition: number }>,
  ): Promise<void> {
    const partitions = new Map<string, number | undefined>();
    for (const { topic, partition } of offsets) {
      if (!partitions.has(topic)) {
        try {
          validateTopicName(topic);
        } catch (error) {
          throw new BadRequestError(`Kafka topic names must be valid: ${(error as Error).message}`);
        }
        partitions.set(topic, await this.#o.log.partitionCount(topic));
      }
      const count = partitions.get(topic);
      if (count === undefined) throw new BadRequestError(`The topic ${topic} does not exist`);
      if (partition >= count) {
        throw new BadRequestError(
          `The partition ${topic}-${partition} does not exist: ${topic} has ${count} partition${count === 1 ? '' : 's'}`,
        );
      }
    }
  }

  async #writeOffsets(
    name: string,
    offsets: ConnectorOffset[],
    action: 'altered' | 'reset',
  ): Promise<string> {
    const config = this.#config(name);
    if (this.#snapshot().targetStates.get(name) !== 'STOPPED') throw new BadRequestError(STOPPED_ONLY(name));
    await this.#tasksStopped(name);
    const plugin = findConnectorPlugin(this.#o.plugins, config['connector.class'] ?? '');
    let managedExternally: boolean;
    if (plugin.descriptor.kind === 'sink') {
      const parsed = offsets.map((o) => sinkOffset(o));
      await this.#requireExistingPartitions(parsed.filter((o) => o.offset !== null));
      const connector = plugin.descriptor.create();
      const { config: resolved, redactor } = await this.#resolved(config);
      managedExternally = await refusedAsBadRequest(redactor, () =>
        connector.alterOffsets(
          resolved,
          parsed.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })),
        ),
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
      const { config: resolved, redactor } = await this.#resolved(config);
      managedExternally = await refusedAsBadRequest(redactor, () =>
        connector.alterOffsets(resolved, new Map(offsets.map((o) => [o.partition, o.offset]))),
      );
      await this.#o.offsets.write(name, offsets);
    }
    return managedExternally
      ? `The offsets for this connector have been ${action} successfully`
      : `The Connect framework-managed offsets for this connector have been ${action} successfully. However, if this connector manages offsets externally, they will need to be manually ${action === 'altered' ? 'altered' : 'reset'} in the system that the connector uses.`;
  }
}

/**
 * Runs a connector's `alterOffsets`: whatever it throws is its refusal of the offsets the client sent, a 400
 * with its message (Connect answers 500 there, though the request is what is wrong).
 */
async function refusedAsBadRequest(redactor: Redactor, alter: () => Promise<boolean>): Promise<boolean> {
  try {
    // Bounded: the leader's writes wait behind this one.
    return await withinTimeout(alter, CONNECTOR_CALL_TIMEOUT_MS, "The connector's alterOffsets()");
  } catch (error) {
    throw new BadRequestError(redactor.redact(error instanceof Error ? error.message : String(error)));
  }
}
