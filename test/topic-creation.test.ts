import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { uniqueName } from '@sluice/test-kit';
import { openWorkerLog, WorkerProcess, type Backend } from './helpers-rest.js';

// Topic creation for source connectors (Connect's `topic.creation.*`, KIP-158) in a real worker: a topic
// the connector writes to is created with the settings of the first group that covers it, else the
// default group's; the settings are validated on their own keys.

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe.each<Backend>(['embedded', 'kafka'])('topic creation in a worker (%s)', (backend) => {
  it("creates a source's topics with the settings of the group that covers them", async () => {
    const worker = await WorkerProcess.create(backend);
    cleanups.push(() => worker.close());
    const base = uniqueName('created');
    const input = join(worker.dir, 'in.txt');
    writeFileSync(input, 'a\nb\n');
    const creation = {
      'topic.creation.default.partitions': '3',
      'topic.creation.default.replication.factor': '1',
      'topic.creation.groups': 'short',
      'topic.creation.short.include': `${base}-short.*`,
      'topic.creation.short.partitions': '2',
      'topic.creation.short.retention.ms': '3600000',
    };
    for (const [name, topic] of [
      ['plain', `${base}-plain`],
      ['short', `${base}-short-lived`],
    ]) {
      const created = await worker.call('POST', '/connectors', {
        name,
        config: { 'connector.class': 'FileStreamSource', file: input, topic, ...creation },
      });
      expect(created.status).toBe(201);
      await worker.until<{ offsets: unknown[] }>(`/connectors/${name}/offsets`, (b) => b.offsets.length > 0);
    }
    await worker.stop();
    const log = await openWorkerLog(backend, worker);
    try {
      const plain = await log.describeTopic(`${base}-plain`);
      expect(plain?.partitions).toBe(3);
      expect(plain?.configs['retention.ms']).toBeUndefined();
      const short = await log.describeTopic(`${base}-short-lived`);
      expect(short?.partitions).toBe(2);
      expect(short?.configs['retention.ms']).toBe('3600000');
    } finally {
      await log.close();
    }
  });
});

describe('topic creation settings are validated', () => {
  it('names the key that is missing or out of range', async () => {
    const worker = await WorkerProcess.create('embedded');
    cleanups.push(() => worker.close());
    const source = { 'connector.class': 'FileStreamSource', file: '/tmp/x', topic: 't' };
    const missing = await worker.call('POST', '/connectors', {
      name: 'x',
      config: { ...source, 'topic.creation.default.replication.factor': '1' },
    });
    expect(missing.status).toBe(400);
    expect((missing.body as { message: string }).message).toContain(
      'Missing required configuration "topic.creation.default.partitions" which has no default value.',
    );
    const zero = await worker.call('PUT', '/connector-plugins/FileStreamSource/config/validate', {
      ...source,
      'topic.creation.default.replication.factor': '1',
      'topic.creation.default.partitions': '0',
    });
    const infos = zero.body as {
      groups: string[];
      configs: Array<{ value: { name: string; errors: string[] } }>;
    };
    expect(infos.groups).toContain('Topic Creation: default');
    expect(
      infos.configs.find((c) => c.value.name === 'topic.creation.default.partitions')?.value.errors,
    ).toEqual([expect.stringContaining("must be -1 (the broker's default) or at least 1")]);
  });
});
