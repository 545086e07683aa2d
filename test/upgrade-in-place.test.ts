// Config, offsets and status that a single worker wrote before workers formed clusters are read unchanged by
// today's worker: the topics (and the embedded store) of Sluice at commit 79248bb, captured from that
// version (test/fixtures/upgrade, see the comment in kafka-79248bb.json).
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { KafkaLog, type Log } from '@sluice/log';
import { kafkaBootstrap, uniqueName, waitFor } from '@sluice/test-kit';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkerProcess } from './helpers-rest.js';

interface Fixture {
  topics: Record<
    'configs' | 'offsets' | 'status' | 'data',
    { partitions: number; records: Array<{ partition: number; key: string | null; value: string | null }> }
  >;
  groups: Record<string, Array<{ topic: string; partition: number; offset: number }>>;
}

interface Status {
  connector: { state: string; worker_id: string };
  tasks: Array<{ id: number; state: string }>;
}

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'upgrade');
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A directory with the old pipeline's input: 500 lines, as the old worker read them, then 100 more. */
function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-upgrade-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const lines = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => `${from + i}\n`).join('');
  writeFileSync(join(dir, 'in.txt'), lines(1, 500));
  appendFileSync(join(dir, 'in.txt'), lines(501, 600));
  return dir;
}

/** What the old worker's connectors look like after the upgrade, and that they resume where they were. */
async function expectResumed(worker: WorkerProcess, dir: string, data: string): Promise<void> {
  expect((await worker.call('GET', '/connectors')).body).toEqual([
    'lines-in',
    'lines-out',
    'paused',
    'stopped',
  ]);
  expect((await worker.call('GET', '/connectors/lines-in/config')).body).toEqual({
    'connector.class': 'FileStreamSource',
    file: join(dir, 'in.txt'),
    topic: data,
    name: 'lines-in',
  });
  // The stopped connector is STOPPED with its offset as the old worker left it; the paused one stays paused.
  await worker.until<Status>('/connectors/stopped/status', (s) => s.connector.state === 'STOPPED');
  await worker.until<Status>('/connectors/paused/status', (s) => s.connector.state === 'PAUSED');
  await worker.until<Status>(
    '/connectors/lines-in/status',
    (s) => s.connector.state === 'RUNNING' && s.tasks[0]?.state === 'RUNNING',
  );
  // The source goes on from byte 1892 (after line 500) and the sink from offset 500: lines 501-600 only.
  const out = join(dir, 'out-18090.txt');
  const expected = Array.from({ length: 100 }, (_, i) => String(501 + i));
  await waitFor(
    'lines 501-600 at the sink',
    () => {
      try {
        const lines = readFileSync(out, 'utf8').split('\n').filter(Boolean);
        return lines.length >= 100 ? lines : undefined;
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  expect(readFileSync(out, 'utf8').split('\n').filter(Boolean)).toEqual(expected);
}

describe('upgrade in place from a single worker of commit 79248bb', () => {
  it('reads its config, offsets and status topics on Kafka unchanged', async () => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, 'kafka-79248bb.json'), 'utf8')) as Fixture;
    const dir = workDir();
    const id = uniqueName('upgrade');
    const data = `${id}-lines`;
    const fill = (text: string | null) =>
      text === null ? null : text.replaceAll('{{dir}}', dir).replaceAll('{{data}}', data);
    const log: Log = await KafkaLog.open({ brokers: kafkaBootstrap(), clientId: uniqueName('upgrade') });
    cleanups.push(() => log.close());
    const names = { configs: `${id}-configs`, offsets: `${id}-offsets`, status: `${id}-status`, data };
    for (const role of ['configs', 'offsets', 'status', 'data'] as const) {
      const { partitions, records } = fixture.topics[role];
      await log.createTopic({
        name: names[role],
        partitions,
        replicationFactor: 1,
        ...(role === 'data' ? {} : { configs: { 'cleanup.policy': 'compact' } }),
      });
      await log.produce(
        names[role],
        records.map((r) => ({ partition: r.partition, key: fill(r.key), value: fill(r.value) })),
      );
    }
    for (const [group, offsets] of Object.entries(fixture.groups)) {
      await log.commitGroupOffsets(
        group,
        offsets.map((o) => ({ ...o, topic: fill(o.topic)! })),
      );
    }

    const worker = await WorkerProcess.create('kafka', [
      `group.id=${id}`,
      `config.storage.topic=${names.configs}`,
      `offset.storage.topic=${names.offsets}`,
      `status.storage.topic=${names.status}`,
    ]);
    cleanups.push(() => worker.close());
    await expectResumed(worker, dir, data);
    // Deleting the sink takes its task out of its consumer group, whose offsets can then go too.
    expect((await worker.call('DELETE', '/connectors/lines-out')).status).toBe(204);
    await waitFor(
      'the sink group to be empty and gone',
      async () => {
        try {
          await log.deleteGroupOffsets('connect-lines-out');
          return true;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  });

  it('opens its embedded store unchanged', async () => {
    const dir = workDir();
    const data = 'upgrade-lines-18091';
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    copyFileSync(join(FIXTURES, 'embedded-79248bb.db'), join(dataDir, 'sluice.db'));
    // The old worker ran in /tmp/old and wrote its sink to out-18091.txt: point both at this test's directory.
    const db = new Database(join(dataDir, 'sluice.db'));
    for (const table of ['records', 'latest']) {
      db.prepare(
        `UPDATE ${table} SET key = CAST(replace(CAST(key AS TEXT), '/tmp/old', ?) AS BLOB) WHERE key IS NOT NULL`,
      ).run(dir);
    }
    db.prepare(
      `UPDATE records SET value = CAST(replace(replace(CAST(value AS TEXT), '/tmp/old', ?), 'out-18091', 'out-18090') AS BLOB) WHERE value IS NOT NULL`,
    ).run(dir);
    db.close();

    const worker = await WorkerProcess.create('embedded', [`data.dir=${dataDir}`]);
    cleanups.push(() => worker.close());
    await expectResumed(worker, dir, data);
  });
});
