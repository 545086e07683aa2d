/// <reference lib="es2024.sharedmemory" />
// The worker's task lease: one 64-bit slot in a SharedArrayBuffer that the main thread sets and every task
// host thread reads. It holds the instant until which the worker may act on its tasks, on
// `process.hrtime.bigint()`: the monotonic clock that all threads of a process share (each thread's
// `performance.now()` counts from that thread's own start).
import { SluiceError } from '@sluice/errors';
import type { WriteGate, WriteGateState } from '@sluice/kafka-client';
import type { Log } from '@sluice/log';
import type { ActorLease } from './actor.js';
import type { Wakeup } from './task-runner-config.js';

/** The largest int64: a lease that never runs out (the default, and embedded mode's). */
const FOREVER = 0x7fff_ffff_ffff_ffffn;
/** Past every instant of `process.hrtime.bigint()`: fenced. */
const FENCED_NOW = 0n;
/** A wait for the lease is at most this long before it is checked again (a missed wake-up costs no more). */
const LEASE_WAIT_MS = 1_000;

/**
 * Converts a lease end on the main thread's `performance.now()` clock into `process.hrtime.bigint()`
 * nanoseconds. `Infinity` never runs out; anything not after `nowMs` is fenced (0). The result is rounded
 * down and the clocks are read hrtime first, so the converted lease never ends later than asked.
 */
export function leaseDeadline(expiresAt: number, nowMs: number, nowNs: bigint): bigint {
  if (Number.isNaN(expiresAt)) {
    throw new SluiceError('SLUICE_LEASE_INVALID', `a lease ends at a number of ms, got ${expiresAt}`);
  }
  if (expiresAt === Number.POSITIVE_INFINITY) return FOREVER;
  const remainingNs = Math.floor((expiresAt - nowMs) * 1_000_000);
  if (remainingNs <= 0) return FENCED_NOW;
  // Beyond ~146 years (and past what a Number holds exactly) a lease is as good as forever; an int64
  // store would otherwise wrap around to a negative, fenced value.
  if (remainingNs >= 2 ** 62) return FOREVER;
  const deadline = nowNs + BigInt(remainingNs);
  return deadline > FOREVER ? FOREVER : deadline;
}

