import { performance } from 'node:perf_hooks';
import type { Logger } from '@sluice/logging';
import {
  generateSessionKey,
  SessionKeyRing,
  signInternalRequest,
  verifyInternalRequest,
  workerProtocol,
  type InternalRequestSettings,
  type SessionKey,
  type TaskId,
  type WorkerAssignment,
  type WorkerMetadata,
} from '@sluice/protocol';
import type { GroupCoordinatorClient } from '@sluice/kafka-client';
import type { ClusterRole } from '../herder/cluster-role.js';
import type { InternalRequest } from '../herder/herder.js';
import type { Reconciler } from '../herder/reconciler.js';
import { splitTaskKey, taskKey } from '../herder/work.js';
import type {
  AssignedEvent,
  GroupMember,
  GroupMemberInfo,
  RevokedEvent,
} from '../membership/group-member.js';
import { KafkaGroupMember } from '../membership/kafka-group-member.js';
import { rebalance, type RebalanceMemory, type TaskRef } from '../rebalancer/index.js';
import type { ConfigStore, ConnectorConfig } from '../stores/config-store.js';
import type { StatusStore, WorkerNoticeEvent } from '../stores/status-store.js';

/** The group protocols Sluice workers speak, newest first: a group of mixed versions agrees on the oldest. */
export const WORKER_PROTOCOLS = ['sluice-v2', 'sluice-v1'] as const;
export type WorkerProtocolName = (typeof WORKER_PROTOCOLS)[number];

/** `WorkerAssignment.error`: the assignment is usable, or why not. */
const ASSIGNMENT_ERROR = { NONE: 0, CONFIG_MISMATCH: 1, DUPLICATE_URL: 2 } as const;

/** How long a worker waits for its notice that it joins or leaves to be written (it is only a shortcut). */
const ANNOUNCE_TIMEOUT_MS = 1_000;

/** How long a worker told that another advertises its URL waits before it tries to join again. */
const DUPLICATE_URL_BACKOFF_MS = 10_000;

export interface WorkerGroupOptions {
  groupId: string;
  /** This worker's advertised REST URL: its identity in the group. */
  selfUrl: string;
  sluiceVersion: string;
  /** Every name (classes and aliases) of the connector plugins this worker has. */
  plugins: readonly string[];
  configs: ConfigStore;
  statuses: StatusStore;
  reconciler: Reconciler;
  /** Where the worker group's requests go (a `KafkaGroupClient` of its own, or an in-memory group). */
  client: GroupCoordinatorClient;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  scheduledRebalanceMaxDelayMs: number;
  workerSyncTimeoutMs: number;
  /** How long a worker that could not catch up with the leader waits before it rejoins. */
  workerUnsyncBackoffMs: number;
  internalRequests: InternalRequestSettings;
  /** The protocols this worker offers, newest first. @default WORKER_PROTOCOLS */
  protocols?: readonly WorkerProtocolName[];
  /** Sends signed task configs to the leader's internal endpoint (`POST {leader}/connectors/{name}/tasks`). */
  sendTaskConfigs(
    leaderUrl: string,
    connector: string,
    body: Uint8Array,
    headers: Record<string, string>,
  ): Promise<void>;
  /** Until when this worker may act on its assignment (`performance.now()` clock), as it changes; 0: fenced. */
  onLease?: (expiresAt: number) => void;
  logger: Logger;
}

/** What `GET /sluice/v1/cluster` shows of this worker's place in the group. */
export interface ClusterDescription {
  groupId: string;
  url: string;
  state: string;
  generation: number | null;
  memberId: string | null;
  protocol: string | null;
  leader: boolean;
  leaderUrl: string | null;
  assignment: { connectors: string[]; tasks: string[] };
  /** The leader lists every member with what it assigned; others null. */
  members: Array<{ memberId: string; url: string; connectors: string[]; tasks: string[] }> | null;
  problem: string | null;
}

interface Waiter {
  resolve(): void;
}

