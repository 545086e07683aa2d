// `sluice worker --env-prefix CONNECT_`: a worker configured by environment variables, as cp-kafka-connect is.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, runTypeScript, waitFor, type TypeScriptChild } from '@sluice/test-kit';

const dir = mkdtempSync(join(tmpdir(), 'sluice-worker-env-'));
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

function sluice(args: string[], env: NodeJS.ProcessEnv): TypeScriptChild {
  const child = runTypeScript('test/fixtures/sluice.ts', ['worker', ...args], env);
  children.push(child);
  return child;
}

describe('sluice worker --env-prefix', () => {
  it("starts from CONNECT_ variables over the file, warns about the image's own settings, and stops on SIGTERM", async () => {
    const port = await freePort();
    const file = join(dir, 'worker.properties');
    // The file's listener is taken over by the environment's, and --override takes over both.
    writeFileSync(file, 'listeners=http://127.0.0.1:1\noffset.flush.interval.ms=1000\n');
    const child = sluice([file, '--env-prefix', 'CONNECT_', '--override', 'offset.flush.interval.ms=2000'], {
      CONNECT_LISTENERS: `http://127.0.0.1:${port}`,
      CONNECT_DATA_DIR: join(dir, 'data'),
      CONNECT_OFFSET_FLUSH_INTERVAL_MS: 'not a number, overridden',
      CONNECT_INTERNAL_KEY_CONVERTER: 'org.apache.kafka.connect.json.JsonConverter',
    });
    await child.waitForLine((line) => line === `REST API listening on http://127.0.0.1:${port}`, 60_000);
    await waitFor('the worker to be healthy', async () => {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      return response.status === 200 ? true : undefined;
    });
    expect(child.stderr()).toMatch(
      /WARN CONNECT_INTERNAL_KEY_CONVERTER \(internal\.key\.converter\) is not used by Sluice: internal converters were removed/,
    );
    child.process.kill('SIGTERM');
    expect((await child.exited).code).toBe(0);
  });

  it('refuses a variable that names no worker setting, naming the variable', async () => {
    const child = sluice(['--env-prefix', 'CONNECT_'], {
      CONNECT_LISTENERS: 'http://127.0.0.1:0',
      CONNECT_DATA_DIR: join(dir, 'data2'),
      CONNECT_GROUP__ID: 'g',
    });
    expect((await child.exited).code).toBe(1);
    expect(child.stderr()).toContain(
      'sluice: group_id is not a worker setting (from the environment: group_id is CONNECT_GROUP__ID)',
    );
  });

  it('needs a file or --env-prefix', async () => {
    const child = sluice([], {});
    expect((await child.exited).code).toBe(1);
    expect(child.stderr()).toMatch(/sluice: missing worker properties file \(or --env-prefix\)\nUsage:/);
  });
});
