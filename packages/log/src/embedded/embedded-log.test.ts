import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeAdminContract } from '../admin.test-suite.js';
import { describeLogContract } from '../contract.test-suite.js';
import { EmbeddedLog } from './embedded-log.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-embedded-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeLogContract('embedded', () => EmbeddedLog.open({ dataDir: tempDir() }));
describeAdminContract('embedded', () => EmbeddedLog.open({ dataDir: tempDir() }));

describe('EmbeddedLog', () => {
  it('keeps topics, records and group offsets across close and reopen', async () => {
    const dataDir = tempDir();
    const first = await EmbeddedLog.open({ dataDir });
    await first.createTopic({ name: 'kept', partitions: 2, configs: { 'cleanup.policy': 'compact' } });
    await first.produce('kept', [
      { key: 'a', value: '1', partition: 1 },
      { key: 'a', value: '2', partition: 1 },
    ]);
    await first.commitGroupOffsets('g', [{ topic: 'kept', partition: 1, offset: 2 }]);
    const clusterId = await first.clusterId();
    await first.close();

    const second = await EmbeddedLog.open({ dataDir });
    expect(await second.clusterId()).toBe(clusterId);
    expect(await second.describeTopic('kept')).toEqual({
      name: 'kept',
      partitions: 2,
      configs: { 'cleanup.policy': 'compact' },
    });
    expect((await second.latestByKey('kept')).map((r) => r.value?.toString())).toEqual(['2']);
    expect(await second.fetchGroupOffsets('g')).toEqual([{ topic: 'kept', partition: 1, offset: 2 }]);
    expect(await second.produce('kept', [{ key: 'b', value: '3', partition: 1 }])).toEqual([
      { partition: 1, offset: 2 },
    ]);
    await second.close();
  });

  it('fails every call after close with a clear error', async () => {
    const log = await EmbeddedLog.open({ dataDir: tempDir() });
    await log.close();
    await expect(log.listTopics()).rejects.toMatchObject({ code: 'SLUICE_LOG_CLOSED' });
    await expect(log.fetch('t', 0, 0)).rejects.toMatchObject({ code: 'SLUICE_LOG_CLOSED' });
  });

  it('refuses a data directory it cannot create, naming the path', async () => {
    const file = join(tempDir(), 'a-file');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, '');
    await expect(EmbeddedLog.open({ dataDir: join(file, 'sub') })).rejects.toMatchObject({
      code: 'SLUICE_STORE_OPEN_FAILED',
      message: expect.stringContaining(file),
    });
  });
});
