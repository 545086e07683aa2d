import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTypeScript } from '@sluice/test-kit';
import { describeThreadLoss } from '@sluice/worker';

// Each scenario runs in a child process: task host threads load TypeScript sources through tsx, which the
// child has (vitest's own workers do not pass it on to threads). Two threads, a 100 ms heartbeat, and a
// thread silent for 1.5 s counts as blocked.
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

type Step = Record<string, unknown> & { step: string };

async function drill(scenario: string): Promise<Map<string, Step>> {
  const dir = mkdtempSync(join(tmpdir(), `sluice-host-${scenario}-`));
  dirs.push(dir);
  const child = runTypeScript('test/fixtures/task-host-drill.ts', [scenario, dir]);
  const { code } = await child.exited;
  expect(code, child.stderr()).toBe(0);
  const steps = new Map<string, Step>();
  for (const line of child.lines) {
    const step = JSON.parse(line) as Step;
    steps.set(step.step, step);
  }
  expect(steps.has('done'), child.stderr()).toBe(true);
  return steps;
}

describe('TaskHostPool', () => {
  it('starts threads only as actors need them, places actors on the least-loaded thread, reports failures, stops actors', async () => {
    const steps = await drill('basics');
    expect(steps.get('placements')).toMatchObject({
      placements: { a: 0, b: 1, c: 0 },
      threads: [0, 1, 2],
      handles: [0, 1, 0],
    });
    expect(steps.get('bad-start')).toMatchObject({
      code: 'SLUICE_TASK_FAILED',
      message: 'cannot start: bad config',
    });
    expect(steps.get('late-failure')).toMatchObject({
      code: 'SLUICE_TASK_FAILED',
      message: 'lost the connection',
    });
    expect(steps.get('stopped')).toMatchObject({
      outcomes: ['stopped', 'stopped', 'stopped'],
      placements: {},
      lost: [],
    });
  });

  it('terminates a thread blocked by an actor: the culprit fails with a trace, its neighbour is restarted and counts again, the other thread never stopped', async () => {
    const steps = await drill('blocked');
    const { lost, failures } = steps.get('lost')!;
    expect(lost).toEqual([
      {
        thread: 0,
        reason: 'blocked',
        culprit: 'a',
        restarted: ['c'],
        ended: [],
        blockedMs: expect.any(Number) as number,
      },
    ]);
    const blockedMs = (lost as Array<{ blockedMs: number }>)[0]!.blockedMs;
    expect(blockedMs).toBeGreaterThanOrEqual(1500);
    const failure = (failures as Record<string, { code: string; message: string; stack: string }>)['a']!;
    expect(failure.code).toBe('SLUICE_TASK_THREAD_BLOCKED');
    expect(failure.message).toMatch(
      new RegExp(
        `^a blocked task thread 0 \\(thread id \\d+\\): its code ran for ${blockedMs} ms without yielding, ` +
          `so the thread was terminated; its other tasks \\(c\\) were restarted on a healthy thread$`,
      ),
    );
    // The trace is that story, not the stack of the main thread that noticed.
    expect(failure.stack).toBe(`SluiceError [SLUICE_TASK_THREAD_BLOCKED]: ${failure.message}`);
    expect(Object.keys(failures as object)).toEqual(['a']);
    const after = steps.get('after')!;
    // Only what runs is placed: `a` is gone (FAILED), `c` runs again, and its handle follows it.
    expect(Object.keys(after['placements'] as object).sort()).toEqual(['b', 'c']);
    expect((after['handles'] as Record<string, number>)['c']).toBe(
      (after['placements'] as Record<string, number>)['c'],
    );
    expect(after).toMatchObject({
      starts: { a: 1, b: 1, c: 2 },
      otherKeptCounting: true,
      culpritSilent: true,
    });
    expect(steps.get('stopped')).toMatchObject({ outcomes: ['stopped', 'stopped'] });
  });

  it('restarts every actor of a blocked thread when no actor can be blamed, after a longer wait, and says so', async () => {
    const steps = await drill('anonymous');
    const { lost, failures } = steps.get('lost')!;
    // Not at blockedAfterMs (1.5 s) but at unattributedBlockedAfterMs (4 s): nothing to blame, so no haste.
    expect((lost as [{ blockedMs: number }])[0].blockedMs).toBeGreaterThanOrEqual(4000);
    expect(lost).toEqual([
      {
        thread: 0,
        reason: 'blocked',
        restarted: ['a', 'c'],
        ended: [],
        blockedMs: expect.any(Number) as number,
      },
    ]);
    expect(failures).toEqual({});
    expect(steps.get('after')).toMatchObject({
      placements: { a: expect.any(Number) as number, b: 1, c: expect.any(Number) as number },
      starts: { a: 2, b: 1, c: 2 },
      otherKeptCounting: true,
    });
    expect(describeThreadLoss((lost as [Parameters<typeof describeThreadLoss>[0]])[0])).toMatch(
      /^task thread 0 was blocked for \d+ ms while no task's code was running, so no task could be blamed; the thread was terminated and every task on it restarted on a healthy thread: a, c$/,
    );
    expect(steps.get('stopped')).toMatchObject({ outcomes: ['stopped', 'stopped', 'stopped'] });
  });

  it('terminates the thread of an actor that ignores stop: stop resolves once it can no longer act, its neighbour runs on elsewhere', async () => {
    const steps = await drill('stubborn');
    const stubborn = steps.get('stubborn')!;
    expect(stubborn).toMatchObject({
      outcome: 'terminated',
      lost: [
        {
          thread: 0,
          reason: 'stop-timeout',
          culprit: 'zombie',
          restarted: ['neighbour'],
          ended: ['zombie'],
        },
      ],
      placements: { other: 1, neighbour: expect.any(Number) as number },
      starts: { other: 1, neighbour: 2 },
    });
    expect(stubborn['tookMs']).toBeGreaterThanOrEqual(500);
    // The zombie's counter file stopped moving the moment stop resolved.
    expect(stubborn['atStop']).toBeGreaterThan(5);
    expect(stubborn['later']).toBe(stubborn['atStop']);
    expect(Object.keys(stubborn['placements'] as object)).not.toContain('zombie');
    expect(describeThreadLoss((stubborn['lost'] as [Parameters<typeof describeThreadLoss>[0]])[0])).toBe(
      'zombie did not stop within its shutdown timeout, so its task thread 0 was terminated; restarted on a healthy thread: neighbour; ended while stopping: zombie',
    );
    expect(steps.get('stopped')).toMatchObject({ outcomes: ['stopped', 'stopped'] });
  });

  it('does not count a first import of an actor module that runs past blockedAfterMs as a blocked thread', async () => {
    const steps = await drill('slow-import');
    expect(steps.get('slow-import')).toMatchObject({ lost: [], starts: { slow: 1 }, failures: {} });
    expect(steps.get('stopped')).toMatchObject({ outcomes: ['stopped'] });
  });

  it('preloads actor modules on every thread before any actor needs them, resolving once imported and warmed up: the first actor starts without the import', async () => {
    const steps = await drill('preload');
    const preload = steps.get('preload')!;
    expect(preload).toMatchObject({ threads: 2, lost: [], failures: {} });
    // Importing the module takes 5 s and its warmUp 1 s more, on each thread at once: preload waits for both.
    expect(preload['preloadMs']).toBeGreaterThanOrEqual(5900);
    // They were done during the preload.
    expect(preload['startedAfterMs']).toBeLessThan(2500);
    expect(steps.get('stopped')).toMatchObject({ outcomes: ['stopped'] });
  });

  it('restarts the actors of a thread that died', async () => {
    const steps = await drill('crash');
    expect(steps.get('crash')).toMatchObject({
      lost: [{ thread: 0, reason: 'exited', restarted: ['a', 'c'], ended: [], error: 'a bug in a timer' }],
      starts: { a: 2, b: 1, c: 2 },
      failures: {},
    });
    expect(steps.get('stopped')).toMatchObject({ outcomes: ['stopped', 'stopped', 'stopped'] });
  });
});
