import { availableParallelism } from 'node:os';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { deserializeError, SluiceError } from '@sluice/errors';
import type { FromHost, HostJob, ToHost } from './messages.js';

export interface TaskHostPoolOptions {
  /** Threads that host actors. @default the number of cores */
  threads?: number;
  /** How often each host reports that its event loop turns. @default 500 */
  heartbeatIntervalMs?: number;
  /** A host silent this long has a blocked event loop: its thread is replaced. @default 5000 */
  blockedAfterMs?: number;
  /** Told when a thread was replaced because an actor blocked it; `victims` must be started elsewhere. */
  onBlocked?: (event: BlockedEvent) => void;
}

export interface BlockedEvent {
  thread: number;
  /** The actor whose code was running when the loop stopped turning, if one was. */
  culprit: string | undefined;
  /** Every other actor that was on the thread: they lost their thread through no fault of their own. */
  victims: string[];
  blockedMs: number;
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
  /** The actor failed by itself (not while stopping). */
  onFailed?(error: SluiceError): void;
}

export interface ActorHandle {
  readonly id: string;
  /** Which host thread runs the actor (visible in status). */
  readonly thread: number;
  send(payload: unknown): void;
  /** Resolves `stopped`, or `timeout` if the actor did not stop within `timeoutMs` (it is abandoned). */
  stop(timeoutMs: number): Promise<'stopped' | 'timeout'>;
}

interface Host {
  index: number;
  port: MessagePort;
  current: Int32Array;
  lastHeartbeat: number;
  actors: Map<string, ActorEntry>;
  job: Promise<void>;
  threadId: number | undefined;
}

interface ActorEntry {
  slot: number;
  handlers: ActorHandlers;
  started: { resolve(): void; reject(error: SluiceError): void } | undefined;
  stopped: Array<() => void>;
}

/**
 * Up to a fixed number of long-lived Piscina threads, started as actors need them, each running one host
 * job for its whole life and carrying many actors (tasks are async actors, not threads). Piscina is built for short jobs, so placement is
 * ours: an actor goes to the host with the fewest actors. A watchdog replaces a thread whose event loop
 * stops turning and names the actor that was running.
 */
export class TaskHostPool {
  readonly #pool: Piscina;
  readonly #options: Required<Omit<TaskHostPoolOptions, 'onBlocked'>> &
    Pick<TaskHostPoolOptions, 'onBlocked'>;
  readonly #hosts: Host[] = [];
  readonly #watchdog: NodeJS.Timeout;
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
    this.#options = { threads, heartbeatIntervalMs: 500, blockedAfterMs: 5000, ...options };
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
    for (const host of this.#hosts) for (const id of host.actors.keys()) out.set(id, host.index);
    return out;
  }

  /** Starts an actor on the least-loaded host; resolves once its factory returned. */
  async startActor(spec: ActorSpec, handlers: ActorHandlers = {}): Promise<ActorHandle> {
    if (this.#closed) throw new SluiceError('SLUICE_POOL_CLOSED', 'the task host pool is closed');
    if (this.#hosts.some((h) => h.actors.has(spec.id))) {
      throw new SluiceError('SLUICE_ACTOR_EXISTS', `actor ${spec.id} is already running`);
    }
    const host = this.#placeActor();
    const entry: ActorEntry = { slot: this.#nextSlot++, handlers, started: undefined, stopped: [] };
    const started = new Promise<void>((resolve, reject) => (entry.started = { resolve, reject }));
    host.actors.set(spec.id, entry);
    this.#post(host, {
      type: 'start',
      id: spec.id,
      slot: entry.slot,
      module: spec.module,
      export: spec.export,
      config: spec.config,
    });
    await started;
    return {
      id: spec.id,
      thread: host.index,
      send: (payload) => this.#post(host, { type: 'message', id: spec.id, payload }),
      stop: (timeoutMs) => this.#stopActor(host, spec.id, timeoutMs),
    };
  }

