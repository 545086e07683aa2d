// Runs one sink task on a host thread: fetch → convert → put → preCommit (flush) → commit group offsets.
import { setImmediate as nextTurn, setTimeout as delay } from 'node:timers/promises';
import type { RevocationReason } from '@sluice/coordinator';
import { ConfigError, SluiceError } from '@sluice/errors';
import {
  createKafka,
  GroupErrorCode,
  GroupRequestError,
  KafkaGroupClient,
  type GroupCoordinatorClient,
  type WriteGate,
} from '@sluice/kafka-client';
import type { GroupOffset, Log, LogReader, LogRecord, TopicPartitionFetchResult } from '@sluice/log';
import {
  commaList,
  ConnectHeaders,
  SinkRecord,
  type ErrantRecordReporter,
  type SinkTask,
  type SinkTaskContext,
  type TopicPartition,
  type TopicPartitionOffset,
} from '@sluice/sdk';
import type { Actor, ActorContext, ActorFactory, ActorLease } from './actor.js';
import { closeConverters, createConverters, type TaskConverters } from './converters.js';
import {
  DeadLetterQueueReporter,
  ErrorHandler,
  LogReporter,
  SKIPPED,
  type ErrorReporter,
  type FailedRecord,
} from './error-handling.js';
import { FENCED, fencedLog, LeaseGate, isFenced } from './lease.js';
import {
  isFencedMember,
  isRefusedCommit,
  SinkGroup,
  type SinkAssignment,
  type SinkFetchSettings,
  type SinkGroupOptions,
  type SinkGroupTiming,
  type SinkView,
} from './sink-group.js';
import { TransformationChain } from './transformation-chain.js';
import {
  isRetriable,
  loadConnectorPlugin,
  runTaskLifecycle,
  openTaskLog,
  taskRunnerConfig,
  within,
  Wakeup,
  type TaskRunnerCommand,
  type TaskRunnerConfig,
  type TaskRunnerEvent,
  type TaskRunnerLogConfig,
} from './task-runner-config.js';

/** Kafka consumer's defaults, when the config has no `sinkFetch`: `fetch.max.wait.ms` and `fetch.min.bytes`. */
const DEFAULT_FETCH: SinkFetchSettings = { maxWaitMs: 500, minBytes: 1 };
/** How long past its wait a poll may take before the runner ends it (a broker answers a little late). */
const POLL_SLACK_MS = 100;
/** Wait before delivering a batch again after `put` threw a `RetriableError` and no `timeout` was set. */
const DEFAULT_RETRY_BACKOFF_MS = 100;
/** How often topic metadata is read again: new partitions, topics matching `topics.regex`. */
const METADATA_REFRESH_MS = 5_000;
/** … and while a listed topic does not exist yet. */
const MISSING_TOPIC_REFRESH_MS = 500;
/** Bytes per partition per fetch. */
const FETCH_MAX_BYTES = 1024 * 1024;
/** Group timing when the config has none: the worker defaults (see `sinkGroupTiming`). */
const DEFAULT_GROUP_TIMING: SinkGroupTiming = {
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 60_000,
};
/** Where the membership of sink tasks logs. */
const GROUP_LOGGER = 'sluice.sink.group';
/** Connect's logger and class names, as its logs and DLQ headers show them. */
const LOG_REPORTER = 'org.apache.kafka.connect.runtime.errors.LogReporter';
const SINK_TASK_CLASS = 'org.apache.kafka.connect.sink.SinkTask';

interface PartitionState extends TopicPartition {
  key: string;
  /** The next offset to fetch. */
  position: number;
  /** The next offset after the last record `put` accepted (Connect's `currentOffsets`). */
  current: number;
  /** The last offset committed for the group (Connect's `lastCommittedOffsets`). */
  committed: number;
  /** Paused by the task through its context. */
  paused: boolean;
}

/** Where a sink task's group membership goes instead of a Kafka client of its own (tests). */
export interface SinkTaskRunnerOptions {
  /**
   * Join `connect-<connector>` through this coordinator (for example an `InMemoryGroupCoordinator`'s
   * clients), whatever the log backend: `client()` is called once per task for a client of its own, and
   * `committedOffsets` reads the group's committed offsets where that coordinator keeps them.
   * @default on a Kafka log: a `KafkaGroupClient` of the task's own, and the log's committed offsets; on the
   * embedded log: no group (the static split)
   */
  group?: {
    client(): GroupCoordinatorClient;
    committedOffsets(groupId: string): Promise<GroupOffset[]>;
  };
  /**
   * Opens the task's log (tests: a log whose reader counts its polls).
   * @default `openTaskLog`: an `EmbeddedLog` or a `KafkaLog` of the task's own
   */
  openLog?(config: TaskRunnerLogConfig, writeGate: WriteGate): Promise<Log>;
}

/** Run when a task thread preloads this module (a worker in a cluster): the Kafka requests' code, loaded early. */
export { preloadKafkaProtocol as warmUp } from '@sluice/kafka-client';

