import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedLog, type LogRecord } from '@sluice/log';
import { runTypeScript } from '@sluice/test-kit';

const dataDir = mkdtempSync(join(tmpdir(), 'sluice-durability-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function readAll(log: EmbeddedLog, topic: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (;;) {
    const { records } = await log.fetch(topic, 0, out.length, { maxBytes: 4 * 1024 * 1024 });
    if (records.length === 0) return out;
    out.push(...records);
  }
}

describe('embedded log durability', () => {
  it('keeps every acknowledged record when the writer is killed with SIGKILL mid-stream, three times over', async () => {
    const topic = 'durable';
    let acknowledged = -1;
    for (const ackedBatchesBeforeKill of [5, 23, 61]) {
      const writer = runTypeScript('test/fixtures/embedded-writer.ts', [dataDir, topic]);
      const target = acknowledged + ackedBatchesBeforeKill * 500;
      await writer.waitForLine((line) => Number(line.split(' ')[1]) >= target, 60_000);
      writer.process.kill('SIGKILL');
      const { signal } = await writer.exited;
      expect(signal).toBe('SIGKILL');
      acknowledged = Math.max(...writer.lines.map((line) => Number(line.split(' ')[1])));

      const log = await EmbeddedLog.open({ dataDir });
      const records = await readAll(log, topic);
      // Everything acknowledged is there, in order, intact; more may be there (written, not yet acknowledged).
      expect(records.length).toBeGreaterThan(acknowledged);
      records.forEach((record, i) => {
        if (
          record.offset !== i ||
          record.value?.toString() !== `record-${i}` ||
          record.key?.toString() !== `k${i}`
        ) {
          throw new Error(`record at index ${i} is wrong: ${JSON.stringify(record)}`);
        }
      });
      expect(records[acknowledged]!.headers).toEqual([
        { key: 'seq', value: Buffer.from(String(acknowledged)) },
      ]);
      // The store stays usable: writes continue at the end.
      const end = records.length;
      expect(await log.produce(topic, [{ key: `k${end}`, value: `record-${end}` }])).toEqual([
        { partition: 0, offset: end },
      ]);
      acknowledged = end;
      await log.close();
    }
  });
});
