import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { deserializeError, SluiceError } from '@sluice/errors';
import { WorkerLease } from './lease.js';
import type { FromHost, HostJob, ToHost } from './messages.js';

export interface TaskHostPoolOptions {
  /** Threads that host actors. @default the number of cores */
  threads?: number;
  /** How often each host reports that its event loop turns. @default 500 */
  heartbeatIntervalMs?: number;
  /** A host silent this long has a blocked event loop: its thread is terminated and replaced. @default 5000 */
  blockedAfterMs?: number;
  /**
   * The same when no actor's code is running on the silent host (it is loading a plugin, or the machine is
   * starved): no task can be blamed and a new thread would face the same, so it waits longer. @default 30000
   */
  unattributedBlockedAfterMs?: number;
  /**
   * While a host imports an actor's module for the first time and no actor's code runs, it counts as
   * blocked only after this long: evaluating a module graph is one long synchronous step, which on a
   * machine short of CPU can outlast `blockedAfterMs`, and a replacement thread would have to import it
   * all again. @default 60000
   */
  loadingBlockedAfterMs?: number;
  /**
   * Told when a host thread was terminated (or exited by itself), once it is gone: its culprit, if one
   * was named, and which actors were restarted on a healthy thread. Meant for the worker's log.
   */
  onThreadLost?: (event: ThreadLostEvent) => void;
}

/** A host thread that was terminated or exited, and what became of its actors. */
export interface ThreadLostEvent {
  /** The host's index; its replacement keeps it. */
  thread: number;
  /**
   * `blocked`: its event loop stopped turning for `blockedAfterMs`; `stop-timeout`: an actor ignored stop
   * for its shutdown timeout; `exited`: the thread ended by itself (a crash).
   */
  reason: 'blocked' | 'stop-timeout' | 'exited';
  /**
   * `blocked`: the actor whose code was running, now failed (`SLUICE_TASK_THREAD_BLOCKED`), or undefined
   * when no actor's code was running (then every actor on the thread is restarted); `stop-timeout`: the
   * actor that ignored stop.
   */
  culprit: string | undefined;
  /** Actors that lost the thread through no fault of their own, started again on a healthy thread. */
  restarted: string[];
  /** Actors that were stopping: the thread's end ended them (their `stop` resolved `terminated`). */
  ended: string[];
  /** How long the thread had been silent (`blocked`). */
  blockedMs?: number;
  /** Why the thread exited (`exited`). */
  error?: string;
}

export interface ActorSpec {
  id: string;
  /** URL of the module that exports the actor factory. */
  module: string;
  export: string;
  config: unknown;
}

export interface ActorHandlers {
  onEvent?(payload: unknown): void;
  /** The actor failed by itself (not while stopping), or its code blocked its thread. */
  onFailed?(error: SluiceError): void;
  /**
   * The config to start the actor with again after its thread was lost (it was a victim).
   * @default the spec's `config`
   */
  restartConfig?(): unknown;
}

export interface ActorHandle {
  readonly id: string;
  /** Which host thread runs the actor now (it changes when the actor is restarted elsewhere). */
  readonly thread: number;
  send(payload: unknown): void;
  /**
   * Stops the actor: `stopped` once it stopped, or `terminated` if it did not stop within `timeoutMs`, once
   * its host thread has been terminated (its other actors are restarted on a healthy thread). Either way,
   * when this resolves the actor can no longer act.
   */
  stop(timeoutMs: number): Promise<'stopped' | 'terminated'>;
}

interface Host {
  index: number;
  port: MessagePort;
  current: Int32Array;
  lastHeartbeat: number;
  /** Ids of the actors placed on this host. */
  actors: Set<string>;
  job: Promise<void>;
  threadId: number | undefined;
  /** First imports of actor modules under way on the host. */
  loading: number;
  /** Callers of `preload` waiting for the host's `preloaded`, in the order the preloads were posted. */
  preloads: Array<() => void>;
  /** Resolves with the host's thread once it said hello, or undefined if its job ended first. */
  thread: Promise<Worker | undefined>;
  /** Set once the host is being terminated; resolves once its thread has exited. */
  lost: Promise<void> | undefined;
}