/**
 * The sink task runner actor (`TaskHostPool.startActor({ module, export: 'sinkTaskRunner', config })` with
 * a {@link TaskRunnerConfig}). The factory returns at once; loading the plugin, opening the log and
 * `task.start` happen in the background, ending in a `running` event or in `context.fail`.
 *
 * **On Kafka, the task is a member of the consumer group `connect-<connector>`**, as Connect's sink task's
 * consumer is: protocol type `consumer`, Kafka's consumer protocol (Subscription and Assignment v3), the
 * `range` assignor, computed by whichever member leads (Kafka's `RangeAssignor`; partition counts from
 * metadata). `kafka-consumer-groups --describe --group connect-<connector>` shows the tasks, their
 * partitions and lag. Each task is a *static* member with `group.instance.id` `<connector>-<task>`: a task
 * moved to another worker, or restarted, joins with the same instance id, the coordinator hands it the
 * partitions at once (no rebalance, no session timeout to wait out) and fences the old copy, whose commits
 * it then refuses. A task stopped for good (`{ type: 'leave-group' }` before the stop: connector deleted or
 * STOPPED, `tasks.max` lowered) or failed leaves the group, so its partitions move at once; a task stopped
 * because it moves, or because the worker stops, does not. A copy that another copy fenced goes idle
 * until it is stopped (it does not fail: the task runs elsewhere). Session, heartbeat and rebalance timeout
 * come from `sinkGroup` (see `sinkGroupTiming`).
 *
 * Rebalances are eager: on a revocation the runner commits (`preCommit`, then the group commit) and
 * `close`s every partition it holds, then `open`s the new assignment, as Connect's sink task does with
 * Kafka's eager `range`. Only `range` is offered: Java consumers of Kafka 3.x offer `[range,
 * cooperative-sticky]`, so they can share the group with Sluice tasks during a cutover, the coordinator
 * choosing `range`; cooperative-sticky (incremental revocation, owned partitions, sticky moves) is not
 * implemented, and offering it without its semantics would break a group where Java members lead.
 *
 * Commits carry the generation and member id of the assignment. One the coordinator refuses because the
 * member was fenced or the generation moved on (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID,
 * REBALANCE_IN_PROGRESS), or that fails for a reason retrying can fix, does not count as committed and does
 * not fail the task; the membership then rejoins, or ends. When the membership is lost the runner closes
 * its partitions without committing (Connect's `onPartitionsLost`).
 *
 * **On the embedded log (one worker, no group coordinator) assignment is static**: the partitions of the
 * subscribed topics, sorted by topic then partition, are split so that this task takes every one whose
 * index `i` has `i % taskCount === task`. Every task computes the same split from the same metadata.
 *
 * Either way metadata is read again periodically: the subscription is `topics`, or the topics matching
 * `topics.regex`; a change (a topic created, partitions added) rejoins the group, or in the static split
 * revokes and assigns partitions as a rebalance would (commit, `close`, `open`). A partition starts after
 * its committed offset, else at its beginning (Connect's `consumer.auto.offset.reset=earliest`).
 *
 * **Fetching** is one long poll per round over every assigned, unpaused partition of every subscribed topic,
 * through a `LogReader` of the task's own (`fetchTopicPartitions`; on Kafka one Fetch per partition leader),
 * as Connect's consumer `poll`: it waits up to `fetch.max.wait.ms` (`sinkFetch`, 500 ms by default) and
 * answers as soon as any partition has records. Whatever wakes the runner (a command, a partition paused or
 * resumed, a revocation, a commit asked for, stop) ends the poll at once.
 *
 * **The lease.** While the worker's lease has run out, or the group membership's (which starts with an
 * assignment and ends when the membership is lost), the runner fetches nothing (checked before each fetch),
 * hands nothing to `put`, calls no `preCommit` (the task's flush) and commits no group offsets, each checked
 * synchronously right before the call; DLQ writes wait too (the task's log is wrapped by `fencedLog`). A
 * stop while fenced commits nothing more: the next owner starts after the last commit. `close` and `stop`
 * are still called, to release the task's resources.
 */
export const sinkTaskRunner: ActorFactory = (context) => new SinkTaskRunner(context, {});

/** The sink task runner with its group membership going where `options` says (tests). */
export function sinkTaskRunnerWith(options: SinkTaskRunnerOptions): ActorFactory {
  return (context) => new SinkTaskRunner(context, options);
}

class SinkTaskRunner implements Actor {
  readonly #context: ActorContext;
  readonly #config: TaskRunnerConfig;
  readonly #options: SinkTaskRunnerOptions;
  readonly #groupId: string;
  readonly #taskCount: number;
  /** Whether the task is a member of `connect-<connector>` (else the static split). */
  readonly #grouped: boolean;
  #group: SinkGroup | undefined;
  /** The generation whose assignment the runner holds (group mode): what commits are made as. */
  #generation: { generationId: number; memberId: string } | undefined;
  /** The subscription and partition counts of the last metadata read. */
  #view: SinkView = { topics: [], partitions: new Map() };
  /** A revocation waits for the loop: waits for the lease give up meanwhile. */
  #revoking = false;
  /** The membership failed (other than fenced): the task fails with it. */
  #memberFailure: { error: unknown } | undefined;
  /** `close` threw while revoking: the task fails with it. */
  #revokeFailure: { error: unknown } | undefined;
  /** The task is removed for good: its member leaves the group when it stops. */
  #leaveOnStop = false;
  /** The task failed: a last revocation commits nothing. */
  #failing = false;
  /** One at a time: the loop's work and the membership's assign/revoke (which wait for each other). */
  #exclusive: Promise<void> = Promise.resolve();
  readonly #wakeup = new Wakeup();
  readonly #gate: LeaseGate;
  readonly #done: Promise<{ error: unknown } | undefined>;
  readonly #enter = <T>(callback: () => T): T => this.#context.enter(callback);
  #stopping = false;
  #paused: boolean;
  #log: Log | undefined;
  #converters: TaskConverters | undefined;
  #transforms: TransformationChain | undefined;
  #errors: ErrorHandler | undefined;
  /** With an errant record reporter: each delivered record's consumed form, so a report sends the bytes read. */
  #consumed: WeakMap<SinkRecord, LogRecord> | undefined;
  #task: SinkTask | undefined;
  #started = false;
  /** Assigned partitions in assignment order, by `topic/partition` key. */
  #assignment = new Map<string, PartitionState>();
  #nextMetadata = 0;
  #nextCommit = 0;
  #commitRequested = false;
  #seeks = new Map<string, number>();
  #timeoutMs: number | undefined;
  /** A batch `put` refused with a `RetriableError`, delivered again at `retryAt`. */
  #retry: { records: SinkRecord[]; ends: Array<[PartitionState, number]>; at: number } | undefined;
  /** The task's long polls go through a reader of its own (its own connections on Kafka). */
  #reader: LogReader | undefined;
  readonly #activeTopics = new Set<string>();

