// docker-compose.yml and the Dockerfile, without a Docker engine: the compose file against the Compose
// Specification's schema, the checks Compose and Kafka would make at start, and scripts/cluster's topology;
// then the image's command, run outside Docker with the compose file's environment against the test broker.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaLog } from '@sluice/log';
import { freePort, kafkaBootstrap, repoRoot, uniqueName, waitFor } from '@sluice/test-kit';
import { pnpmCommand, pnpmVersion } from '../scripts/pnpm.mjs';
import type { ClusterView } from './helpers-cluster.js';
import {
  composeProblems,
  environment,
  execForm,
  parseDockerfile,
  readCompose,
  schemaProblems,
  services,
  topologyProblems,
  workerNames,
  type Compose,
} from './helpers-compose.js';

const compose = readCompose();

/** A copy of the compose file (merged values unshared) with `change` applied to it. */
function broken(change: (copy: Compose) => void): Compose {
  const copy = JSON.parse(JSON.stringify(compose)) as Compose;
  change(copy);
  return copy;
}

type Mutable = Record<string, Record<string, unknown>>;
const service = (copy: Compose, name: string) => (copy['services'] as Mutable)[name]!;
const env = (copy: Compose, name: string) => service(copy, name)['environment'] as Record<string, unknown>;

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification (compose-go v2.16.2 schema)', () => {
    expect(schemaProblems(compose)).toEqual([]);
  });

  it.each<[string, (copy: Compose) => void, RegExp]>([
    [
      'a port that is not a list',
      (c) => (service(c, 'sluice-1')['ports'] = 8083),
      /\/services\/sluice-1\/ports must be array/,
    ],
    [
      'an unknown depends_on condition',
      (c) => (service(c, 'sluice-1')['depends_on'] = { 'kafka-1': { condition: 'service_happy' } }),
      /\/services\/sluice-1\/depends_on\/kafka-1\/condition must be equal to one of the allowed values/,
    ],
    [
      'an unknown service key',
      (c) => (service(c, 'kafka-1')['hostnam'] = 'kafka-1'),
      /\/services\/kafka-1 must NOT have unevaluated properties/,
    ],
  ])('fails the schema with %s', (_, change, problem) => {
    expect(schemaProblems(broken(change)).join('\n')).toMatch(problem);
  });

  it('passes the checks Compose and Kafka make at start, and every CONNECT_ variable is a Sluice setting', () => {
    expect(composeProblems(compose)).toEqual([]);
    expect(workerNames(compose)).toEqual(['sluice-1', 'sluice-2', 'sluice-3']);
  });

  it.each<[string, (copy: Compose) => void, string]>([
    [
      'a depends_on to a missing service',
      (c) => (service(c, 'sluice-2')['depends_on'] = { 'kafka-4': { condition: 'service_healthy' } }),
      'sluice-2 depends on undefined service kafka-4',
    ],
    [
      'an undefined volume',
      (c) => (service(c, 'sluice-1')['volumes'] = ['pipeline:/pipelines']),
      'sluice-1 uses undefined volume pipeline',
    ],
    [
      'one host port twice',
      (c) => (service(c, 'sluice-3')['ports'] = ['127.0.0.1:8084:8083']),
      'sluice-3 and sluice-2 both publish host port 8084/tcp',
    ],
    [
      'a worker port mapped to the wrong container port',
      (c) => (service(c, 'sluice-2')['ports'] = ['127.0.0.1:8084:8084']),
      'sluice-2: host port 8084 maps to 8084, not its REST port 8083',
    ],
    [
      'a broker port mapped to no listener',
      (c) => (service(c, 'kafka-2')['ports'] = ['127.0.0.1:39092:9093']),
      'kafka-2: host port 39092 maps to 9093, where no client listener is',
    ],
    [
      'a host listener advertised on a port not published',
      (c) =>
        (env(c, 'kafka-3')['KAFKA_ADVERTISED_LISTENERS'] =
          'PLAINTEXT://kafka-3:19092,PLAINTEXT_HOST://localhost:29092'),
      'kafka-3: advertises PLAINTEXT_HOST on host port 29092, which does not publish its port 9092',
    ],
    [
      'two brokers with one node id',
      (c) => (env(c, 'kafka-3')['KAFKA_NODE_ID'] = 2),
      'KAFKA_NODE_ID of kafka-1, kafka-2, kafka-3 are 1, 2, 2, not 1 to 3',
    ],
    [
      'a quorum voter that is no broker',
      (c) =>
        (env(c, 'kafka-1')['KAFKA_CONTROLLER_QUORUM_VOTERS'] =
          '1@kafka-1:9093,2@kafka-2:9093,4@kafka-4:9093'),
      'kafka-1: KAFKA_CONTROLLER_QUORUM_VOTERS is 1@kafka-1:9093,2@kafka-2:9093,4@kafka-4:9093, expected 1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093',
    ],
    [
      'a CLUSTER_ID of 15 bytes',
      (c) => {
        for (const b of ['kafka-1', 'kafka-2', 'kafka-3']) env(c, b)['CLUSTER_ID'] = 'AAAAAAAAAAAAAAAAAAAA';
      },
      'CLUSTER_ID AAAAAAAAAAAAAAAAAAAA is not 16 bytes of unpadded base64url',
    ],
    [
      'brokers of two clusters',
      (c) => (env(c, 'kafka-2')['CLUSTER_ID'] = 'MkU3OEVBNTcwNTJENDM2Qg'),
      'the brokers have different CLUSTER_IDs: XS-PmRe8I1xEjp3D_M0QNA, MkU3OEVBNTcwNTJENDM2Qg',
    ],
    [
      'more replicas than brokers',
      (c) => (env(c, 'kafka-1')['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR'] = 4),
      'kafka-1: KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR 4 is more than the 3 broker(s)',
    ],
    [
      'a worker topic with more replicas than brokers',
      (c) => (env(c, 'sluice-1')['CONNECT_STATUS_STORAGE_REPLICATION_FACTOR'] = 5),
      'sluice-1: sluice-cluster-status has 5 replicas on 3 broker(s)',
    ],
    [
      'a worker advertising another name',
      (c) => (env(c, 'sluice-2')['CONNECT_REST_ADVERTISED_HOST_NAME'] = 'sluice-1'),
      'sluice-2: advertises sluice-1 with hostname sluice-2; both must be sluice-2',
    ],
    [
      'a worker in another group',
      (c) => (env(c, 'sluice-3')['CONNECT_GROUP_ID'] = 'other'),
      'the workers differ in group.id (sluice-1, sluice-2: sluice-cluster; sluice-3: other)',
    ],
    [
      'an unknown CONNECT_ variable',
      (c) => (env(c, 'sluice-1')['CONNECT_OFFSET_FLUSH_INTERVALL_MS'] = 1000),
      'sluice-1: offset.flush.intervall.ms is not a worker setting (CONNECT_OFFSET_FLUSH_INTERVALL_MS)',
    ],
    [
      'a CONNECT_ variable whose underscores map to no setting',
      (c) => (env(c, 'sluice-2')['CONNECT_GROUP__ID'] = 'sluice-cluster'),
      'sluice-2: group_id is not a worker setting (CONNECT_GROUP__ID)',
    ],
    [
      "a setting of Confluent's image",
      (c) =>
        (env(c, 'sluice-1')['CONNECT_INTERNAL_KEY_CONVERTER'] =
          'org.apache.kafka.connect.json.JsonConverter'),
      "sluice-1: CONNECT_INTERNAL_KEY_CONVERTER (internal.key.converter) is a setting of Confluent's image that Sluice does not use",
    ],
    [
      'a bad value',
      (c) => (env(c, 'sluice-3')['CONNECT_SESSION_TIMEOUT_MS'] = '10s'),
      "sluice-3: session.timeout.ms must be an integer from 1 to 9007199254740991, got '10s' (CONNECT_SESSION_TIMEOUT_MS)",
    ],
    [
      'a bootstrap server on the host port',
      (c) => (env(c, 'sluice-1')['CONNECT_BOOTSTRAP_SERVERS'] = 'kafka-1:9092'),
      "sluice-1: bootstrap server kafka-1:9092 is not kafka-1's inter-broker port 19092",
    ],
    [
      'a worker listening on loopback only',
      (c) => (env(c, 'sluice-1')['CONNECT_LISTENERS'] = 'http://127.0.0.1:8083'),
      'sluice-1: listens on 127.0.0.1 only, where other containers cannot reach it',
    ],
  ])('catches %s', (_, change, problem) => {
    expect(composeProblems(broken(change))).toContain(problem);
  });

  it('is the topology scripts/cluster runs, and says where it is not', () => {
    expect(topologyProblems(compose)).toEqual([]);
    expect(
      topologyProblems(
        broken((c) => {
          env(c, 'sluice-1')['CONNECT_SESSION_TIMEOUT_MS'] = 6000;
          env(c, 'sluice-2')['CONNECT_OFFSET_FLUSH_INTERVAL_MS'] = 1000;
          service(c, 'sluice-3')['ports'] = ['127.0.0.1:9085:8083'];
          delete (c['services'] as Mutable)['kafka-3'];
        }),
      ),
    ).toEqual([
      '2 brokers, scripts/cluster runs 3',
      'sluice-1: session.timeout.ms is 6000, scripts/cluster sets 10000',
      'sluice-2: offset.flush.interval.ms is 1000, scripts/cluster sets undefined',
      "sluice-3: publishes 9085, scripts/cluster's worker 3 is on 8085",
    ]);
  });
});

