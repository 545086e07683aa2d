import {
  copyFileSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedLog } from './embedded-log.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-store-file-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A store with a connector-like config record and enough records to span many pages; closed cleanly. */
async function storeWithData(): Promise<{ dataDir: string; file: string; clusterId: string }> {
  const dataDir = tempDir();
  const log = await EmbeddedLog.open({ dataDir });
  await log.createTopic({ name: 'connect-configs', configs: { 'cleanup.policy': 'compact' } });
  await log.produce('connect-configs', [{ key: 'connector-a', value: '{"properties":{}}' }]);
  await log.createTopic({ name: 'data' });
  await log.produce(
    'data',
    Array.from({ length: 2000 }, (_, i) => ({ key: `k${i}`, value: `value ${i} `.repeat(20) })),
  );
  const clusterId = await log.clusterId();
  await log.close();
  return { dataDir, file: join(dataDir, 'sluice.db'), clusterId };
}

async function refusal(dataDir: string): Promise<{ code: string; message: string }> {
  const outcome = await EmbeddedLog.open({ dataDir }).then(
    async (log) => {
      await log.close();
      return null;
    },
    (error: { code: string; message: string }) => error,
  );
  expect(outcome, 'the store was opened').not.toBeNull();
  return outcome!;
}

const REMEDY =
  /Stop the worker and restore .*sluice\.db .*from a backup; or, to start with an empty store, remove .*sluice\.db, .*sluice\.db-wal, .*sluice\.db-shm and .*sluice\.db\.id\.$/;

describe('a damaged embedded store', () => {
  it('is refused when emptied (0 bytes) while the marker says it held a store, and left as it is', async () => {
    const { dataDir, file, clusterId } = await storeWithData();
    truncateSync(file, 0);
    const error = await refusal(dataDir);
    expect(error.code).toBe('SLUICE_STORE_CORRUPT');
    expect(error.message).toMatch(
      new RegExp(
        `^The embedded store ${file} is empty \\(0 bytes\\), but ${file}\\.id records that it held the store of cluster ${clusterId}: it was truncated, deleted or replaced\\. Starting would lose every connector config, status and offset\\.`,
      ),
    );
    expect(error.message).toMatch(REMEDY);
    // Refusing changed nothing: the file is still empty, for the operator to restore.
    expect(statSync(file).size).toBe(0);
  });

  it('is refused when deleted while the marker says it held a store', async () => {
    const { dataDir, file } = await storeWithData();
    rmSync(file);
    expect((await refusal(dataDir)).message).toMatch(
      new RegExp(`^The embedded store ${file} is missing, but `),
    );
  });

  it('is refused when emptied while its write-ahead log has data, even without a marker (an older Sluice)', async () => {
    const { dataDir, file } = await storeWithData();
    rmSync(`${file}.id`);
    writeFileSync(`${file}-wal`, Buffer.alloc(4096, 1));
    truncateSync(file, 0);
    const error = await refusal(dataDir);
    expect(error.code).toBe('SLUICE_STORE_CORRUPT');
    expect(error.message).toMatch(
      new RegExp(
        `^The embedded store ${file} is empty \\(0 bytes\\), but its write-ahead log ${file}-wal holds 4096 bytes`,
      ),
    );
  });

  it('is refused with a garbage header', async () => {
    const { dataDir, file } = await storeWithData();
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.from('this is not what SQLite wrote here, not at all'), 0, 46, 0);
    closeSync(fd);
    const error = await refusal(dataDir);
    expect(error.code).toBe('SLUICE_STORE_CORRUPT');
    expect(error.message).toMatch(
      new RegExp(
        `^The embedded store ${file} is not an SQLite database: its first bytes are not SQLite's header`,
      ),
    );
    expect(error.message).toMatch(REMEDY);
  });

  it('is refused when truncated, to half or inside the header', async () => {
    const { dataDir, file } = await storeWithData();
    const size = statSync(file).size;
    truncateSync(file, Math.floor(size / 2));
    const half = await refusal(dataDir);
    expect(half.code).toBe('SLUICE_STORE_CORRUPT');
    expect(half.message).toMatch(
      new RegExp(
        `^The embedded store ${file} is truncated: it has ${Math.floor(size / 2)} bytes, but its header says \\d+ pages of \\d+ bytes \\(${size}\\)`,
      ),
    );
    truncateSync(file, 50);
    expect((await refusal(dataDir)).message).toMatch(
      new RegExp(
        `^The embedded store ${file} is truncated: it has 50 bytes, less than SQLite's 100-byte header`,
      ),
    );
  });

  it('is refused, with SQLite’s reason, when a page of its tables is overwritten', async () => {
    const { dataDir, file } = await storeWithData();
    const pageSize = readFileSync(file).readUInt16BE(16);
    // Page 2 onwards hold the schema's tables; garble a few of them.
    const fd = openSync(file, 'r+');
    for (const page of [2, 3, 4])
      writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, (page - 1) * pageSize);
    closeSync(fd);
    const error = await refusal(dataDir);
    expect(error.code).toBe('SLUICE_STORE_CORRUPT');
    expect(error.message).toMatch(new RegExp(`^The embedded store ${file} is damaged: .*malformed`));
    expect(error.message).toMatch(REMEDY);
  });

  it('is refused when replaced by another store', async () => {
    const { dataDir, file, clusterId } = await storeWithData();
    const other = await storeWithData();
    copyFileSync(other.file, file);
    const error = await refusal(dataDir);
    expect(error.code).toBe('SLUICE_STORE_CORRUPT');
    expect(error.message).toMatch(
      new RegExp(
        `^The embedded store ${file} holds the store of cluster ${other.clusterId}, but ${file}\\.id records cluster ${clusterId}: the file was replaced\\.`,
      ),
    );
  });
});

describe('a sound embedded store', () => {
  it('starts on an empty file nothing says held data (a crash right after creating it)', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'sluice.db'), '');
    const log = await EmbeddedLog.open({ dataDir });
    const clusterId = await log.clusterId();
    await log.close();
    expect(readFileSync(join(dataDir, 'sluice.db.id'), 'utf8')).toBe(`${clusterId}\n`);
  });

  it('gets its marker when an older Sluice made it, and opens as before', async () => {
    const { dataDir, file, clusterId } = await storeWithData();
    rmSync(`${file}.id`);
    const log = await EmbeddedLog.open({ dataDir });
    expect(await log.clusterId()).toBe(clusterId);
    expect((await log.latestByKey('connect-configs')).map((r) => r.key?.toString())).toEqual(['connector-a']);
    await log.close();
    expect(readFileSync(`${file}.id`, 'utf8')).toBe(`${clusterId}\n`);
  });
});