/**
 * This worker's membership in its Connect cluster: a group member of protocol type `sluice` whose leader
 * runs the rebalancer, and the leader's other duties (the session key, statuses of deleted connectors).
 * What the member is assigned goes to the reconciler. It is the herder's `ClusterRole`: who leads and who
 * runs what.
 *
 * Rebalancing is incremental and cooperative: running work stays unless the assignment revokes it; revoked
 * work is stopped before the member rejoins, and given to another member only in the next round.
 */
export class WorkerGroup implements ClusterRole {
  readonly #o: WorkerGroupOptions;
  readonly #member: GroupMember;
  readonly #keys = new SessionKeyRing();
  #stable = false;
  #generation: number | undefined;
  #memberId: string | undefined;
  #protocol: string | undefined;
  #isLeader = false;
  #leaderUrl: string | undefined;
  /** The leader's memory of the last round, and who runs what after it. */
  #memory: RebalanceMemory | undefined;
  #owners = new Map<string, string>();
  #members: ClusterDescription['members'] = null;
  #problem: string | undefined;
  #waiters: Waiter[] = [];
  #firstAssignment: { resolve(): void; reject(error: unknown): void } | undefined;
  readonly #started: Promise<void>;
  #rejoinTimer: NodeJS.Timeout | undefined;
  #rotationTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  /** The membership's lease as last told; the task runtime gets it unless work is being revoked. */
  #lease = 0;
  /** Everything being stopped after an expulsion between generations (see `#leaseChanged`). */
  #revoking: Promise<void> | undefined;

