import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runTypeScript, type TypeScriptChild } from '@sluice/test-kit';
import { backendProperties, type Backend } from './helpers-rest.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-worker-'));
const children: TypeScriptChild[] = [];
afterAll(async () => {
  for (const child of children) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function sluice(...args: string[]): TypeScriptChild {
  const child = runTypeScript('test/fixtures/sluice.ts', args);
  children.push(child);
  return child;
}

function propertiesFile(name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('sluice worker (embedded)', () => {
  it('starts, serves GET / and Connect-style errors, keeps its cluster id across restarts, and stops on SIGTERM', async () => {
    const port = await freePort();
    const file = propertiesFile('embedded.properties', [
      `listeners=http://127.0.0.1:${port}`,
      `data.dir=${join(dir, 'data')}`,
    ]);
    const base = `http://127.0.0.1:${port}`;

    const first = sluice('worker', file);
    await first.waitForLine((line) => line === `REST API listening on ${base}`);
    const root = await fetch(`${base}/`);
    expect(root.status).toBe(200);
    const info = (await root.json()) as { version: string; commit: string; kafka_cluster_id: string };
    expect(info).toEqual({
      version: '3.9.1',
      commit: expect.any(String),
      kafka_cluster_id: expect.any(String),
      sluice_version: expect.any(String),
    });
    expect(info.kafka_cluster_id).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const missing = await fetch(`${base}/no/such/path`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error_code: 404, message: 'HTTP 404 Not Found' });

    first.process.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });

    const second = sluice('worker', file, '--override', `listeners=http://127.0.0.1:${port}`);
    await second.waitForLine((line) => line.startsWith('REST API listening on'));
    expect(((await (await fetch(`${base}/`)).json()) as typeof info).kafka_cluster_id).toBe(
      info.kafka_cluster_id,
    );
    second.process.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it.each([
    [['listeners=http://127.0.0.1:notaport'], /listeners must be a list of protocol:\/\/host:port/],
    [['offset.flush.intervall.ms=5'], /offset\.flush\.intervall\.ms is not a worker setting/],
    [['bootstrap.servers=127.0.0.1:1'], /group\.id is required when bootstrap\.servers is set/],
  ])('refuses to start with %j and names the key', async (lines, message) => {
    const child = sluice('worker', propertiesFile('bad.properties', lines));
    expect((await child.exited).code).toBe(1);
    expect(child.stderr()).toMatch(message);
  });

  it('applies --override and rejects a malformed one', async () => {
    const file = propertiesFile('ok.properties', [
      'listeners=http://127.0.0.1:0',
      `data.dir=${join(dir, 'data2')}`,
    ]);
    const bad = sluice('worker', file, '--override', 'novalue');
    expect((await bad.exited).code).toBe(1);
    expect(bad.stderr()).toMatch(/expected --override key=value/);
    const overridden = sluice('worker', file, '--override', 'offset.flush.timeout.ms=abc');
    expect((await overridden.exited).code).toBe(1);
    expect(overridden.stderr()).toMatch(/offset\.flush\.timeout\.ms must be an integer/);
  });
});

describe.each<Backend>(['embedded', 'kafka'])('sluice worker REST basics (%s)', (backend) => {
  it('serves /admin/loggers as Kafka Connect does and rejects bad bodies with Connect-style errors', async () => {
    const port = await freePort();
    const worker = sluice(
      'worker',
      propertiesFile(`rest-${backend}.properties`, [
        `listeners=http://127.0.0.1:${port}`,
        ...backendProperties(backend, join(dir, `rest-${backend}`)),
      ]),
    );
    await worker.waitForLine((line) => line.startsWith('REST API listening on'));
    const base = `http://127.0.0.1:${port}`;
    const call = async (method: string, path: string, body?: string) => {
      const response = await fetch(base + path, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body }),
      });
      return { status: response.status, body: await response.json() };
    };

    expect(await call('GET', '/admin/loggers')).toEqual({
      status: 200,
      body: { root: { level: 'INFO', last_modified: null } },
    });
    expect(await call('GET', '/admin/loggers/sluice.worker')).toEqual({
      status: 200,
      body: { level: 'INFO', last_modified: null },
    });
    const changed = await call('PUT', '/admin/loggers/sluice', '{"level": "debug"}');
    // A worker on Kafka also has the logger of its group membership.
    const known = backend === 'kafka' ? ['sluice.group', 'sluice.herder'] : ['sluice.herder'];
    expect(changed).toEqual({ status: 200, body: ['sluice', ...known, 'sluice.worker'] });
    const after = (await call('GET', '/admin/loggers/sluice.worker')).body as {
      level: string;
      last_modified: number;
    };
    expect(after.level).toBe('DEBUG');
    expect(Math.abs(after.last_modified - Date.now())).toBeLessThan(60_000);
    expect(await call('PUT', '/admin/loggers/sluice', '{}')).toEqual({
      status: 400,
      body: { error_code: 400, message: "Desired 'level' parameter was not specified in request." },
    });
    expect(await call('PUT', '/admin/loggers/sluice', '{"level": "LOUD"}')).toEqual({
      status: 404,
      body: { error_code: 404, message: "invalid log level 'LOUD'." },
    });
    expect(await call('GET', '/admin/loggers/no.such.logger')).toEqual({
      status: 404,
      body: { error_code: 404, message: 'Logger no.such.logger not found.' },
    });
    const malformed = await call('PUT', '/admin/loggers/sluice', '{"level": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({
      error_code: 400,
      message: expect.stringMatching(/^Request body is not valid JSON/),
    });
    const huge = await call(
      'PUT',
      '/admin/loggers/sluice',
      JSON.stringify({ level: 'INFO', padding: 'x'.repeat(1024 * 1024) }),
    );
    expect(huge).toEqual({
      status: 413,
      body: { error_code: 413, message: 'Request body is larger than the limit of 1048576 bytes' },
    });
    // Rejected requests changed nothing.
    expect(((await call('GET', '/admin/loggers/sluice.worker')).body as { level: string }).level).toBe(
      'DEBUG',
    );
    worker.process.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });
});
