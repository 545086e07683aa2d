// scripts/cluster against the test broker: real worker processes on 127.0.0.11, .12, started, frozen, thawed,
// stopped, restarted and killed by the script, which reports on the last line of its stdout.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaLog } from '@sluice/log';
import { freePort, kafkaBootstrap, repoRoot, uniqueName, waitFor } from '@sluice/test-kit';
import { internalTopics } from '../scripts/cluster.mjs';
import type { ClusterView } from './helpers-cluster.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The last line of stdout: the result. */
  result: string;
}

/** Runs scripts/cluster to its end (at most 2 minutes). */
function cluster(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(repoRoot, 'scripts', 'cluster'), args, { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, result: stdout.trimEnd().split('\n').pop() ?? '' });
    });
  });
}

interface StatusRow {
  index: number;
  url: string;
  pid: number | null;
  process: 'running' | 'frozen' | 'exited';
  state?: string | null;
  generation?: number | null;
  leader?: boolean | null;
}

async function status(dir: string): Promise<StatusRow[]> {
  const run = await cluster('status', '--dir', dir);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.result) as StatusRow[];
}

async function get(url: string, timeoutMs = 5_000): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, body: await response.json() };
  } catch {
    return undefined;
  }
}

/** Whether a process runs (a killed one may stay a zombie until its new parent reaps it). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const base = mkdtempSync(join(tmpdir(), 'sluice-cluster-script-'));
const group = uniqueName('cluster-script');
const dir = join(base, 'cluster');

afterAll(async () => {
  await cluster('down', '--dir', dir);
  rmSync(base, { recursive: true, force: true });
  const log = await KafkaLog.open({ brokers: kafkaBootstrap(), clientId: uniqueName('cleanup') });
  try {
    for (const topic of Object.values(internalTopics(group)))
      await log.deleteTopic(topic).catch(() => undefined);
  } finally {
    await log.close();
  }
});

describe('scripts/cluster', () => {
  it('runs workers on their own loopback addresses and stops, freezes, restarts and kills them one by one', async () => {
    const port = await freePort();
    const up = await cluster(
      'up',
      '2',
      '--bootstrap',
      kafkaBootstrap().join(','),
      '--group',
      group,
      '--dir',
      dir,
      '--base-port',
      String(port),
    );
    expect(up.code, up.stderr).toBe(0);
    const urls = [`http://127.0.0.11:${port}`, `http://127.0.0.12:${port + 1}`];
    expect(up.result).toBe(urls.join(','));

    // One group of two, each worker advertising its own address; internal topics named after the group.
    const views = await Promise.all(urls.map(async (url) => (await get(`${url}/sluice/v1/cluster`))!.body));
    const leader = (views as ClusterView[]).find((view) => view.leader)!;
    expect(leader.members!.map((member) => member.url).sort()).toEqual(urls);
    expect(views.map((view) => (view as { groupId: string }).groupId)).toEqual([group, group]);
    const properties = readFileSync(join(dir, 'worker-2', 'worker.properties'), 'utf8');
    expect(properties).toContain(`rest.advertised.host.name=127.0.0.12\n`);
    expect(properties).toContain(`config.storage.topic=${group}-configs\n`);
    expect(properties).toContain(`config.storage.replication.factor=1\n`); // min(brokers, 3)

    let rows = await status(dir);
    expect(rows.map((row) => [row.index, row.url, row.process, row.state])).toEqual([
      [1, urls[0], 'running', 'stable'],
      [2, urls[1], 'running', 'stable'],
    ]);
    expect(rows.filter((row) => row.leader)).toHaveLength(1);
    const pid2 = rows[1]!.pid!;

    // Frozen: the process is stopped (state T) and does not answer; thawed, it answers again.
    expect((await cluster('freeze', '2', '--dir', dir)).result).toBe(urls[1]);
    expect((await status(dir))[1]!.process).toBe('frozen');
    expect(await get(`${urls[1]}/health`, 500)).toBeUndefined();
    expect((await cluster('thaw', '2', '--dir', dir)).code).toBe(0);
    expect((await get(`${urls[1]}/health`))?.status).toBe(200);

    // Stopped: it leaves the group, and the other worker is the only member.
    const stop = await cluster('stop', '2', '--dir', dir);
    expect(stop.code, stop.stderr).toBe(0);
    expect((await status(dir))[1]).toMatchObject({ process: 'exited', pid: null });
    await waitFor('worker 1 alone in the group', async () => {
      const view = (await get(`${urls[0]}/sluice/v1/cluster`))?.body as ClusterView | undefined;
      return view?.state === 'stable' && view.members?.length === 1 ? true : undefined;
    });

    // Started again: a new process, in the group again once start returns.
    const start = await cluster('start', '2', '--dir', dir);
    expect(start.code, start.stderr).toBe(0);
    expect(start.result).toBe(urls[1]);
    rows = await status(dir);
    expect(rows.map((row) => row.process)).toEqual(['running', 'running']);
    expect(rows[1]!.pid).not.toBe(pid2);
    expect(new Set(rows.map((row) => row.generation)).size).toBe(1);

    const pid1 = rows[0]!.pid!;
    expect((await cluster('kill', '1', '--dir', dir)).code).toBe(0);
    expect(running(pid1)).toBe(false);
    expect((await status(dir))[0]!.process).toBe('exited');

    const unknown = await cluster('stop', '9', '--dir', dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`no worker 9 in ${dir} (workers: 1, 2)`);
    const again = await cluster('up', '2', '--dir', dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('holds a cluster (worker 1 exited, worker 2 running)');

    // Nothing of it runs any more (as after a failed up): up starts afresh in the same directory.
    expect((await cluster('kill', '2', '--dir', dir)).code).toBe(0);
    const fresh = await cluster(
      'up',
      '2',
      '--bootstrap',
      kafkaBootstrap().join(','),
      '--group',
      group,
      '--dir',
      dir,
      '--base-port',
      String(port),
    );
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).toContain(`nothing of the cluster in ${dir} runs any more; starting afresh`);
    expect(fresh.result).toBe(urls.join(','));

    // A pid in the state that is not one of its workers any more (here: this test's own, in place of worker
    // 1 once killed) is left alone.
    const pids = (await status(dir)).map((row) => row.pid!);
    expect((await cluster('kill', '1', '--dir', dir)).code).toBe(0);
    const stateFile = join(dir, 'state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { workers: Array<{ pid: number | null }> };
    state.workers[0]!.pid = process.pid;
    writeFileSync(stateFile, JSON.stringify(state));
    const down = await cluster('down', '--dir', dir);
    expect(down.code, down.stderr).toBe(0);
    expect(pids.map(running)).toEqual([false, false]);
    expect(down.stderr).toContain(
      `pid ${process.pid} (worker 1) is no longer a worker of ${dir}; leaving it alone`,
    );
    expect(await get(`${urls[1]}/health`, 1_000)).toBeUndefined();
    expect(await cluster('status', '--dir', dir)).toMatchObject({ code: 1 });
  });

  it('refuses a directory it did not create, and a worker number out of range', async () => {
    const foreign = join(base, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'keep.txt'), 'not ours\n');
    const up = await cluster('up', '1', '--bootstrap', kafkaBootstrap().join(','), '--dir', foreign);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain(`${foreign} is not empty and was not created by scripts/cluster`);
    expect(readFileSync(join(foreign, 'keep.txt'), 'utf8')).toBe('not ours\n');
    const bad = await cluster('kill', '0', '--dir', foreign);
    expect(bad.stderr).toContain('the worker number must be an integer from 1 to 244, got "0"');
  });
});
