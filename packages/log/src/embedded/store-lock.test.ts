import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runTypeScript, type TypeScriptChild } from '@sluice/test-kit';
import { EmbeddedLog } from './embedded-log.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-lock-'));
  dirs.push(dir);
  return dir;
}
const children: TypeScriptChild[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.process.exitCode === null) child.process.kill('SIGKILL');
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A process holding `dataDir` open from its main thread, a second open and a worker thread; its pid. */
async function holder(dataDir: string): Promise<{ child: TypeScriptChild; pid: number }> {
  const child = runTypeScript('test/fixtures/embedded-holder.ts', [dataDir]);
  children.push(child);
  const line = await child.waitForLine((l) => l.startsWith('holding ') || l.startsWith('thread '), 60_000);
  expect(line).toBe(`holding ${child.process.pid}`);
  return { child, pid: child.process.pid! };
}

describe('the data.dir lock', () => {
  it('refuses a second process, naming the directory and the pid holding it', async () => {
    const dataDir = join(tempDir(), 'data');
    const { pid } = await holder(dataDir);
    const refused = EmbeddedLog.open({ dataDir });
    await expect(refused).rejects.toMatchObject({ code: 'SLUICE_STORE_LOCKED' });
    const message = ((await refused.catch((e: unknown) => e)) as Error).message;
    expect(message).toMatch(new RegExp(`^data\\.dir ${dataDir} is in use by pid ${pid} \\(since `));
    expect(message).toContain('Stop that worker, or give this one another data.dir');
  });

  it('lets the threads and further opens of the holding process use the store (the fixture checks it)', async () => {
    const dataDir = join(tempDir(), 'data');
    const { child } = await holder(dataDir);
    // The thread wrote a record while the main thread held the lock.
    child.process.kill('SIGKILL');
    await child.exited;
    const log = await EmbeddedLog.open({ dataDir });
    try {
      const { records } = await log.fetch('held', 0, 0);
      expect(records.map((r) => r.value?.toString())).toEqual(['from a thread']);
    } finally {
      await log.close();
    }
  });

  it('does not block a restart after the holder was killed with SIGKILL', async () => {
    const dataDir = join(tempDir(), 'data');
    const first = await holder(dataDir);
    first.child.process.kill('SIGKILL');
    await first.child.exited;
    // Its sluice.pid is left behind, naming a dead process; the lock itself went with it.
    expect(JSON.parse(readFileSync(join(dataDir, 'sluice.pid'), 'utf8'))).toMatchObject({ pid: first.pid });
    const second = await holder(dataDir);
    expect(second.pid).not.toBe(first.pid);
    await expect(EmbeddedLog.open({ dataDir })).rejects.toThrow(`is in use by pid ${second.pid}`);
  });

  it('is shared by opens of one process and let go when the first closes', async () => {
    const dataDir = tempDir();
    const first = await EmbeddedLog.open({ dataDir });
    const second = await EmbeddedLog.open({ dataDir });
    await second.createTopic({ name: 't' });
    expect(await first.listTopics()).toEqual(['t']);
    await second.close();
    expect(await first.listTopics()).toEqual(['t']);
    const holderFile = join(dataDir, 'sluice.pid');
    expect(JSON.parse(readFileSync(holderFile, 'utf8'))).toMatchObject({ pid: process.pid });
    await first.close();
    // Let go: no holder is recorded, and another process could take it (this one can again).
    expect(() => readFileSync(holderFile)).toThrow(/ENOENT/);
    const again = await EmbeddedLog.open({ dataDir });
    await again.close();
  });

  it('says how to recover from a lock file that is not one', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'sluice.lock'), 'not a database, and long enough to have a header'.repeat(4));
    await expect(EmbeddedLog.open({ dataDir })).rejects.toMatchObject({
      code: 'SLUICE_STORE_OPEN_FAILED',
      message: expect.stringContaining(
        'The file holds no data: when no Sluice worker runs on this directory, remove it and start again.',
      ),
    });
  });
});
