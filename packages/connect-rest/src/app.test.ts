import { describe, expect, it } from 'vitest';
import type { Herder, PluginCatalog } from '@sluice/coordinator';
import { Loggers } from '@sluice/logging';
import { createConnectApp } from './app.js';

const info = { version: '1.0.0', commit: 'unknown', kafka_cluster_id: 'cluster' };

function startingApp(requestTimeoutMs = 5000) {
  let started: (herder: Herder) => void = () => undefined;
  const herder = new Promise<Herder>((resolve) => (started = resolve));
  let ready = false;
  const app = createConnectApp({
    info: () => info,
    ready: () => ready,
    loggers: new Loggers({ write: () => undefined }),
    herder,
    // Not reached by these requests.
    catalog: {} as PluginCatalog,
    requestTimeoutMs,
  });
  const call = async (path: string) => {
    const response = await app.request(path);
    return { status: response.status, body: await response.json() };
  };
  const start = (connectors: string[]) => {
    started({ connectors: () => Promise.resolve(connectors) } as Partial<Herder> as Herder);
    ready = true;
  };
  return { call, start };
}

describe('the REST API while the worker starts', () => {
  it('answers / and /health at once, and holds /connectors until the herder has started', async () => {
    const { call, start } = startingApp();
    expect(await call('/')).toEqual({ status: 200, body: info });
    expect(await call('/health')).toEqual({
      status: 503,
      body: { status: 'starting', message: 'Worker is still starting up.' },
    });
    let answered = false;
    const connectors = call('/connectors').finally(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);
    start(['a', 'b']);
    expect(await connectors).toEqual({ status: 200, body: ['a', 'b'] });
    expect((await call('/health')).status).toBe(200);
  });

  it("answers 500 with Connect's timeout message when the herder does not start in time", async () => {
    const { call } = startingApp(100);
    const { status, body } = await call('/connectors/x/status');
    expect(status).toBe(500);
    expect(body).toEqual({
      error_code: 500,
      message: expect.stringMatching(/^Request timed out\. The worker is currently starting/) as unknown,
    });
  });
});