  constructor(context: ActorContext, options: SinkTaskRunnerOptions) {
    this.#context = context;
    this.#config = taskRunnerConfig(context.config);
    this.#options = options;
    this.#groupId = `connect-${this.#config.connector}`;
    this.#grouped = options.group !== undefined || this.#config.log.backend === 'kafka';
    const tasksMax = Number(this.#config.connectorConfig['tasks.max'] ?? '1');
    this.#taskCount = this.#config.taskCount ?? (Number.isInteger(tasksMax) && tasksMax > 0 ? tasksMax : 1);
    this.#paused = this.#config.paused ?? false;
    // A wait for the lease also gives up when a revocation is pending (it must not wait for the lease) or
    // the membership failed (its lease will not come back).
    this.#gate = new LeaseGate(
      this.#lease(context.lease),
      this.#wakeup,
      () => this.#stopping || this.#revoking || this.#memberFailure !== undefined,
    );
    context.onMessage((payload) => this.#command(payload as TaskRunnerCommand));
    this.#done = this.#run().then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wakeup.wake();
    const failure = await this.#done;
    if (failure !== undefined) throw failure.error;
  }

  #command(command: TaskRunnerCommand): void {
    if (command.type === 'pause') this.#paused = true;
    else if (command.type === 'resume') this.#paused = false;
    else if (command.type === 'leave-group') this.#leaveOnStop = true;
    this.#wakeup.wake();
  }

  /** The worker's lease, and in a group the membership's too. */
  #lease(worker: ActorLease): ActorLease {
    return {
      valid: () => worker.valid() && (this.#group === undefined || this.#group.leaseValid()),
      // The membership's lease changes wake the runner's Wakeup, which every lease wait races.
      changed: (timeoutMs) => worker.changed(timeoutMs),
    };
  }

