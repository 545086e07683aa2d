import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedLog } from '@sluice/log';
import type { ActorLease } from './actor.js';
import { FENCED, fencedLog, LeaseGate, leaseDeadline, threadLease, WorkerLease } from './lease.js';
import { Wakeup } from './task-runner-config.js';

const FOREVER = 0x7fff_ffff_ffff_ffffn;

describe('leaseDeadline', () => {
  it('moves the end from the performance.now() clock onto hrtime nanoseconds, never later than asked', () => {
    expect(leaseDeadline(1_500.25, 1_000, 10_000_000_000n)).toBe(10_500_250_000n);
    // Sub-nanosecond remainders are dropped, not rounded up.
    expect(leaseDeadline(1_000.0000019, 1_000, 5n)).toBe(6n);
  });

  it('is 0 (fenced) for 0 and for any instant not after now', () => {
    expect(leaseDeadline(0, 1_000, 10_000_000_000n)).toBe(0n);
    expect(leaseDeadline(1_000, 1_000, 10_000_000_000n)).toBe(0n);
    expect(leaseDeadline(-5, 1_000, 10_000_000_000n)).toBe(0n);
    expect(leaseDeadline(Number.NEGATIVE_INFINITY, 1_000, 10_000_000_000n)).toBe(0n);
  });

  it('never runs out for Infinity, and saturates instead of wrapping for ends beyond int64', () => {
    expect(leaseDeadline(Number.POSITIVE_INFINITY, 1_000, 10n)).toBe(FOREVER);
    expect(leaseDeadline(Number.MAX_VALUE, 1_000, 10n)).toBe(FOREVER);
    expect(leaseDeadline(1_000 + 2 ** 62 / 1e6, 1_000, 10n)).toBe(FOREVER);
    expect(leaseDeadline(1_000 + 2 ** 61 / 1e6, 1_000, FOREVER - 10n)).toBe(FOREVER);
  });

  it('refuses NaN', () => {
    expect(() => leaseDeadline(Number.NaN, 0, 0n)).toThrow(
      expect.objectContaining({ code: 'SLUICE_LEASE_INVALID' }) as Error,
    );
  });
});

describe('WorkerLease seen through threadLease', () => {
  it('is valid by default, fenced by 0, valid again when extended, and runs out by itself', async () => {
    const lease = new WorkerLease();
    const seen = threadLease(lease.buffer);
    expect(seen.valid()).toBe(true);
    lease.set(0);
    expect(seen.valid()).toBe(false);
    lease.set(performance.now() + 60_000);
    expect(seen.valid()).toBe(true);
    lease.set(performance.now() + 500);
    expect(seen.valid()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(seen.valid()).toBe(false);
    expect(lease.valid()).toBe(false);
  });

  it('wakes a waiter when the lease is set, and lets one wait out its timeout otherwise', async () => {
    const lease = new WorkerLease();
    const seen = threadLease(lease.buffer);
    lease.set(0);
    let woken = false;
    const waiting = seen.changed(30_000).then(() => (woken = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(woken).toBe(false);
    lease.set(Number.POSITIVE_INFINITY);
    await waiting;
    const started = performance.now();
    await seen.changed(50);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });
});

/** A lease the test moves by hand, counting how often it was read. */
function handLease(): ActorLease & { set(valid: boolean): void; reads: number } {
  let valid = false;
  let waiters: Array<() => void> = [];
  const lease = {
    reads: 0,
    valid: () => {
      lease.reads++;
      return valid;
    },
    changed: (timeoutMs: number) =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, timeoutMs);
      }),
    set: (to: boolean) => {
      valid = to;
      const woken = waiters;
      waiters = [];
      woken.forEach((wake) => wake());
    },
  };
  return lease;
}

