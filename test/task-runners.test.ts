import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTypeScript } from '@sluice/test-kit';

// Each scenario runs in a child process: the task host threads load TypeScript sources through tsx,
// which the child has (vitest's own workers do not pass it on to threads).
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

type Step = Record<string, unknown> & { step: string };

async function drill(scenario: string, backend = 'embedded'): Promise<Map<string, Step[]>> {
  const dir = mkdtempSync(join(tmpdir(), `sluice-runners-${scenario}-`));
  dirs.push(dir);
  const child = runTypeScript('test/fixtures/task-runner-drill.ts', [scenario, dir, backend]);
  const { code } = await child.exited;
  expect(code, child.stderr()).toBe(0);
  const steps = new Map<string, Step[]>();
  for (const line of child.lines) {
    const step = JSON.parse(line) as Step;
    steps.set(step.step, [...(steps.get(step.step) ?? []), step]);
  }
  expect(steps.has('done'), child.stderr()).toBe(true);
  return steps;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function expectFormats(steps: Map<string, Step[]>) {
  const [struct, map, string] = steps.get('format')!;
  for (const format of [struct, map, string]) {
    expect(format!['count']).toBe(120);
    expect(format!['rawCount']).toBe(120);
    expect(format!['at']).toEqual(
      range(0, 119).map((offset): unknown => expect.stringMatching(new RegExp(`/0@${offset}$`))),
    );
    expect(format!['failures']).toEqual([null, null]);
    expect(format!['sourceEvents']).toEqual(['running', expect.stringMatching(/^topic:/), 'committed']);
    expect(format!['sinkEvents']).toEqual(['running', expect.stringMatching(/^topic:/), 'committed']);
  }
  // JsonConverter with schemas: the envelope on the wire, a Struct with an INT64 (bigint) in the sink.
  expect(JSON.parse(struct!['raw'] as string)).toEqual({
    schema: {
      type: 'struct',
      name: 'test.Count',
      optional: false,
      fields: [
        { field: 'n', type: 'int64', optional: false },
        { field: 'text', type: 'string', optional: false },
      ],
    },
    payload: { n: 1, text: 'line 1' },
  });
  expect(struct!['values']).toEqual(
    range(1, 120).map((n) => JSON.stringify({ n: `${n}n`, text: `line ${n}` })),
  );
  expect(struct!['first']).toMatchObject({
    key: 'null',
    schema: 'STRUCT',
    headers: ['origin="counter"', 'n=1'],
  });
  // Schemaless JSON (the connector's own value.converter settings): a plain object, integers as bigint.
  expect(map!['raw']).toBe('{"n":1,"text":"line 1"}');
  expect(map!['values']).toEqual(range(1, 120).map((n) => JSON.stringify({ n: `${n}n`, text: `line ${n}` })));
  expect(map!['first']).toMatchObject({ schema: null });
  // StringConverter for keys and values.
  expect(string!['raw']).toBe('line 1');
  expect(string!['values']).toEqual(range(1, 120).map((n) => JSON.stringify(`line ${n}`)));
  expect(string!['first']).toMatchObject({ key: '"k1"', schema: 'STRING' });
}

function expectResume(steps: Map<string, Step[]>) {
  const [before] = steps.get('before-stop')!;
  const [after] = steps.get('after-stop')!;
  // Offsets followed the acknowledgements while running, though the flush interval is ten minutes.
  expect(before).toMatchObject({ offset: { position: 50 } });
  expect(before!['committed']).toBeGreaterThan(0);
  expect(after).toMatchObject({ offset: { position: 50 } });
  const [sinkBefore] = steps.get('sink-before-stop')!;
  const [sinkAfter] = steps.get('sink-after-stop')!;
  expect(sinkBefore).toMatchObject({ group: [], lines: 0 });
  expect(sinkAfter).toMatchObject({ group: [expect.stringMatching(/\/0:50$/)], lines: 50 });
  const [resumed] = steps.get('resumed')!;
  expect(resumed!['topic']).toEqual(range(1, 80).map((n) => `line ${n}`));
  expect(resumed!['offset']).toEqual({ position: 80 });
  expect(resumed!['sink']).toEqual(range(1, 80).map((n) => JSON.stringify(`line ${n}`)));
  expect(resumed!['group']).toEqual([expect.stringMatching(/\/0:80$/)]);
  expect(resumed!['events']).toEqual([
    expect.stringMatching(/^open .*\/0$/),
    expect.stringMatching(/^close .*\/0$/),
    'stop',
    expect.stringMatching(/^open .*\/0$/),
    expect.stringMatching(/^close .*\/0$/),
    'stop',
  ]);
}

describe('task runners on the embedded log', () => {
  it('carry records in order through JsonConverter (with and without schemas) and StringConverter, a sink waiting for its topic', async () => {
    expectFormats(await drill('formats'));
  });

  it('commit source offsets and sink group offsets on stop, and restarted tasks resume after them', async () => {
    expectResume(await drill('resume'));
  });

  it('resume from their own commit when an older offset of the source partition sits in another partition of the offsets topic', async () => {
    const [elsewhere] = (await drill('offset-elsewhere')).get('elsewhere')!;
    // From the older offset (20) on, and after the restart from the first run's commit (50): nothing twice.
    expect(elsewhere!['topic']).toEqual(range(21, 80).map((n) => `line ${n}`));
  });

  it('commit source offsets only for acknowledged records, after commitRecord saw where they landed', async () => {
    const [failed] = (await drill('at-least-once')).get('failed')!;
    expect(failed).toMatchObject({ code: 'SLUICE_INVALID_TOPIC', offset: { position: 20 } });
    // The good half of the refused batch was written (at-least-once), but not acknowledged as a whole.
    expect(failed!['topic']).toEqual(range(1, 25).map((n) => `line ${n}`));
    expect(failed!['acked']).toEqual(range(1, 20).map((n) => `${n}@${n - 1}`));
  });

  it('pause and resume: a paused source stops producing and commits, a paused sink stops putting', async () => {
    const steps = await drill('pause');
    const [source] = steps.get('source-pause')!;
    expect(source!['stillPaused']).toBe(source!['paused']);
    expect(source!['offsetAtPause']).toEqual({ position: source!['paused'] });
    expect(source!['resumedTo']).toBeGreaterThan(source!['paused'] as number);
    const [sink] = steps.get('sink-pause')!;
    expect(sink!['stillTaken']).toBe(sink!['taken']);
    expect(sink!['produced']).toBeGreaterThan(sink!['taken'] as number);
    expect(sink!['resumedTo']).toBeGreaterThanOrEqual(sink!['produced'] as number);
    expect(steps.get('stopped')![0]!['failures']).toEqual([null, null]);
  });

  it('fail tasks that throw with their message and trace, retry RetriableErrors, split partitions across tasks, follow topics.regex', async () => {
    const steps = await drill('failures');
    expect(steps.get('failures')![0]!['failures']).toEqual([
      { code: 'SLUICE_TASK_FAILED', message: 'source exploded', traced: true, running: true },
      { code: 'SLUICE_TASK_FAILED', message: 'cannot start: missing table', traced: true, running: false },
      { code: 'SLUICE_TASK_FAILED', message: 'cannot write line 7"', traced: true, running: true },
    ]);
    const [retries] = steps.get('retries')!;
    expect(retries).toMatchObject({ events: 3, failure: null });
    expect([...(retries!['values'] as string[])].sort()).toEqual(
      range(1, 30)
        .map((n) => JSON.stringify(`line ${n}`))
        .sort(),
    );
    const [split] = steps.get('split')!;
    expect(split!['events']).toEqual([
      ['open failures/0,failures/2', 'close failures/0,failures/2', 'stop'],
      ['open failures/1', 'close failures/1', 'stop'],
    ]);
    expect(split!['values']).toEqual([
      [...range(0, 9).map((o) => `failures/0@${o}`), ...range(0, 9).map((o) => `failures/2@${o}`)],
      range(0, 9).map((o) => `failures/1@${o}`),
    ]);
    expect(split!['group']).toEqual(['failures/0:10', 'failures/1:10', 'failures/2:10']);
    expect(split!['regex']).toEqual({
      events: [
        'open failures/0,failures/1,failures/2,regex-b-x/0',
        'close failures/0,failures/1,failures/2,regex-b-x/0',
        'stop',
      ],
      count: 31,
    });
  });
});

describe("task runners under the worker's lease (embedded log)", () => {
  // One drill (source, then sink, on one pool and one lease) for both tests.
  let lease: Promise<Map<string, Step[]>> | undefined;
  const leaseDrill = () => (lease ??= drill('lease'));

  it('a fenced source produces nothing and writes no offset, resumes when the lease is extended, and stops while fenced without writing', async () => {
    const steps = await leaseDrill();
    const [fenced] = steps.get('source-fenced')!;
    const at = fenced!['fenced'] as { end: number; offset: number };
    // What was issued before the fence may land; after that nothing moves, and offsets never pass records.
    expect(fenced!['later']).toEqual(at);
    expect(fenced!['commitsWhileFenced']).toBe(0);
    expect(at.offset).toBeGreaterThan(0);
    expect(at.offset).toBeLessThanOrEqual(at.end);
    const [stopped] = steps.get('source-stopped')!;
    const resumed = stopped!['resumed'] as { end: number; offset: number };
    expect(resumed.end).toBeGreaterThan(at.end + 30);
    expect(resumed.offset).toBeGreaterThan(at.offset);
    // A stop while fenced ends the task promptly and writes nothing more.
    expect(stopped).toMatchObject({ outcome: 'stopped', failure: null, inOrder: true });
    expect(stopped!['stopMs']).toBeLessThan(4000);
    expect(stopped!['afterStop']).toEqual(stopped!['beforeStop']);
    const last = stopped!['afterStop'] as { end: number; offset: number };
    expect(last.offset).toBeLessThanOrEqual(last.end);
    expect(stopped!['count']).toBe(last.end);
  });

  it('a fenced sink puts and commits nothing, resumes when extended, and a stop while fenced leaves the commit to the next owner', async () => {
    const steps = await leaseDrill();
    const [sink] = steps.get('sink-fenced')!;
    expect(sink).toMatchObject({
      fencedPut: 50,
      resumedPut: 100,
      outcome: 'stopped',
      // Neither preCommit (the task's flush) nor a group commit while fenced; close and stop still ran.
      group: [],
      flushed: 0,
      events: [expect.stringMatching(/^open .*\/0$/), expect.stringMatching(/^close .*\/0$/), 'stop'],
      failure: null,
    });
    expect(sink!['stopMs']).toBeLessThan(4000);
    const [next] = steps.get('sink-next-owner')!;
    expect(next!['values']).toEqual(range(1, 100).map((n) => JSON.stringify(`line ${n}`)));
    expect(next!['group']).toEqual([expect.stringMatching(/\/0:100$/)]);
  });
});

describe('HostedTaskRuntime when a task thread is lost (embedded log)', () => {
  it('a task blocking its thread fails with a trace, its neighbours report RUNNING (or PAUSED) again and run; stopTask of a task that ignores stop resolves once its thread is gone', async () => {
    const steps = await drill('runtime');
    const [blocked] = steps.get('runtime-blocked')!;
    const states = blocked!['states'] as Record<string, string[]>;
    const [a, b, c] = Object.keys(states) as [string, string, string];
    expect(states[c]).toEqual(['RUNNING', 'FAILED']);
    expect(blocked!['trace']).toMatch(
      new RegExp(
        `^SluiceError \\[SLUICE_TASK_THREAD_BLOCKED\\]: ${c}-0 blocked task thread 0 \\(thread id \\d+\\): ` +
          `its code ran for \\d+ ms without yielding, so the thread was terminated; its other tasks ` +
          `\\(${a}-0, ${b}-0\\) were restarted on a healthy thread$`,
      ),
    );
    // a runs again; b comes back in the state it was asked for (PAUSED, producing nothing), then resumes.
    expect(states[a]).toEqual(['RUNNING']);
    expect(states[b]).toEqual(['PAUSED', 'RUNNING']);
    expect(blocked).toMatchObject({
      lost: [{ thread: 0, reason: 'blocked', culprit: `${c}-0`, restarted: [`${a}-0`, `${b}-0`], ended: [] }],
      stillPaused: true,
      placements: [`${a}-0`, `${b}-0`],
    });
    const [stubborn] = steps.get('runtime-stubborn')!;
    const d = Object.keys(stubborn!['states'] as object)[2]!;
    // task.shutdown.graceful.timeout.ms is 1000 here.
    expect(stubborn!['stopMs']).toBeGreaterThanOrEqual(1000);
    expect(stubborn).toMatchObject({
      states: {
        [a]: ['RUNNING'],
        [b]: ['RUNNING'],
        [d]: ['RUNNING'],
      },
      lost: [
        {
          thread: 0,
          reason: 'stop-timeout',
          culprit: `${d}-0`,
          restarted: [`${a}-0`, `${b}-0`],
          ended: [`${d}-0`],
        },
      ],
      dStill: true,
      placements: [`${a}-0`, `${b}-0`],
    });
  });
});

describe('task runners on Kafka', () => {
  it('carry records in order through each converter', async () => {
    expectFormats(await drill('formats', 'kafka'));
  });

  it('resume from committed source offsets and group offsets', async () => {
    expectResume(await drill('resume', 'kafka'));
  });
});