/** The main thread's side: owns the shared slot and sets it. */
export class WorkerLease {
  /** Given to every task host thread. */
  readonly buffer = new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT);
  readonly #slot = new BigInt64Array(this.buffer);

  constructor() {
    Atomics.store(this.#slot, 0, FOREVER);
  }

  /** Sets the lease's end (`performance.now()` clock) and wakes every task waiting for it. */
  set(expiresAt: number): void {
    const nowNs = process.hrtime.bigint();
    Atomics.store(this.#slot, 0, leaseDeadline(expiresAt, performance.now(), nowNs));
    Atomics.notify(this.#slot, 0);
  }

  /** Whether the lease has not run out (for the main thread's own checks and tests). */
  valid(): boolean {
    return Atomics.load(this.#slot, 0) > process.hrtime.bigint();
  }
}

/** A task host thread's view of the lease. */
export function threadLease(buffer: SharedArrayBuffer): ActorLease {
  const slot = new BigInt64Array(buffer);
  return {
    valid: () => Atomics.load(slot, 0) > process.hrtime.bigint(),
    changed: (timeoutMs) => {
      // Parks nothing: the thread's event loop keeps turning while this waits for `Atomics.notify`.
      const waiting = Atomics.waitAsync(slot, 0, Atomics.load(slot, 0), timeoutMs);
      return waiting.async ? waiting.value.then(() => undefined) : Promise.resolve();
    },
  };
}

/** What {@link LeaseGate.run} returns instead of acting when the runner was told to stop while fenced. */
export const FENCED: unique symbol = Symbol('fenced');

/** A write a fenced task gave up because it was told to stop (`SLUICE_TASK_FENCED`). */
export class TaskFencedError extends SluiceError {
  constructor(what: string) {
    super(
      'SLUICE_TASK_FENCED',
      `${what} was not done: the worker's task lease ran out and the task is stopping`,
    );
  }
}

/** Whether `error` is a {@link TaskFencedError} (by code: errors cross threads and module copies). */
export function isFenced(error: unknown): boolean {
  return SluiceError.is(error) && error.code === 'SLUICE_TASK_FENCED';
}

/**
 * Holds a task runner's side effects while the lease has run out. Waits are bounded (the lease is read
 * again at least every second), end early when the lease is set again or the runner's {@link Wakeup} is
 * woken (commands, stop), and never spin.
 */
export class LeaseGate {
  readonly #lease: ActorLease;
  readonly #wakeup: Wakeup;
  readonly #stopping: () => boolean;
  #abandoned = false;
  /** {@link wireState} as the `WriteGate` of the task's own Kafka clients. */
  readonly wire: WriteGate = { state: () => this.wireState() };

  constructor(lease: ActorLease, wakeup: Wakeup, stopping: () => boolean) {
    this.#lease = lease;
    this.#wakeup = wakeup;
    this.#stopping = stopping;
  }

  /** Whether the runner may act now. */
  get open(): boolean {
    return this.#lease.valid();
  }

  /**
   * The gate of the task's own Kafka connections (`WriteGate`), asked as a state-changing request is written
   * to a socket: a call that passed {@link run} may reach the wire much later (behind a request in flight,
   * after a metadata lookup, as the client's retry, or once a process frozen by SIGSTOP runs again). Held
   * while the lease has run out; once the runner is told to stop while fenced, closed for good, so that not
   * even a later generation's lease lets an old incarnation's write out.
   */
  wireState(): WriteGateState {
    if (this.#abandoned) return 'closed';
    if (this.#lease.valid()) return 'open';
    return this.abandonIfFenced() ? 'closed' : 'hold';
  }

  /**
   * Gives writes up for good if the runner is told to stop while fenced: what is still on its way is then
   * neither acknowledged nor written (see {@link wireState}), so it need not be waited for.
   */
  abandonIfFenced(): boolean {
    if (!this.#abandoned && this.#stopping() && !this.#lease.valid()) this.#abandoned = true;
    return this.#abandoned;
  }

  /** Whether writes were given up for good (see {@link abandonIfFenced}). */
  get abandoned(): boolean {
    return this.#abandoned;
  }

  /** Resolves true once the lease is valid (at once if it is), false if the runner is told to stop first. */
  async ready(): Promise<boolean> {
    while (!this.#lease.valid()) {
      if (this.#stopping()) return false;
      await this.#wait();
    }
    return true;
  }

  /**
   * Calls `action` once the lease is valid, checked synchronously right before the call (nothing runs in
   * between); returns {@link FENCED} without calling it if the runner is told to stop while fenced.
   */
  async run<T>(action: () => T): Promise<Awaited<T> | typeof FENCED> {
    while (!this.#lease.valid()) {
      if (this.#stopping()) return FENCED;
      await this.#wait();
    }
    return await action();
  }

  #wait(): Promise<void> {
    return Promise.race([this.#lease.changed(LEASE_WAIT_MS), this.#wakeup.wait(LEASE_WAIT_MS)]);
  }
}

/**
 * The task's log with every write behind the gate: producing (records, source offsets, DLQ records),
 * creating or deleting topics, committing or deleting group offsets. Each write waits for the lease and
 * is issued in the same turn as the check that passed; a write given up because the task is stopping
 * while fenced fails with {@link TaskFencedError}. Reads pass through.
 */
export function fencedLog(log: Log, gate: LeaseGate): Log {
  const write = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    const outcome = await gate.run(call).catch((error: unknown) => {
      // Refused on the wire, or failed otherwise, while the task stops fenced: not done, as one given up here.
      throw gate.abandonIfFenced() ? new TaskFencedError(what) : error;
    });
    if (outcome === FENCED) throw new TaskFencedError(what);
    return outcome;
  };
  return {
    backend: log.backend,
    clusterId: () => log.clusterId(),
    createTopic: (spec) => write(`creating topic ${spec.name}`, () => log.createTopic(spec)),
    ensureTopic: (spec) => write(`creating topic ${spec.name}`, () => log.ensureTopic(spec)),
    describeTopic: (name) => log.describeTopic(name),
    partitionCount: (name) => log.partitionCount(name),
    listTopics: () => log.listTopics(),
    deleteTopic: (name) => write(`deleting topic ${name}`, () => log.deleteTopic(name)),
    produce: (topic, records) => write(`a produce to ${topic}`, () => log.produce(topic, records)),
    fetch: (topic, partition, offset, options) => log.fetch(topic, partition, offset, options),
    openReader: () => log.openReader(),
    offsets: (topic) => log.offsets(topic),
    latestByKey: (topic) => log.latestByKey(topic),
    commitGroupOffsets: (groupId, offsets) =>
      write(`an offset commit for ${groupId}`, () => log.commitGroupOffsets(groupId, offsets)),
    fetchGroupOffsets: (groupId, topic) => log.fetchGroupOffsets(groupId, topic),
    deleteGroupOffsets: (groupId, partitions) =>
      write(`deleting offsets of ${groupId}`, () => log.deleteGroupOffsets(groupId, partitions)),
    close: () => log.close(),
  };
}