describe('LeaseGate', () => {
  it('acts at once while the lease holds', async () => {
    const lease = handLease();
    lease.set(true);
    const gate = new LeaseGate(lease, new Wakeup(), () => false);
    expect(gate.open).toBe(true);
    expect(await gate.run(() => 'done')).toBe('done');
    expect(await gate.ready()).toBe(true);
  });

  it('holds an action while fenced, without spinning, and runs it once the lease is extended', async () => {
    const lease = handLease();
    const gate = new LeaseGate(lease, new Wakeup(), () => false);
    let calls = 0;
    const running = gate.run(() => ++calls);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toBe(0);
    // One read on the way in, then one per wake-up or bounded wait (a second): no busy loop.
    expect(lease.reads).toBeLessThanOrEqual(2);
    lease.set(true);
    expect(await running).toBe(1);
  });

  it('gives up without acting when told to stop while fenced', async () => {
    const lease = handLease();
    const wakeup = new Wakeup();
    let stopping = false;
    const gate = new LeaseGate(lease, wakeup, () => stopping);
    let calls = 0;
    const running = gate.run(() => ++calls);
    const ready = gate.ready();
    await new Promise((resolve) => setTimeout(resolve, 20));
    stopping = true;
    wakeup.wake();
    expect(await running).toBe(FENCED);
    expect(await ready).toBe(false);
    expect(calls).toBe(0);
  });

  it('opens the wire while the lease holds, holds it while fenced, and closes it for good on a stop while fenced', () => {
    const lease = handLease();
    let stopping = false;
    const gate = new LeaseGate(lease, new Wakeup(), () => stopping);
    lease.set(true);
    expect(gate.wireState()).toBe('open');
    lease.set(false);
    expect(gate.wireState()).toBe('hold');
    expect(gate.abandonIfFenced()).toBe(false);
    // A stop with the lease valid still lets the task's last writes out.
    lease.set(true);
    stopping = true;
    expect(gate.abandonIfFenced()).toBe(false);
    expect(gate.wireState()).toBe('open');
    lease.set(false);
    expect(gate.wireState()).toBe('closed');
    expect(gate.abandoned).toBe(true);
    // Not even a later lease lets this incarnation's writes out.
    lease.set(true);
    expect(gate.wireState()).toBe('closed');
  });
});

describe('fencedLog', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('holds every write while fenced, lets reads through, and fails a write given up on stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-fenced-log-'));
    dirs.push(dir);
    const log = await EmbeddedLog.open({ dataDir: dir });
    try {
      await log.createTopic({ name: 'fenced' });
      const lease = handLease();
      const wakeup = new Wakeup();
      let stopping = false;
      const fenced = fencedLog(log, new LeaseGate(lease, wakeup, () => stopping));
      // Reads answer while fenced.
      expect(await fenced.describeTopic('fenced')).toMatchObject({ name: 'fenced', partitions: 1 });
      expect(await fenced.partitionCount('fenced')).toBe(1);
      const produced = fenced.produce('fenced', [{ value: 'held' }]);
      const committed = fenced.commitGroupOffsets('g', [{ topic: 'fenced', partition: 0, offset: 1 }]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await log.offsets('fenced'))[0]!.end).toBe(0);
      expect(await log.fetchGroupOffsets('g')).toEqual([]);
      lease.set(true);
      expect(await produced).toEqual([{ partition: 0, offset: 0 }]);
      await committed;
      expect(await log.fetchGroupOffsets('g')).toEqual([{ topic: 'fenced', partition: 0, offset: 1 }]);

      lease.set(false);
      const givenUp = fenced.produce('fenced', [{ value: 'never' }]);
      const ensured = fenced.ensureTopic({ name: 'never-created' });
      stopping = true;
      wakeup.wake();
      await expect(givenUp).rejects.toMatchObject({ code: 'SLUICE_TASK_FENCED' });
      await expect(ensured).rejects.toMatchObject({ code: 'SLUICE_TASK_FENCED' });
      // A write that passed the gate and was then refused on the wire (the gate closed for good) is fenced too.
      const wired = fencedLog(
        Object.assign(Object.create(log) as typeof log, {
          produce: () => Promise.reject(new Error('connection destroyed')),
        }),
        new LeaseGate(lease, wakeup, () => stopping),
      );
      lease.set(true);
      const refused = wired.produce('fenced', [{ value: 'refused' }]);
      lease.set(false);
      await expect(refused).rejects.toMatchObject({ code: 'SLUICE_TASK_FENCED' });
      expect((await log.offsets('fenced'))[0]!.end).toBe(1);
      expect(await log.describeTopic('never-created')).toBeUndefined();
    } finally {
      await log.close();
    }
  });
});