  /** The least-loaded host; a new one while some thread is not started yet and every host is busy. */
  #placeActor(): Host {
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

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#watchdog);
    for (const host of this.#hosts) this.#post(host, { type: 'shutdown' });
    await Promise.allSettled(this.#hosts.map((host) => host.job));
    await this.#pool.destroy();
  }

  /** Starts a host job; after `ready` settles when given (a thread still shutting down holds its slot). */
  #startHost(index: number, ready?: Promise<unknown>): Host {
    const channel = new MessageChannel();
    const current = new SharedArrayBuffer(4);
    const job: HostJob = {
      port: channel.port2,
      current,
      heartbeatIntervalMs: this.#options.heartbeatIntervalMs,
    };
    const host: Host = {
      index,
      port: channel.port1,
      current: new Int32Array(current),
      lastHeartbeat: Date.now(),
      actors: new Map(),
      job: Promise.resolve(),
      threadId: undefined,
    };
    const run = () => this.#pool.run(job, { transferList: [channel.port2] }) as Promise<void>;
    // Messages posted before the job runs wait in the channel.
    host.job = (ready === undefined ? run() : ready.then(run, run)).catch(() => undefined);
    host.port.on('message', (message: FromHost) => this.#onMessage(host, message));
    host.port.unref();
    return host;
  }

  #onMessage(host: Host, message: FromHost): void {
    host.lastHeartbeat = Date.now();
    if (message.type === 'hello') host.threadId = message.threadId;
    if (message.type === 'hello' || message.type === 'heartbeat') return;
    const entry = host.actors.get(message.id);
    switch (message.type) {
      case 'started':
        entry?.started?.resolve();
        if (entry) entry.started = undefined;
        break;
      case 'event':
        entry?.handlers.onEvent?.(message.payload);
        break;
      case 'stopped':
        host.actors.delete(message.id);
        entry?.stopped.forEach((done) => done());
        break;
      case 'failed': {
        host.actors.delete(message.id);
        const error = deserializeError(message.error);
        if (entry?.started) entry.started.reject(error);
        else if (entry?.stopped.length) entry.stopped.forEach((done) => done());
        else entry?.handlers.onFailed?.(error);
        break;
      }
    }
  }

  async #stopActor(host: Host, id: string, timeoutMs: number): Promise<'stopped' | 'timeout'> {
    const entry = host.actors.get(id);
    if (entry === undefined) return 'stopped';
    const stopped = new Promise<'stopped'>((resolve) => entry.stopped.push(() => resolve('stopped')));
    this.#post(host, { type: 'stop', id });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)),
    );
    const outcome = await Promise.race([stopped, timeout]);
    clearTimeout(timer);
    // An actor that ignores stop is abandoned: its owner treats it as gone.
    if (outcome === 'timeout') host.actors.delete(id);
    return outcome;
  }

  #post(host: Host, message: ToHost): void {
    host.port.postMessage(message);
  }

  #checkHosts(): void {
    const now = Date.now();
    for (const host of this.#hosts) {
      const blockedMs = now - host.lastHeartbeat;
      // A host that has not said hello is still starting; its thread is not running actors yet.
      if (host.threadId === undefined || blockedMs < this.#options.blockedAfterMs) continue;
      const slot = Atomics.load(host.current, 0);
      let culprit: string | undefined;
      for (const [id, entry] of host.actors) if (entry.slot === slot) culprit = id;
      const victims = [...host.actors.keys()].filter((id) => id !== culprit);
      this.#replaceHost(host);
      this.#options.onBlocked?.({ thread: host.index, culprit, victims, blockedMs });
    }
  }

  /** Terminates a blocked host's thread and starts a new host job on a fresh one. */
  #replaceHost(host: Host): void {
    host.port.close();
    for (const entry of host.actors.values()) {
      entry.started?.reject(
        new SluiceError('SLUICE_TASK_THREAD_BLOCKED', `task thread ${host.index} was blocked`),
      );
      entry.stopped.forEach((done) => done());
    }
    const thread = this.#pool.threads.find((worker) => worker.threadId === host.threadId);
    // Piscina starts threads for new jobs only below maxThreads, so the new host job waits for the old
    // thread to be gone.
    this.#hosts[host.index] = this.#startHost(host.index, thread?.terminate());
  }
}

/** The host job's module, next to this one: `.ts` when running from sources (tests), `.js` when built. */
function hostModule(): string {
  return new URL(`./task-host${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
}
