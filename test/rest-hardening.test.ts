// The REST-level defects of the hardening issue, each over a real worker process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigStore, StatusStore } from '@sluice/coordinator';
import { freePort, waitFor } from '@sluice/test-kit';
import { openWorkerLog, WorkerProcess } from './helpers-rest.js';

interface Status {
  connector: { state: string; trace?: string };
  tasks: Array<{ id: number; state: string; trace?: string }>;
}

const fixtures = join(process.cwd(), 'test', 'fixtures');
const FILE_SINK = 'org.apache.kafka.connect.file.FileStreamSinkConnector';
const UTF8_PREFIX = '{"name": "u", "config": {"é": "';

describe('a worker attacked through its REST API (embedded)', () => {
  let worker: WorkerProcess;
  let dir: string;

  beforeAll(async () => {
    // A bounded heap: should a defect come back, the worker fails fast instead of taking the machine's memory.
    worker = await WorkerProcess.create('embedded', [`plugin.path=${fixtures}`], {
      NODE_OPTIONS: '--max-old-space-size=512',
    });
    dir = mkdtempSync(join(tmpdir(), 'sluice-hardening-'));
  });
  afterAll(async () => {
    await worker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const sinkConfig = (name: string, extra: Record<string, string> = {}) => ({
    'connector.class': 'FileStreamSink',
    file: join(dir, `${name}.out`),
    topics: `${name}-topic`,
    ...extra,
  });

  it('#1 refuses tasks.max past 1,000 on its key, and survives a stored one from an older version', async () => {
    const refused = await worker.call('POST', '/connectors', {
      name: 'greedy',
      config: sinkConfig('greedy', { 'tasks.max': '1000000000' }),
    });
    expect(refused).toMatchObject({
      status: 400,
      body: {
        error_code: 400,
        message: expect.stringContaining(
          'Invalid value 1000000000 for configuration tasks.max: Value must be no more than 1000',
        ) as string,
      },
    });
    const validated = (await worker.call('PUT', '/connector-plugins/FileStreamSink/config/validate', {
      ...sinkConfig('v'),
      name: 'v',
      'tasks.max': '1001',
    })) as { body: { configs: Array<{ value: { name: string; errors: string[] } | null }> } };
    expect(validated.body.configs.find((c) => c.value?.name === 'tasks.max')?.value?.errors).toEqual([
      'Invalid value 1001 for configuration tasks.max: Value must be no more than 1000',
    ]);
    expect((await worker.call('GET', '/connectors')).body).toEqual([]);

    // An older version stored it: the worker must start, fail that connector and run the others.
    expect((await worker.call('PUT', '/connectors/fine/config', sinkConfig('fine'))).status).toBe(201);
    await worker.stop();
    const log = await openWorkerLog('embedded', worker);
    try {
      const configs = await ConfigStore.open(log, { name: 'sluice-configs', replicationFactor: 1 });
      await configs.putConnectorConfig(
        'absurd',
        { ...sinkConfig('absurd', { 'tasks.max': '1000000000' }), name: 'absurd' },
        'STARTED',
      );
      // Records no version of Connect or Sluice wrote: skipped with a warning, not a reason to stop.
      await log.produce('sluice-configs', [
        { key: 'connector-garbled', value: 'not JSON' },
        { key: 'target-state-fine', value: '{"state": "DANCING"}' },
      ]);
      await log.produce('sluice-status', [{ key: 'status-connector-fine', value: '{' }]);
    } finally {
      await log.close();
    }
    await worker.start();
    const absurd = await worker.until<Status>(
      '/connectors/absurd/status',
      (s) => s.connector.state === 'FAILED',
    );
    expect(absurd.connector.trace).toContain(
      'The connector absurd has tasks.max=1000000000, which is not an integer from 1 to 1000',
    );
    await worker.until<Status>('/connectors/fine/status', (s) => s.tasks[0]?.state === 'RUNNING');
    expect(worker.log()).toMatch(/record at sluice-configs-0@\d+ is not JSON; it was skipped/);
    // And again: a restart does not crash on it either.
    await worker.stop();
    await worker.start();
    expect((await worker.call('GET', '/connectors')).body).toEqual(['absurd', 'fine']);
    expect((await worker.call('DELETE', '/connectors/absurd')).status).toBe(204);
    expect((await worker.call('DELETE', '/connectors/fine')).status).toBe(204);
  });

  it('#3 answers a chunked upload far past 1 MiB with 413 before the client has sent it, memory bounded', async () => {
    const before = worker.rss();
    const chunk = Buffer.alloc(256 * 1024, 0x61);
    const total = 96 * 1024 * 1024;
    const outcome = await new Promise<{ status: number; sentWhenAnswered: number; body: string }>(
      (resolve, reject) => {
        let sent = 0;
        let answered = false;
        const upload = request(
          `${worker.base}/connectors`,
          { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
          (response) => {
            answered = true;
            const sentWhenAnswered = sent;
            let body = '';
            response.setEncoding('utf8');
            response.on('data', (text: string) => (body += text));
            response.on('end', () => {
              upload.destroy();
              resolve({ status: response.statusCode ?? 0, sentWhenAnswered, body });
            });
          },
        );
        upload.on('error', (error) => {
          if (!answered) reject(error);
        });
        upload.write('{"name": "big", "config": {"pad": "');
        // Paced, as a client on a modest link: the whole upload would take about 2 seconds.
        const pump = () => {
          if (answered) return;
          if (sent >= total) {
            upload.end('"}}');
            return;
          }
          sent += chunk.length;
          if (upload.write(chunk)) setTimeout(pump, 5);
          else upload.once('drain', () => setTimeout(pump, 5));
        };
        pump();
      },
    );
    expect(outcome.status).toBe(413);
    expect(JSON.parse(outcome.body)).toEqual({
      error_code: 413,
      message: 'Request body is larger than the limit of 1048576 bytes',
    });
    expect(outcome.sentWhenAnswered).toBeLessThan(16 * 1024 * 1024);
    expect(worker.rss() - before).toBeLessThan(64 * 1024 * 1024);
    expect((await worker.call('GET', '/')).status).toBe(200);
    expect((await worker.call('GET', '/connectors')).body).toEqual([]);
  });

  it('#4 keeps a deleted connector deleted when DELETE races PATCH …/config (12 rounds)', async () => {
    for (let round = 0; round < 12; round++) {
      const name = `racer-${round}`;
      expect((await worker.call('PUT', `/connectors/${name}/config`, sinkConfig(name))).status).toBe(201);
      await worker.until<Status>(`/connectors/${name}/status`, (s) => s.tasks[0]?.state === 'RUNNING');
      const [patched, deleted, patchedAgain] = await Promise.all([
        worker.call('PATCH', `/connectors/${name}/config`, { 'batch.size': String(round + 10) }),
        worker.call('DELETE', `/connectors/${name}`),
        worker.call('PATCH', `/connectors/${name}/config`, { 'batch.size': String(round + 20) }),
      ]);
      expect(deleted.status, `round ${round}`).toBe(204);
      for (const patch of [patched, patchedAgain])
        expect([200, 404], `round ${round}`).toContain(patch.status);
      // Whatever the order, nothing brings it back.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await worker.call('GET', `/connectors/${name}`)).status, `round ${round}`).toBe(404);
      expect((await worker.call('GET', `/connectors/${name}/status`)).status, `round ${round}`).toBe(404);
    }
    expect((await worker.call('GET', '/connectors')).body).toEqual([]);
  });

  it('#5 refuses names no URL can reach, and paths that do not decode', async () => {
    for (const name of ['.', '..', ' .. ']) {
      expect(await worker.call('POST', '/connectors', { name, config: sinkConfig('dots') })).toEqual(
        expect.objectContaining({
          status: 400,
          body: {
            error_code: 400,
            message: `Connector name '${name.trim()}' is not allowed: no URL path can name it`,
          },
        }),
      );
    }
    // `%2e` is a dot in a URL, but in a name it is text: reachable as %252e.
    expect(
      (await worker.call('POST', '/connectors', { name: '%2e', config: sinkConfig('pct') })).status,
    ).toBe(201);
    expect((await worker.call('GET', '/connectors/%252e')).body).toMatchObject({ name: '%2e' });
    expect((await worker.call('DELETE', '/connectors/%252e')).status).toBe(204);
    // /connectors/%2e%2e/config is /config once the URL is resolved: nothing is created there.
    expect((await worker.call('PUT', '/connectors/%2e%2e/config', sinkConfig('x'))).status).toBe(404);
    for (const path of ['/connectors/%FF', '/connectors/100%', '/connectors/%C3%28/config']) {
      expect(await worker.send('GET', path), path).toMatchObject({ status: 400 });
    }
    expect((await worker.call('GET', '/connectors')).body).toEqual([]);
  });

  it('#9 keeps the logger registry bounded through 2,000 PUT /admin/loggers of new names', async () => {
    const before = worker.rss();
    const statuses = new Map<number, number>();
    const long = 'x'.repeat(200);
    for (let i = 0; i < 2000; i++) {
      const reply = await worker.call('PUT', `/admin/loggers/attack.${i}.${long}`, { level: 'DEBUG' });
      statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 1000, 400: 1000 });
    const refused = await worker.call('PUT', `/admin/loggers/one.more`, { level: 'DEBUG' });
    expect(refused.body).toEqual({
      error_code: 400,
      message:
        'Cannot create logger one.more: 1000 loggers were created through the REST API already, the most this worker keeps; set the level of an existing logger or namespace instead',
    });
    expect((await worker.call('PUT', `/admin/loggers/${'y'.repeat(300)}`, { level: 'INFO' })).status).toBe(
      400,
    );
    const all = await worker.send('GET', '/admin/loggers');
    expect(all.status).toBe(200);
    expect(all.text.length).toBeLessThan(512 * 1024);
    // Existing loggers and root still change.
    expect((await worker.call('PUT', `/admin/loggers/attack.5.${long}`, { level: 'WARN' })).status).toBe(200);
    expect((await worker.call('PUT', '/admin/loggers/root', { level: 'INFO' })).status).toBe(200);
    expect(worker.rss() - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('#10 answers client mistakes in PATCH …/offsets with 400 and the reason, and stays healthy', async () => {
    const input = join(dir, 'offsets.in');
    writeFileSync(input, 'a\n');
    const config = { 'connector.class': 'FileStreamSource', file: input, topic: 'offsets-topic' };
    expect((await worker.call('PUT', '/connectors/offsets/config', config)).status).toBe(201);
    expect((await worker.call('PUT', '/connectors/offsets/stop')).status).toBe(204);
    const patch = (offsets: string) =>
      worker.send('PATCH', '/connectors/offsets/offsets', {
        headers: { 'content-type': 'application/json' },
        body: `{"offsets": ${offsets}}`,
      });
    const rejected = await patch('[{"partition": {"nope": "x"}, "offset": {"position": 1}}]');
    expect(rejected.status).toBe(400);
    expect(JSON.parse(rejected.text)).toEqual({
      error_code: 400,
      message: "Partition objects should contain the key 'filename'",
    });
    const deep = '{"a":'.repeat(3000) + '1' + '}'.repeat(3000);
    for (const offsets of [
      `[{"partition": {"filename": ${JSON.stringify(input)}}, "offset": {"position": 1, "x": ${deep}}}]`,
      `[{"partition": ${deep}, "offset": {"position": 1}}]`,
    ]) {
      const reply = await patch(offsets);
      expect(reply.status).toBe(400);
      expect(JSON.parse(reply.text)).toEqual({
        error_code: 400,
        message: expect.stringMatching(
          /^Request body cannot be accepted: it nests deeper than 64 levels/,
        ) as string,
      });
    }
    expect(await worker.call('GET', '/connectors/offsets/offsets')).toMatchObject({ status: 200 });
    expect((await worker.call('DELETE', '/connectors/offsets')).status).toBe(204);
  });

  it('#11 keeps values exactly as sent, or refuses them naming where', async () => {
    const raw = (body: string | Buffer) =>
      worker.send('POST', '/connectors', { headers: { 'content-type': 'application/json' }, body });
    const created = await raw(
      `{"name": "exact", "config": {"connector.class": "FileStreamSink", "topics": "t", "file": ${JSON.stringify(join(dir, 'exact'))}, "big": 99999999999999999999, "one": 1.0, "exp": 1e3, "flag": true}}`,
    );
    expect(created.status).toBe(201);
    expect((await worker.call('GET', '/connectors/exact/config')).body).toMatchObject({
      big: '99999999999999999999',
      one: '1.0',
      exp: '1e3',
      flag: 'true',
    });
    expect((await worker.call('DELETE', '/connectors/exact')).status).toBe(204);
    const refusals: Array<[string | Buffer, RegExp]> = [
      [
        '{"name": "p", "config": {"connector.class": "FileStreamSink", "__proto__": "x"}}',
        /^Request body cannot be accepted: the key "__proto__" at \.config is not accepted/,
      ],
      [
        Buffer.concat([Buffer.from(UTF8_PREFIX), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]),
        new RegExp(`^Request body is not valid UTF-8 at byte ${Buffer.byteLength(UTF8_PREFIX)};`),
      ],
      [
        '{"name": "s", "config": {"connector.class": "FileStreamSink", "k": "\\ud800"}}',
        /^Request body cannot be accepted: half of a surrogate pair \(\\uD800\) in a string at \.config\.k/,
      ],
    ];
    for (const [body, message] of refusals) {
      const reply = await raw(body);
      expect(reply.status, String(body)).toBe(400);
      expect((JSON.parse(reply.text) as { message: string }).message).toMatch(message);
    }
    // An offset a double cannot hold would be stored as another number.
    const input = join(dir, 'exact.in');
    writeFileSync(input, '');
    const config = { 'connector.class': 'FileStreamSource', file: input, topic: 'exact-topic' };
    expect((await worker.call('PUT', '/connectors/exact-offsets/config', config)).status).toBe(201);
    expect((await worker.call('PUT', '/connectors/exact-offsets/stop')).status).toBe(204);
    const offsets = await worker.send('PATCH', '/connectors/exact-offsets/offsets', {
      headers: { 'content-type': 'application/json' },
      body: `{"offsets": [{"partition": {"filename": ${JSON.stringify(input)}}, "offset": {"position": 99999999999999999999}}]}`,
    });
    expect(offsets.status).toBe(400);
    expect(JSON.parse(offsets.text)).toEqual({
      error_code: 400,
      message:
        'offsets[0].offset.position: 99999999999999999999 cannot be stored exactly (integers must be within ±9007199254740991); send it as a string',
    });
    expect((await worker.call('GET', '/connectors')).body).toEqual(['exact-offsets']);
    expect((await worker.call('DELETE', '/connectors/exact-offsets')).status).toBe(204);
  });

  it('#14 serves POST restarts sent without a body, as curl -X POST sends them', async () => {
    expect((await worker.call('PUT', '/connectors/curl/config', sinkConfig('curl'))).status).toBe(201);
    await worker.until<Status>('/connectors/curl/status', (s) => s.tasks[0]?.state === 'RUNNING');
    expect((await worker.send('POST', '/connectors/curl/restart')).status).toBe(204);
    expect((await worker.send('POST', '/connectors/curl/tasks/0/restart')).status).toBe(204);
    expect((await worker.send('POST', '/connectors/curl/restart?includeTasks=true')).status).toBe(202);
    expect((await worker.call('DELETE', '/connectors/curl')).status).toBe(204);
  });

  it('#15 logs state changes, failures with their cause, and one access-log line per request', async () => {
    const failing = {
      'connector.class': 'test.CountingSourceConnector',
      topic: 'failing',
      file: join(dir, 'failing'),
      'connector.fail.start': 'true',
    };
    expect((await worker.call('PUT', '/connectors/logged/config', sinkConfig('logged'))).status).toBe(201);
    expect((await worker.call('PUT', '/connectors/broken/config', failing)).status).toBe(201);
    await worker.until<Status>('/connectors/logged/status', (s) => s.tasks[0]?.state === 'RUNNING');
    await worker.until<Status>('/connectors/broken/status', (s) => s.connector.state === 'FAILED');
    await worker.call('GET', '/connectors/logged/status?probe=1');
    await waitFor('the log lines', () => {
      const log = worker.log();
      return log.includes('INFO Connector logged is RUNNING (sluice.herder)') &&
        log.includes('INFO Task logged-0 is RUNNING (sluice.herder)') &&
        log.includes('ERROR Connector broken failed: Error: the connector refuses to start') &&
        /INFO 127\.0\.0\.1 - - \[[^\]]+\] "GET \/connectors\/logged\/status\?probe=1 HTTP\/1\.1" 200 \d+ "-" "[^"]*" \d+ \(org\.apache\.kafka\.connect\.runtime\.rest\.RestServer\)/.test(
          log,
        )
        ? true
        : undefined;
    });
    expect((await worker.call('DELETE', '/connectors/logged')).status).toBe(204);
    expect((await worker.call('DELETE', '/connectors/broken')).status).toBe(204);
  });

  it("#16 answers GET / with the Connect API level it implements, and Sluice's version beside it", async () => {
    expect((await worker.call('GET', '/')).body).toEqual({
      version: '3.9.1',
      commit: expect.any(String) as string,
      kafka_cluster_id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/) as string,
      sluice_version: expect.stringMatching(/^\d+\.\d+\.\d+/) as string,
    });
  });

  it("#17 carries task.class in task configs, and lists Connect's converters, again as header converters", async () => {
    expect((await worker.call('PUT', '/connectors/classy/config', sinkConfig('classy'))).status).toBe(201);
    const tasks = await worker.until<Array<{ config: Record<string, string> }>>(
      '/connectors/classy/tasks',
      (t) => t.length === 1,
    );
    expect(tasks[0]!.config['task.class']).toBe('org.apache.kafka.connect.file.FileStreamSinkTask');
    expect((await worker.call('GET', '/connectors/classy/tasks-config')).body).toMatchObject({
      'classy-0': { 'task.class': 'org.apache.kafka.connect.file.FileStreamSinkTask' },
    });
    expect((await worker.call('DELETE', '/connectors/classy')).status).toBe(204);

    const all = (await worker.call('GET', '/connector-plugins?connectorsOnly=false')).body as Array<{
      class: string;
      type: string;
    }>;
    const of = (type: string) =>
      all.filter((p) => p.type === type).map((p) => p.class.slice(p.class.lastIndexOf('.') + 1));
    const converters = [
      'BooleanConverter',
      'ByteArrayConverter',
      'DoubleConverter',
      'FloatConverter',
      'IntegerConverter',
      'JsonConverter',
      'LongConverter',
      'ShortConverter',
      'StringConverter',
    ];
    expect(of('converter').sort()).toEqual(converters);
    expect(of('header_converter').sort()).toEqual([...converters, 'SimpleHeaderConverter'].sort());
    // Connect's order of types: sinks, sources, transformations, predicates, converters, header converters.
    const order = ['sink', 'source', 'transformation', 'predicate', 'converter', 'header_converter'];
    const types = all.map((p) => order.indexOf(p.type));
    expect(types).toEqual([...types].sort((a, b) => a - b));
    expect(all[0]).toEqual(expect.objectContaining({ class: FILE_SINK, type: 'sink' }));
  });
});

describe('secrets never leave the connector (embedded)', () => {
  const SECRET = 'hunter2-Secret+Value/42';
  const PASSWORD = 'pa55word-in-the-config';
  let worker: WorkerProcess;
  let dir: string;

  beforeAll(async () => {
    worker = await WorkerProcess.create(
      'embedded',
      [
        `plugin.path=${fixtures}`,
        'config.providers=env',
        'config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider',
      ],
      { SLUICE_TEST_SECRET: SECRET },
    );
    dir = mkdtempSync(join(tmpdir(), 'sluice-secrets-'));
  });
  afterAll(async () => {
    await worker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hides resolved variables and PASSWORD values in traces, messages, the validate answer, the store and the log', async () => {
    const base = {
      'connector.class': 'test.CountingSourceConnector',
      topic: 'secrets',
      file: join(dir, 'task'),
      'poll.delay.ms': '50',
      'secret.password': PASSWORD,
    };
    // The connector fails quoting the resolved variable; the task fails quoting the password.
    expect(
      (
        await worker.call('PUT', '/connectors/leaky/config', {
          ...base,
          'connector.fail.with': 'key=${env:SLUICE_TEST_SECRET}',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await worker.call('PUT', '/connectors/leaky-task/config', {
          ...base,
          'fail.on.start': `login with ${PASSWORD} and \${env:SLUICE_TEST_SECRET} refused`,
        })
      ).status,
    ).toBe(201);
    const connector = await worker.until<Status>(
      '/connectors/leaky/status',
      (s) => s.connector.state === 'FAILED',
    );
    expect(connector.connector.trace).toContain('cannot start: key=[hidden]');
    const task = await worker.until<Status>(
      '/connectors/leaky-task/status',
      (s) => s.tasks[0]?.state === 'FAILED',
    );
    expect(task.tasks[0]!.trace).toContain('login with [hidden] and [hidden] refused');

    // A create refused with a message quoting a resolved value.
    const refused = await worker.call('POST', '/connectors', {
      name: 'bad',
      config: { ...base, 'tasks.max': '${env:SLUICE_TEST_SECRET}' },
    });
    expect(refused.status).toBe(400);
    expect((refused.body as { message: string }).message).toContain(
      'Invalid value [hidden] for configuration tasks.max',
    );
    // Validate shows the variable as sent, never its value.
    const validated = await worker.call(
      'PUT',
      '/connector-plugins/test.CountingSourceConnector/config/validate',
      {
        ...base,
        name: 'v',
        'tasks.max': '${env:SLUICE_TEST_SECRET}',
      },
    );
    expect(validated.status).toBe(200);
    const values = Object.fromEntries(
      (
        validated.body as { configs: Array<{ value: { name: string; value: unknown } | null }> }
      ).configs.flatMap((c) => (c.value === null ? [] : [[c.value.name, c.value.value]])),
    );
    expect(values['tasks.max']).toBe('${env:SLUICE_TEST_SECRET}');
    expect(values['secret.password']).toBe('[hidden]');

    const everything = [
      JSON.stringify(connector),
      JSON.stringify(task),
      JSON.stringify(refused.body),
      JSON.stringify(validated.body),
    ].join('\n');
    for (const secret of [SECRET, encodeURIComponent(SECRET), PASSWORD])
      expect(everything).not.toContain(secret);

    await worker.stop();
    const log = await openWorkerLog('embedded', worker);
    try {
      const statuses = await StatusStore.open(log, { name: 'sluice-status', replicationFactor: 1 });
      const stored = JSON.stringify([statuses.connector('leaky'), statuses.task('leaky-task', 0)]);
      expect(stored).toContain('[hidden]');
      expect(stored).not.toContain(SECRET);
      expect(stored).not.toContain(PASSWORD);
    } finally {
      await log.close();
    }
    expect(worker.log()).toContain('ERROR Connector leaky failed');
    expect(worker.log()).not.toContain(SECRET);
    expect(worker.log()).not.toContain(PASSWORD);
  });
});

describe('REST authentication and allowed hosts on a real worker', () => {
  let worker: WorkerProcess;
  let dir: string;
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sluice-auth-'));
    const users = join(dir, 'users.properties');
    writeFileSync(users, 'admin: n0t-a-default\nreader=r3ader\n');
    const jaas = join(dir, 'jaas.conf');
    writeFileSync(
      jaas,
      `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${users}";\n};\n`,
    );
    worker = await WorkerProcess.create(
      'embedded',
      [
        'rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension',
        'rest.allowed.hosts=127.0.0.1',
      ],
      { KAFKA_OPTS: `-Xmx512m -Djava.security.auth.login.config=${jaas}` },
    );
  });
  afterAll(async () => {
    await worker?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 401 with a challenge without valid credentials, and serves a user of the JAAS file', async () => {
    for (const authorization of [undefined, basic('admin', 'wrong'), basic('nobody', 'n0t-a-default')]) {
      const reply = await worker.send('GET', '/connectors', {
        headers: authorization === undefined ? {} : { authorization },
      });
      expect(reply.status).toBe(401);
      expect(reply.headers['www-authenticate']).toBe('Basic realm="KafkaConnect", charset="UTF-8"');
      expect(JSON.parse(reply.text)).toEqual({
        error_code: 401,
        message: 'User cannot access the resource.',
      });
    }
    const ok = await worker.send('GET', '/connectors', {
      headers: { authorization: basic('admin', 'n0t-a-default') },
    });
    expect(ok).toMatchObject({ status: 200, text: '[]' });
    // Before anything else: a write without credentials creates nothing and its body is never parsed.
    const post = await worker.send('POST', '/connectors', {
      headers: { 'content-type': 'application/json' },
      body: '{"name": "sneaky", "config": {"connector.class": "FileStreamSink", "topics": "t", "file": "/tmp/x"}}',
    });
    expect(post.status).toBe(401);
    const reader = { authorization: basic('reader', 'r3ader') };
    expect(await worker.send('GET', '/connectors', { headers: reader })).toMatchObject({ text: '[]' });
    // The internal endpoint is exempt, as in Connect, and refused by the herder (no signature here).
    const internal = await worker.send('POST', '/connectors/x/tasks', {
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    expect(internal.status).not.toBe(401);
    expect(worker.log()).not.toContain('n0t-a-default');
  });

  it('answers 421 for a Host it does not serve (DNS rebinding)', async () => {
    const reply = await worker.send('GET', '/connectors', {
      headers: { host: 'attacker.example:8083', authorization: basic('admin', 'n0t-a-default') },
    });
    expect(reply.status).toBe(421);
    expect(JSON.parse(reply.text)).toEqual({
      error_code: 421,
      message: 'This worker does not serve the host attacker.example:8083 (rest.allowed.hosts)',
    });
  });
});

describe('a worker without listeners', () => {
  it('prints the address it really binds, every interface, not localhost', async () => {
    const port = await freePort();
    const worker = await WorkerProcess.create('embedded', [`listeners=http://:${port}`]);
    try {
      const line = worker.stdout().find((l) => l.startsWith('REST API listening on'));
      expect(line).toMatch(
        new RegExp(`^REST API listening on http://(\\[::\\]|0\\.0\\.0\\.0):${port} \\(every interface\\)$`),
      );
      expect((await fetch(`http://127.0.0.1:${port}/`)).status).toBe(200);
    } finally {
      await worker.close();
    }
  });
});