  /** Runs `work` when nothing else of the runner's runs (the loop's round, an assignment, a revocation). */
  #serial<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#exclusive.then(work);
    this.#exclusive = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  #emit(event: TaskRunnerEvent): void {
    this.#context.emit(event);
  }

  #run(): Promise<void> {
    return runTaskLifecycle({
      init: () => this.#init(),
      loop: () => this.#loop(),
      shutdown: (clean) => this.#shutdown(clean),
      stopping: () => this.#stopping,
      fail: (error) => this.#context.fail(error),
    });
  }

  async #init(): Promise<void> {
    const config = this.#config;
    const enter = this.#enter;
    subscription(config); // fails early on a config without topics
    const descriptor = await loadConnectorPlugin(config.plugin, 'sink');
    this.#converters = await createConverters(config.converters, enter);
    this.#transforms = await TransformationChain.load(config.transforms, enter);
    this.#log = fencedLog(
      await (this.#options.openLog ?? openTaskLog)(config.log, this.#gate.wire),
      this.#gate,
    );
    // With a DLQ or the error log a task gets an errant record reporter, which reports records as read.
    if (config.errors.deadLetterQueue !== undefined || config.errors.logEnable)
      this.#consumed = new WeakMap();
    this.#errors = new ErrorHandler(config.errors, this.#reporters(this.#log), {
      sleep: (ms) => this.#wakeup.wait(ms),
      stopping: () => this.#stopping,
    });
    const task = enter(() => descriptor.createTask());
    this.#task = task;
    enter(() => task.initialize(this.#taskContext()));
    if (this.#paused) {
      this.#emit({ type: 'paused' });
      while (this.#paused && !this.#stopping) await this.#wakeup.wait(60_000);
    }
    if (this.#stopping) return;
    await enter(() => task.start({ ...config.taskConfig }));
    this.#started = true;
    this.#nextCommit = Date.now() + config.offsetFlushIntervalMs;
    // RUNNING once started and subscribed, as Connect's (its consumer.subscribe asks the broker nothing):
    // the group's settings are checked here, the metadata read and the join come after.
    if (this.#grouped) this.#makeGroup();
    this.#emit({ type: 'running' });
    if (this.#grouped) await this.#joinGroup();
  }

  /** Becomes a member of `connect-<connector>` once it knows the subscribed topics' partitions. */
  async #joinGroup(): Promise<void> {
    this.#view = (await this.#readMetadata()).view;
    this.#nextMetadata = Date.now() + METADATA_REFRESH_MS;
    if (!this.#stopping) this.#group!.start();
  }

  /** The membership in `connect-<connector>`, not started; assignments and revocations come through the loop. */
  #makeGroup(): void {
    const { connector, task, log } = this.#config;
    const clientId = `connector-consumer-${connector}-${task}`;
    const client =
      this.#options.group?.client() ??
      // A client of its own: a coordinator serves one connection's requests one at a time.
      new KafkaGroupClient(
        createKafka({
          brokers: log.backend === 'kafka' ? log.brokers : [],
          clientId,
          // Its offset commits pass the task's gate on the wire too, as the log's writes do.
          writeGate: this.#gate.wire,
        }),
      );
    const { pattern, topics } = subscription(this.#config);
    const group = this.#newGroup(client, {
      groupId: this.#groupId,
      groupInstanceId: `${connector}-${task}`,
      timing: this.#config.sinkGroup ?? DEFAULT_GROUP_TIMING,
      view: () => this.#view,
      subscribes: (topic) => (pattern === undefined ? topics.includes(topic) : pattern.test(topic)),
      partitionCounts: async (names) => {
        const counts = new Map<string, number>();
        for (const name of names) counts.set(name, (await this.#log!.partitionCount(name)) ?? 0);
        return counts;
      },
      onAssigned: (assignment) => this.#serial(() => this.#assigned(assignment)),
      onRevoked: (reason) => this.#revoked(reason),
      onLease: () => this.#wakeup.wake(),
      // Warnings only: joining and leaving, each generation, would flood the worker's log, and a failed
      // membership fails the task (with its trace) unless another copy fenced it (logged below).
      logger: (level, message, fields) => {
        if (level !== 'warn') return;
        this.#emit({
          type: 'log',
          level: 'warn',
          logger: GROUP_LOGGER,
          message: `${connector}-${task}: ${message} ${JSON.stringify(fields)}`,
        });
      },
    });
    this.#group = group;
    group.closed.catch((error: unknown) => {
      if (isFencedMember(error)) {
        // Another copy of this task joined with its instance id and runs it now: stay idle until stopped.
        this.#emit({
          type: 'log',
          level: 'warn',
          logger: GROUP_LOGGER,
          message:
            `${connector}-${task}: another copy of this task took its place in ${this.#groupId}; ` +
            'this copy consumes nothing more and waits to be stopped',
        });
      } else {
        this.#memberFailure ??= { error };
      }
      this.#wakeup.wake();
    });
  }

  /** A `SinkGroup` on `client`; the client is disconnected if the group cannot be made (bad settings). */
  #newGroup(client: GroupCoordinatorClient, options: Omit<SinkGroupOptions, 'client'>): SinkGroup {
    try {
      return new SinkGroup({ ...options, client });
    } catch (error) {
      void client.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /** A generation's assignment (group mode): its partitions open, from their committed offsets. */
  async #assigned(assignment: SinkAssignment): Promise<void> {
    this.#generation = { generationId: assignment.generationId, memberId: assignment.memberId };
    const added = assignment.partitions.filter((tp) => !this.#assignment.has(keyOf(tp)));
    await this.#open(added);
    this.#wakeup.wake();
  }

  /**
   * The assignment ends (group mode): with reason `rebalance` or `stop` its offsets are committed first
   * (not when the task failed, nor when the lease has run out), then every partition is closed. A failure
   * to close makes the member fail without leaving the group (the task may still hold them).
   */
  async #revoked(reason: RevocationReason): Promise<void> {
    this.#revoking = true;
    this.#wakeup.wake();
    try {
      await this.#serial(async () => {
        const held = [...this.#assignment.values()];
        const commit = (reason === 'rebalance' || reason === 'stop') && !this.#failing;
        try {
          if (held.length > 0) await this.#close(held, { commit });
        } finally {
          this.#generation = undefined;
        }
      });
    } catch (error) {
      this.#revokeFailure ??= { error };
      throw error;
    } finally {
      this.#revoking = false;
    }
  }

  /** `errors.log.enable` and `errors.deadletterqueue.topic.name`, as Connect's sink reporters. */
  #reporters(log: Log): ErrorReporter[] {
    const { connector, task, errors } = this.#config;
    const reporters: ErrorReporter[] = [];
    if (errors.logEnable) {
      reporters.push(
        new LogReporter(`${connector}-${task}`, errors.logIncludeMessages, (message, stack) =>
          this.#emit({ type: 'log', logger: LOG_REPORTER, message, stack }),
        ),
      );
    }
    if (errors.deadLetterQueue !== undefined)
      reporters.push(new DeadLetterQueueReporter(log, errors.deadLetterQueue, connector, task));
    return reporters;
  }

  /**
   * Connect's `WorkerErrantRecordReporter`: there when a DLQ topic or `errors.log.enable` is set. The
   * DLQ gets the record as it was read (a record the task made itself goes back through the converters);
   * with `errors.tolerance=none` reporting fails the task.
   */
  #errantRecordReporter(): ErrantRecordReporter | null {
    if (this.#consumed === undefined) return null;
    return {
      report: (record, error) => {
        const consumed = this.#toConsumed(record);
        this.#errors!.reportFailed({
          stage: 'TASK_PUT',
          executingClass: SINK_TASK_CLASS,
          error,
          record: { consumed },
        });
        const written = this.#errors!.flush();
        // Tasks may ignore the promise (as Java's future usually is); the flush before each commit
        // still reports a failed write.
        written.catch(() => undefined);
        return written;
      },
    };
  }

  /** The record as it was read, for a record `put` got; converted back only for one the task made itself. */
  #toConsumed(record: SinkRecord): LogRecord {
    const read = this.#consumed?.get(record);
    if (read !== undefined) return read;
    const { key, value, header } = this.#converters!;
    const topic = record.topic;
    const bytes = <T>(convert: () => T): T | null => {
      try {
        return this.#enter(convert);
      } catch {
        return null; // what cannot be converted back is reported without it
      }
    };
    const headers: LogRecord['headers'] = [];
    for (const h of record.headers) {
      const converted = bytes(() => header.fromConnectHeader(topic, h.key, h.schema, h.value));
      headers.push({ key: h.key, value: converted });
    }
    return {
      topic: record.originalTopic,
      partition: record.originalKafkaPartition,
      offset: record.originalKafkaOffset,
      timestamp: record.timestamp ?? -1,
      key: bytes(() => key.fromConnectData(topic, record.headers, record.keySchema, record.key)),
      value: bytes(() => value.fromConnectData(topic, record.headers, record.valueSchema, record.value)),
      headers,
    };
  }

  #taskContext(): SinkTaskContext {
    const assignment = this.#assignment;
    const seeks = this.#seeks;
    const setPaused = (partitions: TopicPartition[], paused: boolean) => {
      for (const tp of partitions) {
        const state = assignment.get(keyOf(tp));
        if (state === undefined)
          throw new SluiceError('SLUICE_PARTITION_NOT_ASSIGNED', `${keyOf(tp)} is not assigned to this task`);
        state.paused = paused;
      }
      this.#wakeup.wake();
    };
    return {
      configs: () => ({ ...this.#config.taskConfig }),
      offset: (partitionOrOffsets: TopicPartition | readonly TopicPartitionOffset[], offset?: number) => {
        if (Array.isArray(partitionOrOffsets)) {
          for (const tpo of partitionOrOffsets as readonly TopicPartitionOffset[])
            seeks.set(keyOf(tpo), tpo.offset);
        } else {
          seeks.set(keyOf(partitionOrOffsets as TopicPartition), offset!);
        }
      },
      timeout: (ms) => {
        this.#timeoutMs = ms;
      },
      assignment: () => [...assignment.values()].map(({ topic, partition }) => ({ topic, partition })),
      pause: (...partitions) => setPaused(partitions, true),
      resume: (...partitions) => setPaused(partitions, false),
      requestCommit: () => {
        this.#commitRequested = true;
        this.#wakeup.wake();
      },
      errantRecordReporter: () => this.#errantRecordReporter(),
    };
  }

  async #loop(): Promise<void> {
    while (!this.#stopping) {
      // A wake from here on ends the round's poll at once: what it asks for is looked at next turn.
      const woken = this.#wakeup.wakes;
      if (this.#memberFailure !== undefined) throw this.#memberFailure.error;
      if (this.#paused) {
        await this.#serial(() => this.#commit());
        this.#emit({ type: 'paused' });
        while (this.#paused && !this.#stopping && this.#memberFailure === undefined)
          await this.#wakeup.wait(60_000);
        if (this.#stopping || this.#memberFailure !== undefined) continue;
        this.#emit({ type: 'running' });
      }
      // Fenced: fetch nothing (none of it could be delivered) until the lease is extended, or stop. A
      // pause asked for meanwhile takes effect after that. A pending revocation goes first.
      if (!this.#gate.open && !(await this.#gate.ready())) {
        if (this.#revoking) await this.#serial(() => Promise.resolve());
        continue;
      }
      try {
        await this.#serial(() => this.#round(woken));
      } catch (error) {
        // A DLQ write given up because a revocation was pending: its batch was not delivered.
        if (!(this.#revoking && isFenced(error))) throw error;
      }
      await nextTurn();
    }
  }

  /** One round of the loop: metadata when due, a fetch (or a retry) delivered to `put`, a commit when due. */
  async #round(woken: number): Promise<void> {
    if (Date.now() >= this.#nextMetadata) await this.#refreshMetadata();
    this.#applySeeks();
    if (this.#retry !== undefined) {
      const wait = this.#retry.at - Date.now();
      if (wait > 0) {
        if (this.#wakeup.wakes === woken) await this.#wakeup.wait(Math.min(wait, this.#untilCommit()));
      } else await this.#deliver(this.#retry.records, this.#retry.ends);
    } else {
      const fetched = await this.#fetch(woken);
      if (fetched !== undefined) await this.#deliver(fetched.records, fetched.ends);
    }
    if (this.#commitRequested || Date.now() >= this.#nextCommit) await this.#commit();
  }

  #untilCommit(): number {
    return Math.max(0, this.#nextCommit - Date.now());
  }

  /**
   * One long poll over every assigned, unpaused partition, whatever its topic (Connect's consumer `poll`):
   * on Kafka one Fetch per partition leader, waiting up to `fetch.max.wait.ms` (less when a commit is due
   * sooner) and answering as soon as any partition has records. A wake (a command, a pause, a revocation, a
   * requested commit, stop) ends the poll at once; a leader's request not answered by then is kept by the
   * reader and its answer taken by the next poll from the same offsets. Converted records, or undefined
   * when none came.
   */
  async #fetch(
    woken: number,
  ): Promise<{ records: SinkRecord[]; ends: Array<[PartitionState, number]> } | undefined> {
    // A commit the task asked for (maybe after this round's wake count was taken) goes first.
    if (this.#commitRequested) return undefined;
    const active = [...this.#assignment.values()].filter((state) => !state.paused);
    const { maxWaitMs, minBytes } = this.#config.sinkFetch ?? DEFAULT_FETCH;
    const waitMs = Math.min(maxWaitMs, this.#untilCommit());
    if (active.length === 0) {
      if (this.#wakeup.wakes === woken) await this.#wakeup.wait(waitMs);
      return undefined;
    }
    const asked = active.map((state) => ({ state, offset: state.position }));
    // Ended by a wake, or a little after its wait: the reader may hand this poll a request sent earlier
    // (same offsets) with a longer wait, which must not hold up a commit that is due.
    const wake = this.#wakeup.signal(woken, waitMs + POLL_SLACK_MS);
    let results: TopicPartitionFetchResult[];
    try {
      this.#reader ??= await this.#log!.openReader();
      results = await this.#reader.fetchTopicPartitions(
        asked.map(({ state, offset }) => ({ topic: state.topic, partition: state.partition, offset })),
        { maxWaitMs: waitMs, minBytes, maxBytes: FETCH_MAX_BYTES, signal: wake.signal },
      );
    } catch (error) {
      await this.#fetchFailed(error, woken);
      return undefined;
    } finally {
      wake.release();
    }
    // A seek the task made while the poll was out: the records read from the old position are stale.
    this.#applySeeks();
    const byKey = new Map(results.map((result) => [keyOf(result), result]));
    const fetched: Array<[PartitionState, LogRecord[]]> = [];
    const skips: Array<[PartitionState, number]> = [];
    for (const { state, offset } of asked) {
      const result = byKey.get(state.key);
      // Not answered yet (its leader's request waits for the next poll), revoked, paused or moved by a seek
      // meanwhile: nothing of it is delivered, and it is asked again from where it is.
      if (result === undefined || this.#assignment.get(state.key) !== state) continue;
      if (state.paused || state.position !== offset) continue;
      const records = result.records.filter((record) => record.offset >= offset);
      if (records.length > 0) fetched.push([state, records]);
      // Past offsets that hold nothing to read (compacted away, transaction markers, aborted records).
      if (result.nextOffset > offset) skips.push([state, result.nextOffset]);
    }
    if (fetched.length === 0) {
      for (const [state, next] of skips) state.position = next;
      return undefined;
    }
    const converted = await this.#convert(fetched);
    for (const [state, next] of skips) state.position = Math.max(state.position, next);
    // Records the error handler sent to the DLQ are written before anything can commit past them.
    await this.#errors!.flush();
    return converted;
  }

  /**
   * A poll that failed: an offset out of range starts its partition over from the beginning (Connect's
   * default `consumer.auto.offset.reset=earliest`), an unknown topic or partition reads metadata again
   * (a deleted topic is revoked), another retriable error is retried after a pause; others fail the task.
   */
  async #fetchFailed(error: unknown, woken: number): Promise<void> {
    const code = SluiceError.is(error) ? error.code : undefined;
    if (code === 'SLUICE_OFFSET_OUT_OF_RANGE') {
      const { topic, partition } = error as TopicPartition;
      const state = this.#assignment.get(keyOf({ topic, partition }));
      if (state === undefined) return;
      const offsets = await this.#log!.offsets(topic);
      const beginning = offsets.find((o) => o.partition === partition)?.beginning ?? 0;
      state.position = beginning;
      state.current = beginning;
    } else if (code === 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION') {
      this.#nextMetadata = 0; // deleted: the next metadata read revokes it
    } else if (isRetriable(error)) {
      if (this.#wakeup.wakes === woken)
        await this.#wakeup.wait(Math.min(DEFAULT_RETRY_BACKOFF_MS, this.#untilCommit()));
    } else {
      throw error;
    }
  }

  /**
   * Converts and transforms a fetch, as Connect's `WorkerSinkTask.convertAndTransformRecord`: key, value,
   * headers, then the transforms, each through the error handler. A record a tolerated failure skipped
   * or a transform dropped is not delivered, but the partition's position moves past it.
   */
  async #convert(fetched: Array<[PartitionState, LogRecord[]]>): Promise<{
    records: SinkRecord[];
    ends: Array<[PartitionState, number]>;
  }> {
    const { key, value, header } = this.#converters!;
    const classes = this.#config.converters;
    const errors = this.#errors!;
    const transforms = this.#transforms!;
    const enter = this.#enter;
    const records: SinkRecord[] = [];
    const ends: Array<[PartitionState, number]> = [];
    for (const [state, batch] of fetched) {
      const topic = state.topic;
      if (!this.#activeTopics.has(topic)) {
        this.#activeTopics.add(topic);
        this.#emit({ type: 'topic', topic });
      }
      for (const record of batch) {
        const failed: FailedRecord = { consumed: record };
        // Headers first, so the key and value converters see them. (Connect converts the sink's headers
        // last; the order shows only in which stage is reported when several fail.)
        let headers: ConnectHeaders | null | typeof SKIPPED = null;
        if (record.headers.length > 0) {
          let converted = errors.execute(
            'HEADER_CONVERTER',
            classes.header.className,
            () =>
              enter(() => {
                const out = new ConnectHeaders();
                for (const h of record.headers) {
                  const c = header.toConnectHeader(topic, h.key, h.value);
                  out.add(h.key, c.schema, c.value);
                }
                return out;
              }),
            failed,
          );
          if (converted instanceof Promise) converted = await converted;
          headers = converted;
        }
        if (headers === SKIPPED) continue;
        const seen = headers;
        let k = errors.execute(
          'KEY_CONVERTER',
          classes.key.className,
          () => enter(() => key.toConnectData(topic, seen, record.key)),
          failed,
        );
        if (k instanceof Promise) k = await k;
        if (k === SKIPPED) continue;
        let v = errors.execute(
          'VALUE_CONVERTER',
          classes.value.className,
          () => enter(() => value.toConnectData(topic, seen, record.value)),
          failed,
        );
        if (v instanceof Promise) v = await v;
        if (v === SKIPPED) continue;
        let sinkRecord: SinkRecord | null | typeof SKIPPED = new SinkRecord({
          topic,
          kafkaPartition: record.partition,
          kafkaOffset: record.offset,
          keySchema: k.schema,
          key: k.value,
          valueSchema: v.schema,
          value: v.value,
          timestamp: record.timestamp,
          timestampType: 'CreateTime',
          ...(headers === null ? {} : { headers }),
        });
        if (!transforms.isEmpty) sinkRecord = await transforms.apply(sinkRecord, errors, failed, enter);
        if (sinkRecord !== null && sinkRecord !== SKIPPED) {
          records.push(sinkRecord);
          this.#consumed?.set(sinkRecord, record);
        }
      }
      const next = batch[batch.length - 1]!.offset + 1;
      state.position = next;
      ends.push([state, next]);
    }
    return { records, ends };
  }

  /** Hands a batch to `put`; on a `RetriableError` keeps it for another try after the task's timeout. */
  async #deliver(records: SinkRecord[], ends: Array<[PartitionState, number]>): Promise<void> {
    const task = this.#task!;
    let delivered;
    try {
      // What `put` takes may become visible to others at once: only while the lease holds.
      delivered = await this.#gate.run(() => this.#context.enter(() => task.put(records)));
    } catch (error) {
      if (!isRetriable(error)) throw error;
      const backoff = this.#timeoutMs ?? DEFAULT_RETRY_BACKOFF_MS;
      this.#timeoutMs = undefined;
      this.#retry = { records, ends, at: Date.now() + backoff };
      return;
    }
    // Stopping while fenced: not delivered, hence not committed; the next owner gets these records.
    if (delivered === FENCED) return;
    this.#retry = undefined;
    for (const [state, next] of ends) if (this.#assignment.get(state.key) === state) state.current = next;
  }

  #applySeeks(): void {
    if (this.#seeks.size === 0) return;
    for (const [key, offset] of this.#seeks) {
      const state = this.#assignment.get(key);
      if (state === undefined) continue;
      state.position = state.current = state.committed = offset;
    }
    this.#seeks.clear();
  }

  /**
   * `preCommit` (which flushes by default), then commits the offsets it returned for assigned partitions.
   * A failing `preCommit` rewinds to the last committed offsets, as Connect does.
   */
  async #commit(partitions: readonly PartitionState[] = [...this.#assignment.values()]): Promise<void> {
    this.#commitRequested = false;
    this.#nextCommit = Date.now() + this.#config.offsetFlushIntervalMs;
    if (!this.#started || partitions.length === 0) return;
    // Neither the task's flush nor the commit while fenced; a stop meanwhile commits nothing.
    if (!(await this.#gate.ready())) return;
    // Errant records the task reported must be in the DLQ before offsets move past them; a write given up
    // (stopping, or a revocation pending, while fenced) leaves the offsets where they are.
    try {
      await this.#errors!.flush();
    } catch (error) {
      if (isFenced(error)) return;
      throw error;
    }
    const task = this.#task!;
    const current = partitions.map(({ topic, partition, current: offset }) => ({ topic, partition, offset }));
    let safe: readonly TopicPartitionOffset[] | typeof FENCED;
    try {
      safe = await this.#gate.run(() => this.#context.enter(() => task.preCommit(current)));
    } catch (error) {
      if (this.#stopping) throw error;
      for (const state of partitions) state.position = state.current = state.committed;
      this.#retry = undefined;
      return;
    }
    if (safe === FENCED) return;
    const toCommit: Array<{ state: PartitionState; offset: number }> = [];
    for (const tpo of safe) {
      const state = this.#assignment.get(keyOf(tpo));
      if (state !== undefined && partitions.includes(state) && tpo.offset !== state.committed)
        toCommit.push({ state, offset: tpo.offset });
    }
    if (toCommit.length === 0) return;
    const offsets = toCommit.map(({ state, offset }) => ({
      topic: state.topic,
      partition: state.partition,
      offset,
    }));
    const outcome = await within(this.#commitOffsets(offsets), this.#config.offsetFlushTimeoutMs);
    if (outcome !== 'committed') return;
    for (const { state, offset } of toCommit) state.committed = offset;
    this.#emit({ type: 'committed', offsets: toCommit.length });
  }

  /**
   * Commits to the group: as the member of the assignment's generation (group mode), else as an admin
   * would (generation -1). `not-committed` when the lease stopped it, or (group mode) when the
   * coordinator refused the member or could not be reached until the flush timeout: the task goes on, the
   * membership rejoins or ends as its heartbeats tell it, and the offsets are committed next time, or by
   * the next owner from the last commit on.
   */
  async #commitOffsets(offsets: GroupOffset[]): Promise<'committed' | 'not-committed'> {
    const group = this.#group;
    if (group === undefined) {
      try {
        await this.#log!.commitGroupOffsets(this.#groupId, offsets);
        return 'committed';
      } catch (error) {
        if (isFenced(error)) return 'not-committed';
        throw error;
      }
    }
    const generation = this.#generation;
    if (generation === undefined) return 'not-committed';
    const deadline = Date.now() + this.#config.offsetFlushTimeoutMs;
    for (let backoff = 100; ; backoff = Math.min(backoff * 2, 1000)) {
      try {
        const done = await this.#gate.run(() => group.commit(generation, offsets));
        return done === FENCED ? 'not-committed' : 'committed';
      } catch (error) {
        if (isRefusedCommit(error)) {
          // Fenced, or the group moved on: rejoining tells which (a fenced copy then stops for good).
          group.requestRejoin();
          return 'not-committed';
        }
        if (!isRetriable(error)) throw error;
        const unreachable =
          error instanceof GroupRequestError && error.code === GroupErrorCode.COORDINATOR_UNAVAILABLE;
        if (!unreachable || Date.now() + backoff > deadline || this.#stopping) return 'not-committed';
        await delay(backoff);
      }
    }
  }

  /** Reads metadata again: in a group the subscription (a change rejoins), else the static split. */
  async #refreshMetadata(): Promise<void> {
    const { view, missing } = await this.#readMetadata();
    this.#view = view;
    this.#nextMetadata = Date.now() + (missing ? MISSING_TOPIC_REFRESH_MS : METADATA_REFRESH_MS);
    if (this.#group !== undefined) {
      this.#group.update();
      return;
    }
    if (this.#grouped) return;
    // The static split: every partition of the subscribed topics, by topic then partition; every
    // `taskCount`-th from this task's index is this task's.
    const all: TopicPartition[] = [];
    for (const [topic, count] of view.partitions)
      for (let partition = 0; partition < count; partition++) all.push({ topic, partition });
    const mine = all.filter((_, index) => index % this.#taskCount === this.#config.task);
    const wanted = new Set(mine.map(keyOf));
    const revoked = [...this.#assignment.values()].filter((state) => !wanted.has(state.key));
    if (revoked.length > 0) await this.#close(revoked, { commit: true });
    await this.#open(mine.filter((tp) => !this.#assignment.has(keyOf(tp))));
  }

  /**
   * The subscription (`topics` as listed, or the topics matching `topics.regex`), sorted, with each one's
   * partition count (0 for a listed topic that does not exist yet: `missing`).
   */
  async #readMetadata(): Promise<{ view: SinkView; missing: boolean }> {
    const log = this.#log!;
    const { topics, pattern } = subscription(this.#config);
    const names =
      pattern === undefined ? topics : (await log.listTopics()).filter((name) => pattern.test(name));
    const partitions = new Map<string, number>();
    let missing = false;
    for (const topic of [...new Set(names)].sort()) {
      const count = await log.partitionCount(topic);
      if (count === undefined) missing = true;
      partitions.set(topic, count ?? 0);
    }
    return { view: { topics: [...partitions.keys()], partitions }, missing };
  }

  /** Revokes partitions: commits them first if `commit`, forgets them, then `close`. */
  async #close(revoked: PartitionState[], { commit }: { commit: boolean }): Promise<void> {
    if (commit) await this.#commit(revoked);
    for (const state of revoked) this.#assignment.delete(state.key);
    this.#retry = undefined; // its records may belong to revoked partitions
    const task = this.#task!;
    await this.#context.enter(() =>
      task.close(revoked.map(({ topic, partition }) => ({ topic, partition }))),
    );
  }

  /** Assigns partitions: each starts after its committed offset, else at its beginning; then `open`. */
  async #open(added: TopicPartition[]): Promise<void> {
    if (added.length === 0) return;
    const log = this.#log!;
    const group = this.#options.group;
    const offsets = await (group === undefined
      ? log.fetchGroupOffsets(this.#groupId)
      : group.committedOffsets(this.#groupId));
    const committed = new Map(offsets.map((entry) => [keyOf(entry), entry.offset]));
    const beginnings = new Map<string, number>();
    for (const topic of new Set(added.map((tp) => tp.topic))) {
      for (const { partition, beginning } of await log.offsets(topic))
        beginnings.set(keyOf({ topic, partition }), beginning);
    }
    for (const tp of added) {
      const key = keyOf(tp);
      const start = committed.get(key) ?? beginnings.get(key) ?? 0;
      this.#assignment.set(key, {
        topic: tp.topic,
        partition: tp.partition,
        key,
        position: start,
        current: start,
        committed: start,
        paused: false,
      });
    }
    const task = this.#task!;
    await this.#context.enter(() => task.open(added.map(({ topic, partition }) => ({ topic, partition }))));
  }

  /**
   * After the loop: a final commit, `close` of the assignment (in a group: through the member's last
   * revocation, then it leaves the group if the task is removed for good or failed), `task.stop()`, then
   * the resources.
   */
  async #shutdown(clean: boolean): Promise<void> {
    const task = this.#task;
    try {
      if (this.#started && task !== undefined) {
        try {
          // Best effort: the record that failed the task belongs in the DLQ too.
          if (!clean) await this.#errors?.flush().catch(() => undefined);
          if (this.#group !== undefined) {
            this.#failing = !clean;
            // A failed task leaves, as Connect's consumer does when closed, so its partitions move at once.
            await this.#group.stop(this.#leaveOnStop || !clean);
            if (this.#revokeFailure !== undefined) throw this.#revokeFailure.error;
          } else {
            if (clean) await this.#commit();
            const held = [...this.#assignment.values()];
            if (held.length > 0) await this.#close(held, { commit: false });
          }
        } finally {
          await this.#context.enter(() => task.stop());
        }
      }
    } finally {
      if (this.#converters !== undefined) closeConverters(this.#converters, this.#enter);
      this.#transforms?.close(this.#enter);
      await this.#reader?.close().catch(() => undefined);
      await this.#log?.close();
    }
  }
}

/** The subscription: `topics` (a comma list) or `topics.regex`, from the task config, else the connector's. */
function subscription(config: TaskRunnerConfig): { topics: string[]; pattern: RegExp | undefined } {
  const setting = (key: string) => (config.taskConfig[key] ?? config.connectorConfig[key] ?? '').trim();
  const topics = commaList(setting('topics'));
  const regex = setting('topics.regex');
  if (topics.length > 0 && regex !== '')
    throw new ConfigError('topics', 'a sink connector takes topics or topics.regex, not both');
  if (topics.length > 0) return { topics, pattern: undefined };
  if (regex === '')
    throw new ConfigError('topics', 'a sink connector needs topics (a comma list) or topics.regex');
  try {
    // Java's Pattern.matches: the whole name must match.
    return { topics: [], pattern: new RegExp(`^(?:${regex})$`) };
  } catch (error) {
    throw new ConfigError(
      'topics.regex',
      `topics.regex must be a regular expression, got '${regex}': ${String(error)}`,
    );
  }
}

function keyOf(tp: TopicPartition): string {
  return `${tp.topic}/${tp.partition}`;
}
