import { mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runTypeScript, waitFor, type TypeScriptChild } from '@sluice/test-kit';
import { backendProperties } from './helpers-rest.js';

// Real worker processes on one embedded data.dir: a second worker is refused while the first runs its
// connector (whose task threads share the first worker's lock), a worker killed with SIGKILL restarts at once,
// and a store file emptied behind the worker's back is refused rather than taken for a new store.

const root = mkdtempSync(join(tmpdir(), 'sluice-store-guard-'));
const children: TypeScriptChild[] = [];
afterAll(() => {
  for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const dataDir = join(root, 'data');

async function workerProperties(name: string): Promise<{ file: string; base: string }> {
  const port = await freePort();
  const file = join(root, `${name}.properties`);
  writeFileSync(
    file,
    [
      `listeners=http://127.0.0.1:${port}`,
      'offset.flush.interval.ms=500',
      ...backendProperties('embedded', dataDir),
    ].join('\n') + '\n',
  );
  return { file, base: `http://127.0.0.1:${port}` };
}

function startWorker(properties: string): TypeScriptChild {
  const child = runTypeScript('test/fixtures/sluice.ts', ['worker', properties]);
  children.push(child);
  return child;
}

async function listening(child: TypeScriptChild): Promise<void> {
  await child.waitForLine((line) => line.startsWith('REST API listening on'), 60_000);
}

async function connectorState(base: string, name: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${base}/connectors/${name}/status`);
    if (response.status !== 200) return undefined;
    const status = (await response.json()) as {
      connector: { state: string };
      tasks: Array<{ state: string }>;
    };
    return status.tasks[0]?.state === 'RUNNING' ? status.connector.state : undefined;
  } catch {
    return undefined;
  }
}

describe('one embedded store, several worker processes', () => {
  it('refuses a second worker, restarts after SIGKILL, and refuses an emptied store', async () => {
    const input = join(root, 'input.txt');
    writeFileSync(input, 'one\ntwo\n');
    const first = await workerProperties('first');
    let worker = startWorker(first.file);
    await listening(worker);
    const created = await fetch(`${first.base}/connectors`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'lines',
        config: { 'connector.class': 'FileStreamSource', file: input, topic: 'guarded-lines' },
      }),
    });
    expect(created.status).toBe(201);
    // Its task runs on a task thread, which opened the store too.
    await waitFor('the connector and its task RUNNING', () => connectorState(first.base, 'lines'));

    // A second worker on the same data.dir is refused, naming the directory and the first worker's pid.
    const second = await workerProperties('second');
    const refused = startWorker(second.file);
    const { code } = await refused.exited;
    expect(code).not.toBe(0);
    expect(refused.stderr()).toContain(`data.dir ${dataDir} is in use by pid ${worker.process.pid} (since `);
    expect(await connectorState(first.base, 'lines')).toBe('RUNNING');

    // Killed with SIGKILL, the first worker starts again at once, its connector with it.
    worker.process.kill('SIGKILL');
    await worker.exited;
    worker = startWorker(first.file);
    await listening(worker);
    await waitFor('the connector RUNNING after the restart', () => connectorState(first.base, 'lines'));

    // Stopped, and its store emptied: the next start is refused and leaves the file as it is.
    worker.process.kill('SIGTERM');
    await worker.exited;
    const store = join(dataDir, 'sluice.db');
    truncateSync(store, 0);
    const emptied = startWorker(first.file);
    expect((await emptied.exited).code).not.toBe(0);
    expect(emptied.stderr()).toContain(
      `sluice: The embedded store ${store} is empty (0 bytes), but ${store}.id records that it held the store of cluster `,
    );
    expect(statSync(store).size).toBe(0);
  });
});