interface ActorRecord {
  spec: ActorSpec;
  handlers: ActorHandlers;
  slot: number;
  host: Host;
  /** The host said `started` (messages are held until then: the actor listens only once it exists). */
  running: boolean;
  held: unknown[];
  /** The caller of `startActor`, until the first start settles. */
  started: { resolve(): void; reject(error: SluiceError): void } | undefined;
  /** Set once `stop` was called. */
  stopping:
    { promise: Promise<'stopped' | 'terminated'>; done(outcome: 'stopped' | 'terminated'): void } | undefined;
}

type Loss =
  | { reason: 'blocked'; culprit: string | undefined; blockedMs: number }
  | { reason: 'stop-timeout'; culprit: string }
  | { reason: 'exited'; error: string };

/**
 * Up to a fixed number of long-lived Piscina threads, started as actors need them, each running one host
 * job for its whole life and carrying many actors (tasks are async actors, not threads). Piscina is built
 * for short jobs, so placement is ours: an actor goes to the host with the fewest actors.
 *
 * A thread that cannot be trusted any more is terminated, never abandoned: one whose event loop stopped
 * turning (the watchdog; the actor whose code was running fails), one carrying an actor that ignored stop,
 * one that exited. Its other actors (victims) are started again, with the same spec and handlers, on a
 * healthy thread once the old thread is gone, so no actor ever runs twice.
 */
export class TaskHostPool {
  readonly #pool: Piscina;
  readonly #options: Required<Omit<TaskHostPoolOptions, 'onThreadLost'>> &
    Pick<TaskHostPoolOptions, 'onThreadLost'>;
  readonly #hosts: Host[] = [];
  readonly #actors = new Map<string, ActorRecord>();
  readonly #lease = new WorkerLease();
  readonly #watchdog: NodeJS.Timeout;
  #lastCheck = performance.now();
  #nextSlot = 1;
  #closed = false;

