// Produce and fetch throughput of both log backends: 1M records of 100 bytes (override with
// --records N, --batch N). The Kafka backend runs against SLUICE_KAFKA_BOOTSTRAP if set, otherwise
// against a broker this script starts with scripts/kafka and stops afterwards.
// Run: pnpm bench:log   (results go in docs/benchmarks.md by hand, with the machine line printed here)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EmbeddedLog, KafkaLog, type Log, type ProduceRecord } from '@sluice/log';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '10000' },
    backend: { type: 'string', default: 'embedded,kafka' },
  },
});
const total = Number(values.records);
const batchSize = Number(values.batch);
const recordBytes = 100;
const root = join(import.meta.dirname, '..', '..');

interface Result {
  backend: string;
  produceSeconds: number;
  fetchSeconds: number;
}

async function measure(backend: string, log: Log): Promise<Result> {
  const topic = `bench-log-${Date.now().toString(36)}`;
  await log.createTopic({ name: topic });
  const value = Buffer.alloc(recordBytes, 'x');
  const batch: ProduceRecord[] = Array.from({ length: batchSize }, () => ({ value }));

  const produceStart = process.hrtime.bigint();
  for (let sent = 0; sent < total; sent += batchSize) {
    await log.produce(topic, sent + batchSize <= total ? batch : batch.slice(0, total - sent));
  }
  const produceSeconds = Number(process.hrtime.bigint() - produceStart) / 1e9;

  const fetchStart = process.hrtime.bigint();
  let offset = 0;
  while (offset < total) {
    const { records } = await log.fetch(topic, 0, offset, { maxBytes: 4 * 1024 * 1024, maxWaitMs: 1000 });
    offset += records.length;
  }
  const fetchSeconds = Number(process.hrtime.bigint() - fetchStart) / 1e9;
  await log.deleteTopic(topic);
  return { backend, produceSeconds, fetchSeconds };
}

function row({ backend, produceSeconds, fetchSeconds }: Result): string {
  const rate = (seconds: number) => Math.round(total / seconds).toLocaleString('en-US');
  const mb = (seconds: number) => ((total * recordBytes) / seconds / 1e6).toFixed(1);
  return `| ${backend} | ${rate(produceSeconds)} | ${mb(produceSeconds)} | ${rate(fetchSeconds)} | ${mb(fetchSeconds)} |`;
}

const results: Result[] = [];
const backends = values.backend.split(',');
if (backends.includes('embedded')) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  const log = await EmbeddedLog.open({ dataDir });
  try {
    results.push(await measure('embedded (SQLite, WAL)', log));
  } finally {
    await log.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
if (backends.includes('kafka')) {
  let bootstrap = process.env['SLUICE_KAFKA_BOOTSTRAP'];
  const kafkaDir = join(root, '.kafka', 'bench');
  const started = bootstrap === undefined;
  if (started) {
    const out = execFileSync(join(root, 'scripts', 'kafka'), ['up', '--dir', kafkaDir], { encoding: 'utf8' });
    bootstrap = out.trim().split('\n').pop()!;
  }
  try {
    const log = await KafkaLog.open({ brokers: bootstrap!.split(','), clientId: 'sluice-bench' });
    try {
      results.push(await measure('kafka (kafkajs, 1 broker, acks=all)', log));
    } finally {
      await log.close();
    }
  } finally {
    if (started)
      execFileSync(join(root, 'scripts', 'kafka'), ['down', '--dir', kafkaDir], { stdio: 'inherit' });
  }
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
console.log(
  `\nMachine: ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ` +
    `${total.toLocaleString('en-US')} records of ${recordBytes} bytes, ${batchSize.toLocaleString('en-US')} per produce call\n`,
);
console.log('| backend | produce records/s | produce MB/s | fetch records/s | fetch MB/s |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const result of results) console.log(row(result));
