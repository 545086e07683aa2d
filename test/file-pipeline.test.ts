import { createReadStream, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@sluice/test-kit';
import { WorkerProcess } from './helpers-rest.js';

const workers: WorkerProcess[] = [];
afterEach(async () => {
  for (const worker of workers.splice(0)) await worker.close();
});

function writeLines(file: string, count: number): number {
  const lines: string[] = [];
  for (let i = 1; i <= count; i++) lines.push(`line ${String(i).padStart(7, '0')} ${'x'.repeat(i % 17)}`);
  const text = `${lines.join('\n')}\n`;
  writeFileSync(file, text);
  return Buffer.byteLength(text);
}

/** How many whole lines end at or before `bytes` (the FileStreamSource position). */
function linesBefore(lines: readonly string[], bytes: number): number {
  let at = 0;
  let count = 0;
  for (const line of lines) {
    at += Buffer.byteLength(line) + 1;
    if (at > bytes) break;
    count++;
  }
  return count;
}

async function readLines(file: string): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: createReadStream(file) })) lines.push(line);
  return lines;
}

/** The README quickstart's two connectors. */
async function startPipeline(worker: WorkerProcess, input: string, output: string): Promise<void> {
  const create = async (name: string, config: Record<string, string>) =>
    expect((await worker.call('POST', '/connectors', { name, config })).status).toBe(201);
  await create('lines-in', { 'connector.class': 'FileStreamSource', file: input, topic: 'lines' });
  await create('lines-out', { 'connector.class': 'FileStreamSink', file: output, topics: 'lines' });
}

describe('FileStream pipeline on an embedded worker', () => {
  it('moves 1,000,000 lines from the input file to the output file unchanged (the README quickstart)', async () => {
    const worker = await WorkerProcess.create('embedded', ['offset.flush.interval.ms=2000']);
    workers.push(worker);
    const input = join(worker.dir, 'in.txt');
    const output = join(worker.dir, 'out.txt');
    const bytes = writeLines(input, 1_000_000);
    await startPipeline(worker, input, output);
    await waitFor(
      'the output file to be complete',
      () => (existsSync(output) && statSync(output).size >= bytes ? true : undefined),
      {
        timeoutMs: 180_000,
        intervalMs: 500,
      },
    );
    const [expected, actual] = await Promise.all([readLines(input), readLines(output)]);
    expect(actual.length).toBe(1_000_000);
    expect(actual).toEqual(expected);
  });

  it('loses no line when the worker is killed with SIGKILL mid-stream, and replays only what was not committed', async () => {
    const flushMs = 1000;
    const worker = await WorkerProcess.create('embedded', [`offset.flush.interval.ms=${flushMs}`]);
    workers.push(worker);
    const input = join(worker.dir, 'in.txt');
    const output = join(worker.dir, 'out.txt');
    const total = 300_000;
    writeLines(input, total);
    await startPipeline(worker, input, output);
    const linesAtLeast = (minimum: number) =>
      waitFor(
        `${minimum} lines in the output`,
        async () => {
          const count = existsSync(output) ? (await readLines(output)).length : 0;
          return count >= minimum ? { count, at: Date.now() } : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 100 },
      );
    await linesAtLeast(60_000);
    // What each side had done but not committed when the worker died is all it may replay.
    const sourceOffsets = (await worker.call('GET', '/connectors/lines-in/offsets')).body as {
      offsets: Array<{ offset: { position: number } }>;
    };
    const sinkOffsets = (await worker.call('GET', '/connectors/lines-out/offsets')).body as {
      offsets: Array<{ offset: { kafka_offset: number } }>;
    };
    expect(await worker.stop('SIGKILL')).toBeNull();
    // Read once the process is dead: the file is final. Commits read before the kill can only have
    // advanced since, so the uncommitted counts below are upper bounds.
    const sinkWritten = (await readLines(output)).length;
    const sourceCommittedBytes = sourceOffsets.offsets[0]?.offset.position ?? 0;
    const sinkCommitted = sinkOffsets.offsets[0]?.offset.kafka_offset ?? 0;

    await worker.start();
    const expected = await readLines(input);
    const lines = await waitFor(
      'every line after the restart',
      async () => {
        const seen = await readLines(output);
        return new Set(seen).size >= total ? seen : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    // Every input line is there, in order of first appearance; the rest are replays.
    const firstSeen: string[] = [];
    const seen = new Set<string>();
    for (const line of lines) if (!seen.has(line) && (seen.add(line), true)) firstSeen.push(line);
    expect(firstSeen).toEqual(expected);
    const duplicates = lines.length - total;
    const sourceUncommitted = expected.length - linesBefore(expected, sourceCommittedBytes);
    const sinkUncommitted = Math.max(0, sinkWritten - sinkCommitted);
    process.stdout.write(
      `crash test: ${duplicates} duplicate lines; uncommitted when last read before the kill: source ${sourceUncommitted} lines, sink ${sinkUncommitted} lines (flush interval ${flushMs} ms)\n`,
    );
    // The sink replays what it wrote after its last group commit (one flush interval at most). The source
    // writes offsets as records are acknowledged, so it replays only the batches between its last offset
    // write and the kill: a few polls of batch.size (2000) lines, however far it had read.
    expect(duplicates).toBeLessThanOrEqual(sinkUncommitted + 5 * 2000);
    expect(duplicates).toBeLessThanOrEqual(sourceUncommitted + sinkUncommitted);
  });
});