  private constructor(options: TaskHostPoolOptions) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) {
      throw new SluiceError(
        'SLUICE_CONFIG_INVALID',
        `task threads must be a positive integer, got ${threads}`,
      );
    }
    this.#options = {
      threads,
      heartbeatIntervalMs: 500,
      blockedAfterMs: 5000,
      unattributedBlockedAfterMs: 30_000,
      loadingBlockedAfterMs: 60_000,
      ...options,
    };
    this.#pool = new Piscina({
      filename: hostModule(),
      // Threads start with the first actors that need them: an idle worker carries no task threads.
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      // One host job per thread, and never park a thread in Atomics.wait: its loop runs actors.
      concurrentTasksPerWorker: 1,
      atomics: 'disabled',
    });
    this.#watchdog = setInterval(() => this.#checkHosts(), this.#options.heartbeatIntervalMs);
    this.#watchdog.unref();
  }

  static start(options: TaskHostPoolOptions = {}): TaskHostPool {
    return new TaskHostPool(options);
  }

  /** How many task threads are running now (they start with the first actors that need them). */
  get threadCount(): number {
    return this.#pool.threads.length;
  }

  /** Where each actor runs: actor id → host thread index. */
  placements(): Map<string, number> {
    const out = new Map<string, number>();
    for (const [id, record] of this.#actors) out.set(id, record.host.index);
    return out;
  }

  /**
   * Sets the worker's task lease for every actor on every thread: `expiresAt` on this thread's
   * `performance.now()` clock, `Infinity` for always (the default), 0 (or any past instant) to fence now.
   * Actors waiting for the lease are woken at once.
   */
  setLease(expiresAt: number): void {
    this.#lease.set(expiresAt);
  }

  /** Starts an actor on the least-loaded host; resolves once its factory returned. */
  async startActor(spec: ActorSpec, handlers: ActorHandlers = {}): Promise<ActorHandle> {
    if (this.#closed) throw new SluiceError('SLUICE_POOL_CLOSED', 'the task host pool is closed');
    if (this.#actors.has(spec.id)) {
      throw new SluiceError('SLUICE_ACTOR_EXISTS', `actor ${spec.id} is already running`);
    }
    const record: ActorRecord = {
      spec,
      handlers,
      slot: this.#nextSlot++,
      host: undefined as unknown as Host,
      running: false,
      held: [],
      started: undefined,
      stopping: undefined,
    };
    const started = new Promise<void>((resolve, reject) => (record.started = { resolve, reject }));
    this.#actors.set(spec.id, record);
    this.#place(record, spec.config);
    await started;
    return {
      id: spec.id,
      get thread() {
        return record.host.index;
      },
      send: (payload) => this.#send(record, payload),
      stop: (timeoutMs) => this.#stopActor(record, timeoutMs),
    };
  }

  /**
   * Starts every task thread now and has each import `modules` (actor module URLs) and run their
   * `warmUp` exports: for a worker that expects tasks soon (one in a cluster, about to join its group), so
   * that its first tasks do not wait for threads to start and module graphs to load (over a second of CPU
   * here). Resolves once every thread is done (or gone). An idle embedded worker does not call it and
   * carries no task threads.
   */
  preload(modules: readonly string[]): Promise<void> {
    if (this.#closed) return Promise.resolve();
    while (this.#hosts.length < this.#options.threads) this.#hosts.push(this.#startHost(this.#hosts.length));
    const done = this.#hosts
      .filter((host) => host.lost === undefined)
      .map((host) => {
        const preloaded = new Promise<void>((resolve) => host.preloads.push(resolve));
        this.#post(host, { type: 'preload', modules: [...modules] });
        return preloaded;
      });
    return Promise.all(done).then(() => undefined);
  }

  /**
   * Stops every actor and ends the threads; a thread whose actors have not stopped within `timeoutMs`
   * is terminated.
   */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watchdog);
    for (const host of this.#hosts) this.#post(host, { type: 'shutdown' });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(this.#hosts.map((host) => host.job)),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
    await this.#pool.destroy();
  }

  /** Puts an actor on the least-loaded host and starts it there. */
  #place(record: ActorRecord, config: unknown): void {
    const host = this.#leastLoaded();
    record.host = host;
    record.running = false;
    host.actors.add(record.spec.id);
    this.#post(host, {
      type: 'start',
      id: record.spec.id,
      slot: record.slot,
      module: record.spec.module,
      export: record.spec.export,
      config,
    });
  }

  /** The least-loaded host; a new one while some thread is not started yet and every host is busy. */
  #leastLoaded(): Host {
    const least = this.#hosts.reduce<Host | undefined>(
      (best, h) => (best === undefined || h.actors.size < best.actors.size ? h : best),
      undefined,
    );
    if (least !== undefined && (least.actors.size === 0 || this.#hosts.length >= this.#options.threads)) {
      return least;
    }
    const host = this.#startHost(this.#hosts.length);
    this.#hosts.push(host);
    return host;
  }

  /** Starts a host job; after `ready` settles when given (a thread still shutting down holds its slot). */
  #startHost(index: number, ready?: Promise<unknown>): Host {
    const channel = new MessageChannel();
    const current = new SharedArrayBuffer(4);
    const job: HostJob = {
      port: channel.port2,
      current,
      lease: this.#lease.buffer,
      heartbeatIntervalMs: this.#options.heartbeatIntervalMs,
    };
    let said: (thread: Worker | undefined) => void = () => undefined;
    const host: Host = {
      index,
      port: channel.port1,
      current: new Int32Array(current),
      lastHeartbeat: performance.now(),
      actors: new Set(),
      job: Promise.resolve(),
      threadId: undefined,
      loading: 0,
      preloads: [],
      thread: new Promise((resolve) => (said = resolve)),
      lost: undefined,
    };
    const run = () => this.#pool.run(job, { transferList: [channel.port2] }) as Promise<void>;
    // Messages posted before the job runs wait in the channel.
    host.job = (ready === undefined ? run() : ready.then(run, run)).then(
      () => this.#jobEnded(host, undefined),
      (error: unknown) => this.#jobEnded(host, error),
    );
    host.port.on('message', (message: FromHost) => {
      if (message.type === 'hello') {
        host.threadId = message.threadId;
        said(this.#pool.threads.find((worker) => worker.threadId === message.threadId));
      }
      this.#onMessage(host, message);
    });
    host.port.unref();
    void host.job.then(() => {
      said(undefined);
      // A host that is gone preloads nothing more: nobody waits for it.
      for (const preloaded of host.preloads.splice(0)) preloaded();
    });
    return host;
  }

  /** A host job ends on `close`, or because its thread was terminated or died: then it is a loss. */
  #jobEnded(host: Host, error: unknown): void {
    if (this.#closed || host.lost !== undefined) return;
    const reason = error instanceof Error ? error.message : 'the host job returned';
    void this.#lose(host, { reason: 'exited', error: reason });
  }

  #onMessage(host: Host, message: FromHost): void {
    host.lastHeartbeat = performance.now();
    if (message.type === 'loading') host.loading++;
    else if (message.type === 'loaded') host.loading--;
    else if (message.type === 'preloaded') host.preloads.shift()?.();
    if (
      message.type === 'hello' ||
      message.type === 'heartbeat' ||
      message.type === 'loading' ||
      message.type === 'loaded' ||
      message.type === 'preloaded'
    )
      return;
    const record = this.#actors.get(message.id);
    // A message about an actor that moved on (or is gone) is stale.
    if (record === undefined || record.host !== host) return;
    switch (message.type) {
      case 'started': {
        record.running = true;
        record.started?.resolve();
        record.started = undefined;
        const held = record.held;
        record.held = [];
        for (const payload of held) this.#post(host, { type: 'message', id: message.id, payload });
        break;
      }
      case 'event':
        record.handlers.onEvent?.(message.payload);
        break;
      case 'stopped':
        this.#forget(record);
        record.started?.reject(new SluiceError('SLUICE_TASK_STOPPED', `actor ${message.id} was stopped`));
        record.stopping?.done('stopped');
        break;
      case 'failed': {
        this.#forget(record);
        const error = deserializeError(message.error);
        if (record.started) record.started.reject(error);
        else if (record.stopping) record.stopping.done('stopped');
        else record.handlers.onFailed?.(error);
        break;
      }
    }
  }

  #forget(record: ActorRecord): void {
    record.host.actors.delete(record.spec.id);
    if (this.#actors.get(record.spec.id) === record) this.#actors.delete(record.spec.id);
  }

  #send(record: ActorRecord, payload: unknown): void {
    if (this.#actors.get(record.spec.id) !== record) return;
    if (record.running) this.#post(record.host, { type: 'message', id: record.spec.id, payload });
    else record.held.push(payload);
  }

  #stopActor(record: ActorRecord, timeoutMs: number): Promise<'stopped' | 'terminated'> {
    if (this.#actors.get(record.spec.id) !== record) return Promise.resolve('stopped');
    if (record.stopping !== undefined) return record.stopping.promise;
    let done: (outcome: 'stopped' | 'terminated') => void = () => undefined;
    const promise = new Promise<'stopped' | 'terminated'>((resolve) => (done = resolve));
    record.stopping = { promise, done };
    this.#post(record.host, { type: 'stop', id: record.spec.id });
    // An actor that ignores stop could go on acting (a zombie): its whole thread goes, and `stop`
    // resolves once that thread has exited.
    const timer = setTimeout(() => {
      if (this.#actors.get(record.spec.id) === record)
        void this.#lose(record.host, { reason: 'stop-timeout', culprit: record.spec.id });
    }, timeoutMs);
    void promise.then(() => clearTimeout(timer));
    return promise;
  }

  #post(host: Host, message: ToHost): void {
    host.port.postMessage(message);
  }

  #checkHosts(): void {
    const now = performance.now();
    const late = now - this.#lastCheck - this.#options.heartbeatIntervalMs;
    this.#lastCheck = now;
    for (const host of this.#hosts) {
      // When the watchdog itself runs late (this thread was busy, or the process was frozen by SIGSTOP),
      // the hosts' heartbeats are still queued behind this check: that time is not the hosts' silence.
      if (late > 0) host.lastHeartbeat = Math.min(now, host.lastHeartbeat + late);
      const blockedMs = now - host.lastHeartbeat;
      // A host that has not said hello is still starting; its thread is not running actors yet.
      if (host.threadId === undefined || host.lost !== undefined || blockedMs < this.#options.blockedAfterMs)
        continue;
      const slot = Atomics.load(host.current, 0);
      // Importing a module is not a blocked loop, unless an actor's own code is what runs.
      if (slot === 0 && host.loading > 0 && blockedMs < this.#options.loadingBlockedAfterMs) continue;
      let culprit: string | undefined;
      for (const id of host.actors) if (this.#actors.get(id)?.slot === slot) culprit = id;
      if (culprit === undefined && blockedMs < this.#options.unattributedBlockedAfterMs) continue;
      void this.#lose(host, { reason: 'blocked', culprit, blockedMs: Math.round(blockedMs) });
    }
  }

  /**
   * Terminates a host's thread and puts a new host in its place. Once the thread has exited its actors
   * are dealt with: stopping ones are ended, a blocked thread's culprit fails, every other one is started
   * again on a healthy host. Resolves after that.
   */
  #lose(host: Host, loss: Loss): Promise<void> {
    if (host.lost !== undefined) return host.lost;
    // Nothing the old thread says counts any more: its actors are about to be ended or moved. Messages
    // for them wait until they run again.
    host.port.close();
    for (const id of host.actors) {
      const record = this.#actors.get(id);
      if (record?.host === host) record.running = false;
    }
    const exited = host.thread
      .then((thread) => thread?.terminate())
      .then(
        () => undefined,
        () => undefined,
      );
    // Piscina starts threads for new jobs only below maxThreads, so the new host job waits for the old
    // thread to be gone.
    if (!this.#closed && this.#hosts[host.index] === host)
      this.#hosts[host.index] = this.#startHost(host.index, exited);
    host.lost = exited.then(() => this.#afterLoss(host, loss));
    return host.lost;
  }

  #afterLoss(host: Host, loss: Loss): void {
    const culprit = loss.reason === 'exited' ? undefined : loss.culprit;
    const records = [...host.actors]
      .map((id) => this.#actors.get(id))
      .filter((record): record is ActorRecord => record?.host === host);
    host.actors.clear();
    const ending = records.filter((record) => record.stopping !== undefined || this.#closed);
    const failing = records.filter(
      (record) => !ending.includes(record) && loss.reason === 'blocked' && record.spec.id === culprit,
    );
    const moving = records.filter((record) => !ending.includes(record) && !failing.includes(record));
    const restarted = moving.map((record) => record.spec.id);
    for (const record of ending) {
      this.#forget(record);
      record.started?.reject(new SluiceError('SLUICE_TASK_STOPPED', `actor ${record.spec.id} was stopped`));
      record.stopping?.done('terminated');
    }
    for (const record of failing) {
      this.#forget(record);
      const error = blockedError(
        host,
        record.spec.id,
        loss.reason === 'blocked' ? loss.blockedMs : 0,
        restarted,
      );
      if (record.started) record.started.reject(error);
      else record.handlers.onFailed?.(error);
    }
    for (const record of moving) this.#place(record, record.handlers.restartConfig?.() ?? record.spec.config);
    this.#options.onThreadLost?.({
      thread: host.index,
      reason: loss.reason,
      culprit,
      restarted,
      ended: ending.map((record) => record.spec.id),
      ...(loss.reason === 'blocked' ? { blockedMs: loss.blockedMs } : {}),
      ...(loss.reason === 'exited' ? { error: loss.error } : {}),
    });
  }
}

/** The failure of an actor whose code blocked its thread; its trace is the story, not a main-thread stack. */
function blockedError(host: Host, id: string, blockedMs: number, restarted: string[]): SluiceError {
  const others =
    restarted.length === 0
      ? 'no other task was on it'
      : `its other tasks (${restarted.join(', ')}) were restarted on a healthy thread`;
  const error = new SluiceError(
    'SLUICE_TASK_THREAD_BLOCKED',
    `${id} blocked task thread ${host.index} (thread id ${host.threadId ?? 'unknown'}): its code ran for ` +
      `${blockedMs} ms without yielding, so the thread was terminated; ${others}`,
  );
  error.stack = `${error.name} [${error.code}]: ${error.message}`;
  return error;
}

/** One line for the worker's log about a lost host thread. */
export function describeThreadLoss(event: ThreadLostEvent): string {
  const list = (ids: string[]) => (ids.length === 0 ? 'none' : ids.join(', '));
  const restarted = `restarted on a healthy thread: ${list(event.restarted)}`;
  const ended = event.ended.length > 0 ? `; ended while stopping: ${list(event.ended)}` : '';
  switch (event.reason) {
    case 'blocked':
      return event.culprit === undefined
        ? `task thread ${event.thread} was blocked for ${event.blockedMs} ms while no task's code was ` +
            `running, so no task could be blamed; the thread was terminated and every task on it ` +
            `${restarted}${ended}`
        : `task thread ${event.thread} was blocked for ${event.blockedMs} ms by ${event.culprit}, which ` +
            `failed; the thread was terminated; ${restarted}${ended}`;
    case 'stop-timeout':
      return (
        `${event.culprit} did not stop within its shutdown timeout, so its task thread ${event.thread} ` +
        `was terminated; ${restarted}${ended}`
      );
    case 'exited':
      return `task thread ${event.thread} exited (${event.error}); every task on it ${restarted}${ended}`;
  }
}

/** The host job's module, next to this one: `.ts` when running from sources (tests), `.js` when built. */
function hostModule(): string {
  return new URL(`./task-host${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
}