describe('Dockerfile', () => {
  const stages = parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
  const image = stages.at(-1)!;
  const build = stages.find((stage) => stage.name === 'build')!;
  const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    engines: { node: string };
  };

  it('is what docker-compose.yml builds, on the Node and pnpm versions the repository pins', () => {
    for (const name of workerNames(compose)) expect(services(compose)[name]!['build']).toBe('.');
    const nodeMajor = /^>=(\d+)/.exec(packageJson.engines.node)![1];
    for (const stage of stages) expect(stage.from).toMatch(new RegExp(`^node:${nodeMajor}-`));
    const installs = build.instructions.filter(([k, args]) => k === 'RUN' && args.includes('npm install -g'));
    expect(installs.map(([, args]) => args)).toEqual([`npm install -g pnpm@${pnpmVersion}`]);
    // The image runs the worker from the environment, as the compose file configures it.
    expect(execForm(image, 'ENTRYPOINT')).toEqual(['node', '/opt/sluice/bin/sluice.js']);
    expect(execForm(image, 'CMD')).toEqual(['worker', '--env-prefix', 'CONNECT_']);
  });

  describe("the image's command, outside Docker, with docker-compose.yml's environment", () => {
    const work = mkdtempSync(join(tmpdir(), 'sluice-image-'));
    const group = uniqueName('compose');
    const children: Array<ReturnType<typeof spawn>> = [];
    afterAll(async () => {
      for (const child of children)
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(work, { recursive: true, force: true });
      const log = await KafkaLog.open({ brokers: kafkaBootstrap(), clientId: uniqueName('cleanup') });
      try {
        for (const suffix of ['configs', 'offsets', 'status'])
          await log.deleteTopic(`${group}-${suffix}`).catch(() => undefined);
      } finally {
        await log.close();
      }
    });

    it('makes the bundle as the build stage does, and its workers join one group and answer /health', async () => {
      // The build stage's deploy, into a directory that stands for the image's /out.
      const copy = image.instructions.find(([k, args]) => k === 'COPY' && args.startsWith('--from=build'))!;
      const [, out, root] = copy[1].split(/\s+/); // --from=build /out /opt/sluice
      const deploy = build.instructions
        .filter(([k]) => k === 'RUN')
        .flatMap(([, args]) => args.split('&&').map((part) => part.trim()))
        .find((part) => /^pnpm .*\bdeploy\b/.test(part))!;
      expect(deploy.endsWith(` ${out}`)).toBe(true);
      const bundle = join(work, 'out');
      const setup = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'setup.mjs')], {
        encoding: 'utf8',
      });
      expect(setup.status, setup.stderr).toBe(0); // `pnpm build`: the deploy copies each package's dist
      const args = [...deploy.split(/\s+/).slice(1, -1), bundle];
      const [pnpm, prefix] = pnpmCommand();
      const deployed = spawnSync(pnpm, [...prefix, ...args], {
        cwd: repoRoot,
        encoding: 'utf8',
      });
      expect(deployed.status, deployed.stderr + deployed.stdout).toBe(0);
      const inImage = (path: string) => path.replace(root!, bundle);
      mkdirSync(inImage('/opt/sluice/plugins'), { recursive: true }); // the image's RUN mkdir
      const pipelines = join(work, 'pipelines');
      mkdirSync(pipelines);

      // Each worker with its service's environment; only what places it on this machine is rewritten.
      const entrypoint = [...execForm(image, 'ENTRYPOINT')!, ...execForm(image, 'CMD')!];
      const workers = await Promise.all(
        workerNames(compose).map(async (name, i) => {
          const variables = environment(services(compose)[name]!);
          const host = `127.0.0.${21 + i}`;
          const port = await freePort(host);
          const rewritten = {
            ...variables,
            CONNECT_BOOTSTRAP_SERVERS: kafkaBootstrap().join(','),
            CONNECT_LISTENERS: `http://${host}:${port}`,
            CONNECT_REST_ADVERTISED_HOST_NAME: host,
            CONNECT_REST_ADVERTISED_PORT: String(port),
            // The test broker is one node, shared: its own group and topics, one replica.
            CONNECT_GROUP_ID: group,
            CONNECT_CONFIG_STORAGE_TOPIC: `${group}-configs`,
            CONNECT_OFFSET_STORAGE_TOPIC: `${group}-offsets`,
            CONNECT_STATUS_STORAGE_TOPIC: `${group}-status`,
            CONNECT_CONFIG_STORAGE_REPLICATION_FACTOR: '1',
            CONNECT_OFFSET_STORAGE_REPLICATION_FACTOR: '1',
            CONNECT_STATUS_STORAGE_REPLICATION_FACTOR: '1',
            CONNECT_PLUGIN_PATH: inImage(variables['CONNECT_PLUGIN_PATH']!),
          };
          const [command, ...rest] = entrypoint.map(inImage);
          expect(command).toBe('node');
          const child = spawn(process.execPath, rest, {
            cwd: pipelines, // the image's WORKDIR
            env: { PATH: process.env['PATH'], ...rewritten }, // nothing else of this test's environment
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          children.push(child);
          let output = '';
          child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
          child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
          return { name, child, url: `http://${host}:${port}`, port, output: () => output };
        }),
      );
      const settled = await waitFor(
        'the three workers in one stable generation',
        async () => {
          // A worker that exits fails the test at once, with what it said.
          const exited = workers.find((w) => w.child.exitCode !== null);
          if (exited !== undefined) return `${exited.name} exited:\n${exited.output()}`;
          const get = (url: string) => fetch(url, { signal: AbortSignal.timeout(5_000) });
          const health = await Promise.all(workers.map(async (w) => (await get(`${w.url}/health`)).status));
          if (health.some((status) => status !== 200)) return undefined;
          const all = await Promise.all(
            workers.map(async (w) => (await (await get(`${w.url}/sluice/v1/cluster`)).json()) as ClusterView),
          );
          const leader = all.find((view) => view.leader);
          return all.every((view) => view.state === 'stable') && leader?.members?.length === workers.length
            ? all
            : undefined;
        },
        { timeoutMs: 45_000, intervalMs: 200 },
      );
      if (typeof settled === 'string') expect.fail(settled);
      const leader = settled.find((view) => view.leader)!;
      expect(leader.members!.map((member) => member.url).sort()).toEqual(workers.map((w) => w.url).sort());
      // Every variable was a setting the worker uses: no warning about one it ignores.
      for (const w of workers) expect(w.output()).not.toMatch(/is not used by Sluice|accepted and not used/);

      // The compose health check, as Docker runs it in the container (its port is the worker's here).
      const check = (services(compose)[workers[0]!.name]!['healthcheck'] as { test: string[] }).test;
      expect(check[0]).toBe('CMD');
      const [, node, ...nodeArgs] = check.map((arg) =>
        arg.replace('127.0.0.1:8083', `127.0.0.21:${workers[0]!.port}`),
      );
      expect(node).toBe('node');
      expect(spawnSync(process.execPath, nodeArgs, { timeout: 30_000 }).status).toBe(0);

      // `docker compose stop`: SIGTERM, and the worker leaves in good order well within stop_grace_period.
      for (const w of workers) w.child.kill('SIGTERM');
      const codes = await Promise.all(
        workers.map((w) => new Promise((resolve) => w.child.once('exit', (code) => resolve(code)))),
      );
      expect(codes).toEqual([0, 0, 0]);
    }, 90_000);
  });
});
