import { describe, expect, it } from 'vitest';
import { runTypeScript } from '@sluice/test-kit';

// The pool runs in a child process: task host threads load TypeScript sources through tsx, which the
// child has (vitest's own workers do not pass it on to threads).
describe('TaskHostPool', () => {
  it('starts threads only as actors need them, places actors on the least-loaded thread, reports failures, abandons an actor that ignores stop, and replaces a blocked thread naming the culprit', async () => {
    const drill = runTypeScript('test/fixtures/task-host-drill.ts');
    const { code } = await drill.exited;
    expect(code, drill.stderr()).toBe(0);
    const [placements, badStart, lateFailure, stubborn, counting, blocked, restarted, stopped, closed] =
      drill.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(placements).toEqual({ placements: { a: 0, b: 1, c: 0 }, threads: [0, 1, 2] });
    expect(badStart).toEqual({
      startFailed: 'bad',
      code: 'SLUICE_TASK_FAILED',
      message: 'cannot start: bad config',
    });
    expect(lateFailure).toEqual({
      failed: 'late',
      code: 'SLUICE_TASK_FAILED',
      message: 'lost the connection',
    });
    expect(stubborn).toMatchObject({ stubbornStop: 'timeout' });
    expect(stubborn!['tookMs']).toBeLessThan(1000);
    expect(counting).toEqual({ counting: [true, true, true] });
    expect(blocked).toMatchObject({
      blocked: [{ thread: 0, culprit: 'a', victims: ['c'] }],
      otherKeptCounting: true,
      neighbour: 'c',
      other: 'b',
    });
    expect(restarted).toEqual({ restartedCounting: true, thread: 0 });
    expect(stopped).toEqual({ stopped: ['stopped', 'stopped'] });
    expect(closed).toEqual({ closed: true });
  });
});
