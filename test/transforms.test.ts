import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { uniqueName, waitFor } from '@sluice/test-kit';
import { WorkerProcess, type Backend } from './helpers-rest.js';

// Apache's single message transforms and predicates in a real worker process, on both runners: a source
// routes and wraps its lines, a sink filters one topic out by a predicate and unwraps the rest; and the
// transform keys are validated as Connect validates them.

const T = 'org.apache.kafka.connect.transforms';
const JSON_VALUES = {
  'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
  'value.converter.schemas.enable': 'false',
};

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const fileLines = (file: string) => {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

describe.each<Backend>(['embedded', 'kafka'])('transforms in a worker (%s)', (backend) => {
  it('routes and wraps source records, filters by a predicate and unwraps sink records', async () => {
    const worker = await WorkerProcess.create(backend);
    cleanups.push(() => worker.close());
    const base = uniqueName('smt');
    const wanted = ['a1', 'a2', 'a3'];
    const a = join(worker.dir, 'a.txt');
    const b = join(worker.dir, 'b.txt');
    const output = join(worker.dir, 'out.txt');
    writeFileSync(a, `${wanted.join('\n')}\n`);
    writeFileSync(b, 'b1\nb2\n');

    const routed = await worker.call('POST', '/connectors', {
      name: 'a',
      config: {
        'connector.class': 'FileStreamSource',
        file: a,
        topic: `${base}-raw`,
        ...JSON_VALUES,
        transforms: 'route,hoist',
        'transforms.route.type': `${T}.RegexRouter`,
        'transforms.route.regex': '(.*)-raw',
        'transforms.route.replacement': '$1-clean',
        'transforms.hoist.type': `${T}.HoistField$Value`,
        'transforms.hoist.field': 'line',
      },
    });
    expect(routed.status).toBe(201);
    const other = await worker.call('POST', '/connectors', {
      name: 'b',
      config: { 'connector.class': 'FileStreamSource', file: b, topic: `${base}-other`, ...JSON_VALUES },
    });
    expect(other.status).toBe(201);
    const sinkName = uniqueName('sink'); // its consumer group, connect-<name>, is broker-wide
    const sink = await worker.call('POST', '/connectors', {
      name: sinkName,
      config: {
        'connector.class': 'FileStreamSink',
        file: output,
        topics: `${base}-clean,${base}-other`,
        ...JSON_VALUES,
        transforms: 'dropOther,unwrap',
        'transforms.dropOther.type': `${T}.Filter`,
        'transforms.dropOther.predicate': 'isOther',
        'transforms.unwrap.type': `${T}.ExtractField$Value`,
        'transforms.unwrap.field': 'line',
        predicates: 'isOther',
        'predicates.isOther.type': `${T}.predicates.TopicNameMatches`,
        'predicates.isOther.pattern': '.*-other',
      },
    });
    expect(sink.status).toBe(201);

    await waitFor('the unwrapped lines in the sink file', () =>
      fileLines(output).length >= wanted.length ? true : undefined,
    );
    // b's records were consumed too (the sink's offsets reach the end of its topic) but filtered out.
    await worker.until<{
      offsets: Array<{ partition: { kafka_topic: string }; offset: { kafka_offset: number } }>;
    }>(`/connectors/${sinkName}/offsets`, (body) =>
      body.offsets.some((o) => o.partition.kafka_topic === `${base}-other` && o.offset.kafka_offset === 2),
    );
    expect(fileLines(output)).toEqual(wanted);
    // Recorded once a produce is acknowledged, which the task sees at its next poll: awaited.
    await worker.until<{ a: { topics: string[] } }>(
      '/connectors/a/topics',
      (body) => body.a.topics.length > 0,
    );
    expect((await worker.call('GET', '/connectors/a/topics')).body).toEqual({
      a: { topics: [`${base}-clean`] },
    });
  });
});

describe('transform configs are validated as Connect validates them', () => {
  it('names the transform key that is missing, unknown or invalid, and lists transforms as plugins', async () => {
    const worker = await WorkerProcess.create('embedded');
    cleanups.push(() => worker.close());
    const source = { 'connector.class': 'FileStreamSource', file: '/tmp/x', topic: 't' };

    const missing = await worker.call('POST', '/connectors', {
      name: 'x',
      config: { ...source, transforms: 'nothing' },
    });
    expect(missing.status).toBe(400);
    expect((missing.body as { message: string }).message).toContain(
      'Missing required configuration "transforms.nothing.type" which has no default value.',
    );

    const unknown = await worker.call('POST', '/connectors', {
      name: 'x',
      config: { ...source, transforms: 'x', 'transforms.x.type': 'com.example.Nope' },
    });
    expect(unknown.status).toBe(400);
    expect((unknown.body as { message: string }).message).toContain('transforms.x.type');
    expect((unknown.body as { message: string }).message).toContain('com.example.Nope');

    const invalid = await worker.call('PUT', '/connector-plugins/FileStreamSource/config/validate', {
      ...source,
      transforms: 'route',
      'transforms.route.type': `${T}.RegexRouter`,
      'transforms.route.predicate': 'undeclared',
    });
    expect(invalid.status).toBe(200);
    const infos = invalid.body as {
      error_count: number;
      groups: string[];
      configs: Array<{
        definition: { name: string; group: string } | null;
        value: { name: string; errors: string[] };
      }>;
    };
    expect(infos.groups).toContain('Transforms: route');
    const errorsOf = (name: string) => infos.configs.find((c) => c.value.name === name)?.value.errors ?? [];
    expect(errorsOf('transforms.route.regex').length).toBeGreaterThan(0);
    expect(errorsOf('transforms.route.predicate').join()).toContain('undeclared');
    expect(
      infos.configs.find((c) => c.value.name === 'transforms.route.replacement')?.definition?.group,
    ).toBe('Transforms: route');
    expect(infos.error_count).toBeGreaterThanOrEqual(2);
    expect((await worker.call('GET', '/connectors')).body).toEqual([]);

    const plugins = (await worker.call('GET', '/connector-plugins?connectorsOnly=false')).body as Array<{
      class: string;
      type: string;
    }>;
    expect(plugins).toContainEqual(
      expect.objectContaining({ class: `${T}.RegexRouter`, type: 'transformation' }),
    );
    expect(plugins).toContainEqual(
      expect.objectContaining({ class: `${T}.predicates.TopicNameMatches`, type: 'predicate' }),
    );
  });
});
