import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTypeScript, uniqueName, waitFor } from '@sluice/test-kit';
import { WorkerProcess, type Backend } from './helpers-rest.js';

// Config providers in a real worker process (`config.providers` in the worker properties): a connector's
// `${file:…}` and `${env:…}` variables are resolved for the connector and its tasks, while the REST API
// and the stored task configs keep the variables, so no secret is shown or stored resolved.

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const PROVIDERS = [
  'config.providers=file,env',
  'config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider',
  'config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider',
];

describe.each<Backend>(['embedded', 'kafka'])('config providers in a worker (%s)', (backend) => {
  it('resolves ${file:…} and ${env:…} for the tasks and shows the variables through the REST API', async () => {
    const variable = uniqueName('SLUICE_TEST_TOPIC').replace(/[^A-Za-z0-9_]/g, '_');
    const topic = uniqueName('providers');
    process.env[variable] = topic; // the worker process inherits it
    cleanups.push(() => Promise.resolve(void delete process.env[variable]));
    const worker = await WorkerProcess.create(backend, PROVIDERS);
    cleanups.push(() => worker.close());
    const input = join(worker.dir, 'in.txt');
    const output = join(worker.dir, 'out.txt');
    writeFileSync(input, 'one\ntwo\n');
    const secrets = join(worker.dir, 'secrets.properties');
    writeFileSync(secrets, `# where the lines come from\ninput.file = ${input}\n`);

    const sourceConfig = {
      'connector.class': 'FileStreamSource',
      file: `\${file:${secrets}:input.file}`,
      topic: `\${env:${variable}}`,
    };
    expect((await worker.call('POST', '/connectors', { name: 'source', config: sourceConfig })).status).toBe(
      201,
    );
    const sink = { 'connector.class': 'FileStreamSink', file: output, topics: `\${env:${variable}}` };
    expect(
      (await worker.call('POST', '/connectors', { name: uniqueName('sink'), config: sink })).status,
    ).toBe(201);
    await waitFor('the lines in the sink file', () => {
      try {
        return readFileSync(output, 'utf8') === 'one\ntwo\n' ? true : undefined;
      } catch {
        return undefined;
      }
    });

    expect((await worker.call('GET', '/connectors/source/config')).body).toEqual({
      ...sourceConfig,
      name: 'source',
    });
    const tasks = (await worker.call('GET', '/connectors/source/tasks')).body as Array<{
      config: Record<string, string>;
    }>;
    expect(tasks[0]!.config['file']).toBe(sourceConfig.file);
    expect(tasks[0]!.config['topic']).toBe(sourceConfig.topic);
    expect(JSON.stringify(tasks)).not.toContain(input);
    // Recorded once the produce is acknowledged, which the task sees at its next poll (a second at the end
    // of its file, as Connect's task waits): not necessarily before the sink wrote the lines.
    const topics = await waitFor('the source topic recorded', async () => {
      const body = (await worker.call('GET', '/connectors/source/topics')).body as {
        source: { topics: string[] };
      };
      return body.source.topics.length > 0 ? body : undefined;
    });
    expect(topics).toEqual({ source: { topics: [topic] } });
  });

  it('rejects a connector whose variable cannot be resolved, naming the key', async () => {
    const worker = await WorkerProcess.create(backend, PROVIDERS);
    cleanups.push(() => worker.close());
    const missing = join(worker.dir, 'missing.properties');
    const reply = await worker.call('POST', '/connectors', {
      name: 'broken',
      config: { 'connector.class': 'FileStreamSource', file: `\${file:${missing}:path}`, topic: 't' },
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error_code: 400, message: expect.stringContaining('file') as string });
    expect((await worker.call('GET', '/connectors')).body).toEqual([]);
  });
});

describe('config providers in the worker properties', () => {
  it('fail the start, naming the key, when a provider class is unknown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-providers-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const properties = join(dir, 'worker.properties');
    writeFileSync(
      properties,
      [
        'listeners=http://127.0.0.1:0',
        `data.dir=${join(dir, 'data')}`,
        'config.providers=vault',
        'config.providers.vault.class=com.example.VaultConfigProvider',
      ].join('\n'),
    );
    const child = runTypeScript('test/fixtures/sluice.ts', ['worker', properties]);
    const exited = await child.exited;
    expect(exited.code).not.toBe(0);
    expect(child.stderr()).toContain('config.providers.vault.class');
  });
});