  constructor(options: WorkerGroupOptions) {
    this.#o = options;
    this.#started = new Promise<void>((resolve, reject) => (this.#firstAssignment = { resolve, reject }));
    this.#started.catch(() => undefined);
    const key = options.configs.snapshot().sessionKey;
    if (key !== undefined) this.#keys.update(key);
    this.#member = new KafkaGroupMember<WorkerMetadata, WorkerAssignment>({
      groupId: options.groupId,
      client: options.client,
      protocolType: 'sluice',
      protocols: (options.protocols ?? WORKER_PROTOCOLS).map((name) => workerProtocol(name)),
      sessionTimeoutMs: options.sessionTimeoutMs,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs,
      metadata: () => this.#metadata(),
      assign: (members, context) => this.#assign(members, context),
      onAssigned: (event) => this.#onAssigned(event),
      onRevoked: (event) => this.#onRevoked(event),
      onLease: (expiresAt) => this.#leaseChanged(expiresAt),
      // Not before: a group of another protocol type (a Connect cluster's) must not see a record from us.
      onEnteringGroup: () => void this.#announce('joining'),
      logger: (level, message, fields) => {
        const line = `${message} ${JSON.stringify(fields)}`;
        if (level === 'error') options.logger.error(line);
        else if (level === 'warn') options.logger.warn(line);
        else if (level === 'info') options.logger.info(line);
        else options.logger.debug(line);
      },
    });
  }

  get selfUrl(): string {
    return this.#o.selfUrl;
  }

  /**
   * Joins the group; resolves once the first assignment is applied, rejects if the member fails before
   * (for example, the group is a running Apache Kafka Connect cluster's).
   */
  async start(): Promise<void> {
    const unfollowConfigs = this.#o.configs.onChange((change) => {
      if (change.type === 'session-key') this.#keys.update(change.sessionKey);
    });
    const unfollowStatuses = this.#o.statuses.onChange((change) => {
      if (change.type === 'worker-notice') this.#noticed(change.worker, change.timestamp);
    });
    this.#unsubscribe = () => (unfollowConfigs(), unfollowStatuses());
    this.#member.start();
    this.#member.closed.then(
      () => this.#firstAssignment?.reject(new Error('the worker stopped before it joined its group')),
      (error: unknown) => {
        this.#problem = error instanceof Error ? error.message : String(error);
        this.#o.logger.error(`the worker left its group for good: ${this.#problem}`);
        this.#firstAssignment?.reject(error);
      },
    );
    await this.#started;
  }

  /** Revokes everything this worker runs, leaves the group and waits for all of it. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    clearTimeout(this.#rejoinTimer);
    clearTimeout(this.#rotationTimer);
    const state = this.#member.state;
    if (this.#generation !== undefined && state !== 'stopped' && state !== 'failed')
      await this.#announce('leaving');
    await this.#member.stop();
    await this.#o.client.disconnect().catch(() => undefined);
    this.#release();
  }

  /** The work changed (connectors added or removed, task counts changed): the leader must assign again. */
  requestRejoin(): void {
    this.#member.requestRejoin();
  }

  /** Whether the worker is in its group and has applied an assignment (for `/health`). */
  get ready(): boolean {
    return this.#generation !== undefined && this.#problem === undefined;
  }

  settled(timeoutMs: number): Promise<void> {
    if (this.#stable) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const waiter: Waiter = { resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve();
      }, timeoutMs);
      timer.unref();
      this.#waiters.push(waiter);
    });
  }

  isLeader(): boolean {
    return this.#stable && this.#isLeader && this.#member.leaseExpiresAt() > performance.now();
  }

  leadsLastGeneration(): boolean {
    return this.#isLeader && this.#member.leaseExpiresAt() > performance.now();
  }

  leaderUrl(): string | undefined {
    return this.#leaderUrl;
  }

  ownerUrl(connector: string, task?: number): string | undefined {
    return this.#owners.get(task === undefined ? connector : taskKey(connector, task));
  }

  isLiveWorker(workerId: string): boolean {
    const urls = this.#members?.map((member) => member.url) ?? [this.#o.selfUrl];
    return urls.some((url) => hostOf(url) === workerId);
  }

  describe(): ClusterDescription {
    const assignment = this.#o.reconciler.assignment;
    return {
      groupId: this.#o.groupId,
      url: this.#o.selfUrl,
      state: this.#member.state,
      generation: this.#generation ?? null,
      memberId: this.#memberId ?? null,
      protocol: this.#protocol ?? null,
      leader: this.#isLeader,
      leaderUrl: this.#leaderUrl ?? null,
      assignment: { connectors: [...assignment.connectors].sort(), tasks: [...assignment.tasks].sort() },
      members: this.#isLeader ? this.#members : null,
      problem: this.#problem ?? null,
    };
  }

  /** Checks an internal request's signature against the session key (and the one it replaced, briefly). */
  verifyInternalRequest(request: InternalRequest): void {
    const keys = this.#keys.keys();
    verifyInternalRequest({
      headers: (name) => request.header(name),
      body: request.body,
      key: keys.key,
      previousKeys: keys.previousKeys,
      verificationAlgorithms: this.#o.internalRequests.verificationAlgorithms,
    });
  }

  /**
   * Commits a connector's task configs: written by the leader itself; sent by any other worker to the
   * leader, signed with the session key.
   */
  async publishTaskConfigs(connector: string, configs: ConnectorConfig[]): Promise<void> {
    // The leader writes them itself, during a rebalance too, as long as its membership holds; not for a
    // connector stopped meanwhile (a publication in flight during PUT /stop).
    if (this.leadsLastGeneration()) {
      if (this.#o.configs.snapshot().targetStates.get(connector) === 'STOPPED') return;
      await this.#o.configs.putTaskConfigs(connector, configs);
      return;
    }
    const leader = this.#leaderUrl;
    if (leader === undefined) throw new Error('no leader is known yet');
    const key = this.#keys.keys().key;
    if (key === undefined) throw new Error('no session key has been read from the config topic yet');
    const body = Buffer.from(JSON.stringify(configs));
    const headers = signInternalRequest(key, this.#o.internalRequests.signatureAlgorithm, body);
    await this.#o.sendTaskConfigs(leader, connector, body, headers);
  }

  #metadata(): WorkerMetadata {
    const assignment = this.#o.reconciler.assignment;
    return {
      version: 1,
      url: this.#o.selfUrl,
      configOffset: this.#o.configs.snapshot().offset,
      connectors: [...assignment.connectors].sort(),
      tasks: [...assignment.tasks].sort().map((key) => {
        const [connector, task] = splitTaskKey(key);
        return { connector, task };
      }),
      plugins: [...this.#o.plugins],
      sluiceVersion: this.#o.sluiceVersion,
    };
  }

  /** The leader's assignor: read the config topic to its end, then the rebalancer decides. */
  async #assign(
    members: readonly GroupMemberInfo<WorkerMetadata>[],
    context: { generationId: number; leaderId: string; protocol: string },
  ): Promise<Map<string, WorkerAssignment>> {
    const configs = this.#o.configs;
    await withTimeout(configs.readToEnd(), this.#o.workerSyncTimeoutMs).catch((error: unknown) =>
      this.#o.logger.warn(`the leader could not read the config topic to its end: ${message(error)}`),
    );
    const snapshot = configs.snapshot();
    const result = rebalance({
      members: members.map(({ memberId, metadata }) => ({
        memberId,
        url: metadata.url,
        configOffset: metadata.configOffset,
        connectors: metadata.connectors,
        tasks: metadata.tasks.map(toTaskRef),
        plugins: new Set(metadata.plugins),
      })),
      leaderConfigOffset: snapshot.offset,
      connectors: [...snapshot.connectors].map(([name, config]) => ({
        name,
        connectorClass: config['connector.class'] ?? '',
        taskCount: snapshot.tasks.get(name)?.length ?? 0,
      })),
      // A leader remembers only the rounds it led: a new leader starts afresh, as Connect's does.
      memory: this.#isLeader ? this.#memory : undefined,
      now: Date.now(),
      scheduledRebalanceMaxDelayMs: this.#o.scheduledRebalanceMaxDelayMs,
      pluginAware: context.protocol !== 'sluice-v1',
    });
    this.#memory = result.memory;
    const urls = new Map(members.map((m) => [m.memberId, m.metadata.url]));
    const owners = new Map<string, string>();
    const listed: NonNullable<ClusterDescription['members']> = [];
    const assignments = new Map<string, WorkerAssignment>();
    for (const [memberId, assigned] of result.assignments) {
      const url = urls.get(memberId) ?? '';
      for (const connector of assigned.connectors) owners.set(connector, url);
      for (const task of assigned.tasks) owners.set(taskKey(task.connector, task.task), url);
      listed.push({
        memberId,
        url,
        connectors: assigned.connectors,
        tasks: assigned.tasks.map((t) => taskKey(t.connector, t.task)),
      });
      assignments.set(memberId, {
        version: 1,
        error: ASSIGNMENT_ERROR[assigned.error],
        leaderId: context.leaderId,
        leaderUrl: this.#o.selfUrl,
        configOffset: snapshot.offset,
        connectors: assigned.connectors,
        tasks: assigned.tasks,
        revokedConnectors: assigned.revokedConnectors,
        revokedTasks: assigned.revokedTasks,
        delayMs: assigned.delayMs,
        rejoin: assigned.rejoin,
      });
    }
    this.#owners = owners;
    this.#members = listed.sort((a, b) => a.url.localeCompare(b.url));
    return assignments;
  }

  async #onAssigned(event: AssignedEvent<WorkerAssignment>): Promise<void> {
    await this.#revoking;
    const assignment = event.assignment;
    this.#generation = event.generationId;
    this.#memberId = event.memberId;
    this.#protocol = event.protocol;
    this.#isLeader = event.isLeader;
    this.#leaderUrl = assignment.leaderUrl === '' ? undefined : assignment.leaderUrl;
    if (!event.isLeader) {
      this.#memory = undefined;
      this.#owners = new Map();
      this.#members = null;
    }
    if (assignment.error === ASSIGNMENT_ERROR.DUPLICATE_URL) {
      this.#problem = `another worker of group ${this.#o.groupId} advertises ${this.#o.selfUrl}; set rest.advertised.host.name/port so that every worker has its own URL`;
      this.#o.logger.error(this.#problem);
      await this.#o.reconciler.revokeAll();
      this.#rejoinIn(DUPLICATE_URL_BACKOFF_MS);
      return;
    }
    this.#problem = undefined;
    const configs = this.#o.configs;
    // A member behind the leader's view of the config topic catches up before it starts anything.
    if (
      assignment.error === ASSIGNMENT_ERROR.CONFIG_MISMATCH ||
      configs.snapshot().offset < assignment.configOffset
    ) {
      await withTimeout(configs.readToEnd(), this.#o.workerSyncTimeoutMs).catch(() => undefined);
      if (
        assignment.error === ASSIGNMENT_ERROR.CONFIG_MISMATCH ||
        configs.snapshot().offset < assignment.configOffset
      ) {
        // As Connect: a worker that cannot catch up gives up its work and tries again after a while.
        this.#o.logger.warn(
          `config topic read to ${configs.snapshot().offset}, the leader assigned at ${assignment.configOffset}: ` +
            `stopping all work and rejoining in ${this.#o.workerUnsyncBackoffMs} ms (worker.unsync.backoff.ms)`,
        );
        await this.#o.reconciler.revokeAll();
        this.#rejoinIn(this.#o.workerUnsyncBackoffMs);
        return;
      }
    }
    const { revoked, started } = this.#o.reconciler.assign({
      connectors: new Set(assignment.connectors),
      tasks: new Set(assignment.tasks.map((t) => taskKey(t.connector, t.task))),
      generation: event.generationId,
    });
    // Revoked work must have stopped before this member rejoins; new work goes on starting meanwhile, so
    // that a slow connector does not keep the group waiting.
    await revoked;
    started.catch((error: unknown) => this.#o.logger.error('starting the assigned work failed', error));
    if (event.isLeader) void this.#leaderDuties();
    // Another round follows at once. As in Connect, the members that gave work up and the leader rejoin
    // (either starts the round); a follower with nothing revoked would only get this generation back.
    const gaveUp = assignment.revokedConnectors.length > 0 || assignment.revokedTasks.length > 0;
    if (assignment.rejoin && (gaveUp || event.isLeader)) this.#member.requestRejoin();
    // The others learn of that round through a heartbeat: they watch for it, so as not to keep the whole
    // group waiting up to a heartbeat interval (the round ends when the last member has rejoined).
    else if (assignment.rejoin) this.#member.watchForRebalance(this.#o.rebalanceTimeoutMs);
    else if (assignment.delayMs > 0) this.#rejoinIn(assignment.delayMs);
    this.#stable = true;
    this.#release();
    this.#firstAssignment?.resolve();
    this.#firstAssignment = undefined;
  }

  async #onRevoked(event: RevokedEvent<WorkerAssignment>): Promise<void> {
    this.#stable = false;
    clearTimeout(this.#rejoinTimer);
    // Incremental cooperative: a rebalance revokes nothing by itself; the next assignment says what to stop.
    if (event.reason === 'rebalance') return;
    this.#isLeader = false;
    this.#leaderUrl = undefined;
    this.#o.logger.warn(`membership in group ${this.#o.groupId} ended (${event.reason}): stopping all work`);
    await this.#o.reconciler.revokeAll();
  }

  /** The leader keeps a session key current and removes the statuses of deleted connectors. */
  async #leaderDuties(): Promise<void> {
    try {
      await this.#ensureSessionKey();
      const configured = this.#o.configs.snapshot().connectors;
      for (const name of this.#o.statuses.connectorNames()) {
        if (!configured.has(name)) await this.#o.statuses.removeConnector(name, 0);
      }
    } catch (error) {
      this.#o.logger.warn(`leader duties failed, retried after the next rebalance: ${message(error)}`);
    }
  }

  async #ensureSessionKey(): Promise<void> {
    clearTimeout(this.#rotationTimer);
    const settings = this.#o.internalRequests;
    const current: SessionKey | undefined = this.#o.configs.snapshot().sessionKey;
    const expiresAt = current === undefined ? 0 : current.creationTimestamp + settings.keyTtlMs;
    if (expiresAt <= Date.now()) {
      const key = generateSessionKey(settings.keyGenerationAlgorithm, settings.keySizeBits);
      await this.#o.configs.putSessionKey(key);
      this.#keys.update(key);
      this.#o.logger.info(`wrote a new session key (${key.algorithm}) for internal requests`);
    }
    const next = this.#o.configs.snapshot().sessionKey;
    const wait = Math.max(1_000, (next?.creationTimestamp ?? Date.now()) + settings.keyTtlMs - Date.now());
    this.#rotationTimer = setTimeout(
      () => {
        if (this.isLeader()) void this.#ensureSessionKey().catch(() => undefined);
      },
      Math.min(wait, 2 ** 31 - 1),
    );
    this.#rotationTimer.unref();
  }

  /**
   * Passes the membership's lease to the task runtime. A lease that ends while the member is between
   * generations (it kept its work through a rebalance, then the coordinator expelled it before it rejoined)
   * means others may be given that work: everything stops, and tasks stay fenced until it has, whatever
   * lease the next generation grants.
   */
  #leaseChanged(expiresAt: number): void {
    this.#lease = expiresAt;
    if (expiresAt === 0 && !this.#stable && this.#revoking === undefined) {
      const assignment = this.#o.reconciler.assignment;
      if (assignment.connectors.size > 0 || assignment.tasks.size > 0) {
        this.#o.logger.warn(`expelled from group ${this.#o.groupId} while rejoining: stopping all work`);
        this.#isLeader = false;
        this.#leaderUrl = undefined;
        this.#revoking = this.#o.reconciler
          .revokeAll()
          .catch((error: unknown) => this.#o.logger.error('stopping all work failed', error))
          .finally(() => {
            this.#revoking = undefined;
            this.#o.onLease?.(this.#lease);
          });
      }
    }
    if (this.#revoking === undefined) this.#o.onLease?.(expiresAt);
    else this.#o.onLease?.(0);
  }

  /**
   * Tells the others this worker is about to join or leave (see `StatusStore.putWorkerNotice`). Only a
   * shortcut: without it the coordinator tells them at their next heartbeat, so a failure is logged, no more.
   */
  async #announce(event: WorkerNoticeEvent): Promise<void> {
    try {
      // Bounded: a worker leaving while Kafka is out of reach must not wait out the producer's retries.
      await withTimeout(this.#o.statuses.putWorkerNotice(this.#o.selfUrl, event), ANNOUNCE_TIMEOUT_MS);
    } catch (error) {
      this.#o.logger.debug(`could not announce that this worker is ${event}: ${message(error)}`);
    }
  }

  /**
   * Another worker is about to join or leave: the group will rebalance once the coordinator has its
   * JoinGroup or LeaveGroup, and this member watches for that (heartbeats every tenth of a second) instead
   * of learning of it up to a heartbeat interval later. A notice older than a session (read late) is stale.
   */
  #noticed(worker: string, timestamp: number): void {
    if (worker === this.#o.selfUrl || Date.now() - timestamp > this.#o.sessionTimeoutMs) return;
    this.#member.watchForRebalance(this.#o.rebalanceTimeoutMs);
  }

  #rejoinIn(ms: number): void {
    clearTimeout(this.#rejoinTimer);
    this.#rejoinTimer = setTimeout(() => this.#member.requestRejoin(), ms);
    this.#rejoinTimer.unref();
  }

  #release(): void {
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function toTaskRef(task: TaskId): TaskRef {
  return { connector: task.connector, task: task.task };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not done within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
