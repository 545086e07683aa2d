// Checks of docker-compose.yml that need no Docker engine: the Compose Specification's JSON schema, the
// references and Kafka and Sluice settings the schema cannot see, and the topology scripts/cluster exports.
// Each check returns the problems it finds, so that a test can show it catches a broken file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { resolveWorkerConfig, workerPropertiesFromEnv } from '@sluice/cli';
import { repoRoot } from '@sluice/test-kit';
import { clusterSettings, PLACEMENT_SETTINGS, TOPOLOGY, workerAddress } from '../scripts/cluster.mjs';

export type Compose = Record<string, unknown>;
type Service = Record<string, unknown>;

/** The compose file as Compose reads it: YAML with `<<` merge keys expanded. */
export function parseCompose(text: string): Compose {
  return parse(text, { merge: true }) as Compose;
}

export function readCompose(): Compose {
  return parseCompose(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'));
}

let validate: ReturnType<Ajv2020['compile']> | undefined;

/** Where the file breaks the Compose Specification's JSON schema (compose-go's, vendored in test/fixtures). */
export function schemaProblems(compose: Compose): string[] {
  if (validate === undefined) {
    const schema = JSON.parse(
      readFileSync(join(repoRoot, 'test', 'fixtures', 'compose-spec', 'compose-spec.json'), 'utf8'),
    ) as Record<string, unknown>;
    // strict off: the schema uses keywords ajv does not know (`deprecated` annotations, `x-` patterns).
    validate = new Ajv2020({ strict: false, allErrors: true }).compile(schema);
  }
  if (validate(compose)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}

// ---------------------------------------------------------------------------
// Reading services
// ---------------------------------------------------------------------------

/** A YAML scalar as text; anything else as ''. */
function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : '';
}

export function services(compose: Compose): Record<string, Service> {
  return (compose['services'] ?? {}) as Record<string, Service>;
}

/** A service's environment as strings (map or `KEY=value` list); a variable without a value is left out. */
export function environment(service: Service): Record<string, string> {
  const raw = service['environment'];
  const env: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const entry of raw as string[]) {
      const at = entry.indexOf('=');
      if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
    }
  } else if (raw !== null && typeof raw === 'object') {
    for (const [key, value] of Object.entries(raw)) {
      if (value !== null && value !== undefined) env[key] = String(value as string | number | boolean);
    }
  }
  return env;
}

export interface PortMapping {
  hostIp: string;
  published: number | undefined;
  target: number;
  protocol: string;
}

/** Published ports, short (`[ip:]host:container[/proto]`) or long syntax. */
export function ports(service: Service): PortMapping[] {
  const raw = (service['ports'] ?? []) as unknown[];
  return raw.map((entry) => {
    if (typeof entry === 'object' && entry !== null) {
      const long = entry as Record<string, unknown>;
      return {
        hostIp: text(long['host_ip']),
        published: long['published'] === undefined ? undefined : Number(long['published']),
        target: Number(long['target']),
        protocol: text(long['protocol']) || 'tcp',
      };
    }
    const [spec = '', protocol = 'tcp'] = String(entry).split('/');
    const parts = spec.split(':');
    const target = Number(parts.pop());
    const published = parts.length > 0 ? Number(parts.pop()) : undefined;
    return { hostIp: parts.join(':'), published, target, protocol };
  });
}

function dependsOn(service: Service): string[] {
  const raw = service['depends_on'];
  if (Array.isArray(raw)) return raw as string[];
  return raw !== null && typeof raw === 'object' ? Object.keys(raw) : [];
}

/** Kafka brokers: the services of the apache/kafka image. */
export function brokerNames(compose: Compose): string[] {
  return Object.entries(services(compose))
    .filter(([, service]) => text(service['image']).startsWith('apache/kafka:'))
    .map(([name]) => name)
    .sort();
}

/** Sluice workers: the services configured by CONNECT_ variables. */
export function workerNames(compose: Compose): string[] {
  return Object.entries(services(compose))
    .filter(([, service]) => Object.keys(environment(service)).some((key) => key.startsWith('CONNECT_')))
    .map(([name]) => name)
    .sort();
}

interface KafkaListener {
  name: string;
  host: string;
  port: number;
}

/** `NAME://host:port,…` (Kafka's listeners and advertised.listeners). */
function listenerList(value: string | undefined): KafkaListener[] {
  return (value ?? '')
    .split(',')
    .filter((item) => item.trim() !== '')
    .map((item) => {
      const match = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(item.trim());
      return match === null
        ? { name: item, host: '', port: NaN }
        : { name: match[1]!, host: match[2]!, port: Number(match[3]) };
    });
}

function hostPort(entry: string): { host: string; port: number } {
  const at = entry.lastIndexOf(':');
  return { host: entry.slice(0, at), port: Number(entry.slice(at + 1)) };
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

/** Every check of the file itself: references, host ports, Kafka's settings, the workers' settings. */
export function composeProblems(compose: Compose): string[] {
  return [
    ...referenceProblems(compose),
    ...hostPortProblems(compose),
    ...kafkaProblems(compose),
    ...workerProblems(compose),
  ];
}

/** `depends_on` and named volumes must exist (the schema allows any name; Compose refuses the file). */
export function referenceProblems(compose: Compose): string[] {
  const problems: string[] = [];
  const all = services(compose);
  const volumes = Object.keys(compose['volumes'] ?? {});
  for (const [name, service] of Object.entries(all)) {
    for (const dependency of dependsOn(service))
      if (!(dependency in all)) problems.push(`${name} depends on undefined service ${dependency}`);
    for (const volume of (service['volumes'] ?? []) as unknown[]) {
      const source =
        typeof volume === 'string' ? volume.split(':')[0]! : String((volume as Service)['source']);
      const named = !source.startsWith('.') && !source.startsWith('/') && !source.startsWith('~');
      if (named && !volumes.includes(source)) problems.push(`${name} uses undefined volume ${source}`);
    }
  }
  return problems;
}

/** Two services cannot publish one host port. */
export function hostPortProblems(compose: Compose): string[] {
  const problems: string[] = [];
  const owners = new Map<string, string>();
  for (const [name, service] of Object.entries(services(compose))) {
    for (const { published, protocol } of ports(service)) {
      if (published === undefined) continue;
      const key = `${published}/${protocol}`;
      const owner = owners.get(key);
      if (owner !== undefined) problems.push(`${name} and ${owner} both publish host port ${key}`);
      else owners.set(key, name);
    }
  }
  return problems;
}

/** The KRaft cluster: node ids, quorum voters, cluster id, listeners, replication, health check. */
export function kafkaProblems(compose: Compose): string[] {
  const problems: string[] = [];
  const all = services(compose);
  const brokers = brokerNames(compose);
  const count = brokers.length;
  if (count === 0) return ['no Kafka broker (apache/kafka) service'];
  const envs = Object.fromEntries(brokers.map((name) => [name, environment(all[name]!)]));
  const ids = brokers.map((name) => Number(envs[name]!['KAFKA_NODE_ID']));
  const expectedIds = Array.from({ length: count }, (_, i) => i + 1);
  if ([...ids].sort((a, b) => a - b).join(',') !== expectedIds.join(','))
    problems.push(`KAFKA_NODE_ID of ${brokers.join(', ')} are ${ids.join(', ')}, not 1 to ${count}`);

  const clusterIds = new Set(brokers.map((name) => envs[name]!['CLUSTER_ID']));
  if (clusterIds.size !== 1)
    problems.push(`the brokers have different CLUSTER_IDs: ${[...clusterIds].join(', ')}`);
  for (const id of clusterIds) {
    const bytes = Buffer.from(id ?? '', 'base64url');
    if (id === undefined || bytes.length !== 16 || bytes.toString('base64url') !== id)
      problems.push(`CLUSTER_ID ${id} is not 16 bytes of unpadded base64url`);
  }

  for (const name of brokers) {
    const env = envs[name]!;
    const service = all[name]!;
    if (service['hostname'] !== name) problems.push(`${name} has hostname ${String(service['hostname'])}`);
    const listeners = listenerList(env['KAFKA_LISTENERS']);
    const protocols = new Set(
      (env['KAFKA_LISTENER_SECURITY_PROTOCOL_MAP'] ?? '').split(',').map((pair) => pair.split(':')[0]),
    );
    for (const listener of listeners) {
      if (Number.isNaN(listener.port)) problems.push(`${name}: bad listener ${listener.name}`);
      else if (!protocols.has(listener.name))
        problems.push(`${name}: listener ${listener.name} has no security protocol`);
    }
    const portOf = (listener: string | undefined) => listeners.find((l) => l.name === listener)?.port;
    const controller = env['KAFKA_CONTROLLER_LISTENER_NAMES'];
    const interBroker = env['KAFKA_INTER_BROKER_LISTENER_NAME'];
    if (portOf(controller) === undefined) problems.push(`${name}: no ${String(controller)} listener`);
    if (portOf(interBroker) === undefined) problems.push(`${name}: no ${String(interBroker)} listener`);

    // Quorum voters: exactly the brokers, by node id and service name, on their controller port.
    const voters = (env['KAFKA_CONTROLLER_QUORUM_VOTERS'] ?? '').split(',').map((voter) => {
      const [id = '', address = ''] = voter.split('@');
      return { id: Number(id), ...hostPort(address) };
    });
    const wanted = brokers.map(
      (broker) => `${envs[broker]!['KAFKA_NODE_ID']}@${broker}:${String(portOf(controller))}`,
    );
    const got = voters.map((voter) => `${voter.id}@${voter.host}:${voter.port}`);
    if ([...got].sort().join(',') !== [...wanted].sort().join(','))
      problems.push(
        `${name}: KAFKA_CONTROLLER_QUORUM_VOTERS is ${got.join(',')}, expected ${wanted.join(',')}`,
      );

    // Advertised: the inter-broker listener by service name; the others on a published port of theirs.
    const published = ports(service);
    for (const advertised of listenerList(env['KAFKA_ADVERTISED_LISTENERS'])) {
      const port = portOf(advertised.name);
      if (port === undefined) {
        problems.push(`${name}: advertised listener ${advertised.name} is not a listener`);
      } else if (advertised.name === interBroker) {
        if (advertised.host !== name || advertised.port !== port)
          problems.push(
            `${name}: advertises ${advertised.name} as ${advertised.host}:${advertised.port}, not ${name}:${port}`,
          );
      } else if (!published.some((p) => p.published === advertised.port && p.target === port)) {
        problems.push(
          `${name}: advertises ${advertised.name} on host port ${advertised.port}, which does not publish its port ${port}`,
        );
      }
    }
    for (const { published: hostPortNumber, target } of published) {
      if (!listeners.some((l) => l.port === target && l.name !== controller))
        problems.push(
          `${name}: host port ${String(hostPortNumber)} maps to ${target}, where no client listener is`,
        );
    }
    const healthPort = /--bootstrap-server\s+localhost:(\d+)/.exec(
      JSON.stringify(service['healthcheck']),
    )?.[1];
    if (healthPort !== undefined && !listeners.some((l) => l.port === Number(healthPort)))
      problems.push(`${name}: the health check asks port ${healthPort}, where no listener is`);

    for (const key of [
      'KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR',
      'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR',
    ]) {
      const factor = Number(env[key] ?? 1);
      if (factor > count) problems.push(`${name}: ${key} ${factor} is more than the ${count} broker(s)`);
    }
    const transactionIsr = Number(env['KAFKA_TRANSACTION_STATE_LOG_MIN_ISR'] ?? 1);
    if (transactionIsr > Number(env['KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR'] ?? 1))
      problems.push(
        `${name}: KAFKA_TRANSACTION_STATE_LOG_MIN_ISR ${transactionIsr} is more than its replication factor`,
      );
    const minIsr = Number(env['KAFKA_MIN_INSYNC_REPLICAS'] ?? 1);
    if (minIsr >= count && count > 1)
      problems.push(`${name}: KAFKA_MIN_INSYNC_REPLICAS ${minIsr} leaves no broker to lose of ${count}`);
  }
  return problems;
}

/** The settings docker-compose.yml gives a worker: its CONNECT_ variables through the CLI's own mapping. */
export function workerProperties(service: Service): ReturnType<typeof workerPropertiesFromEnv> {
  return workerPropertiesFromEnv(environment(service), 'CONNECT_');
}

/** The workers: settings Sluice accepts, reachable by name, on one group and topics, on these brokers. */
export function workerProblems(compose: Compose): string[] {
  const problems: string[] = [];
  const all = services(compose);
  const brokers = brokerNames(compose);
  const workers = workerNames(compose);
  if (workers.length === 0) return ['no Sluice worker (CONNECT_ variables) service'];
  const shared = new Map<string, Map<string, string[]>>();
  for (const name of workers) {
    const service = all[name]!;
    let mapped: ReturnType<typeof workerPropertiesFromEnv>;
    try {
      mapped = workerProperties(service);
    } catch (error) {
      problems.push(`${name}: ${(error as Error).message}`);
      continue;
    }
    for (const { variable, property } of mapped.skipped)
      problems.push(
        `${name}: ${variable} (${property}) is a setting of Confluent's image that Sluice does not use`,
      );
    let config: ReturnType<typeof resolveWorkerConfig>;
    try {
      config = resolveWorkerConfig(mapped.properties, {});
    } catch (error) {
      const message = (error as Error).message;
      const variables = [...mapped.variables].filter(([key]) => message.includes(key)).map(([, v]) => v);
      problems.push(`${name}: ${message}${variables.length > 0 ? ` (${variables.join(', ')})` : ''}`);
      continue;
    }
    if (config.ignored.length > 0)
      problems.push(`${name}: Sluice accepts and does not use ${config.ignored.join(', ')}`);
    if (config.mode !== 'distributed')
      problems.push(`${name}: no bootstrap.servers, so it would run embedded`);

    for (const server of config.bootstrapServers) {
      const { host, port } = hostPort(server);
      const internal = listenerList(environment(all[host] ?? {})['KAFKA_LISTENERS']).find(
        (l) => l.name === environment(all[host] ?? {})['KAFKA_INTER_BROKER_LISTENER_NAME'],
      );
      if (!brokers.includes(host))
        problems.push(`${name}: bootstrap server ${server} is not a broker service`);
      else if (internal?.port !== port)
        problems.push(
          `${name}: bootstrap server ${server} is not ${host}'s inter-broker port ${String(internal?.port)}`,
        );
    }
    if (!brokers.every((broker) => dependsOn(service).includes(broker)))
      problems.push(`${name}: does not depend on every broker (${brokers.join(', ')})`);

    if (config.advertisedHostName !== name || service['hostname'] !== name)
      problems.push(
        `${name}: advertises ${String(config.advertisedHostName)} with hostname ${String(service['hostname'])}; both must be ${name}`,
      );
    const [listener, ...more] = config.listeners;
    if (listener === undefined || more.length > 0) problems.push(`${name}: needs exactly one listener`);
    else {
      if (listener.host !== '0.0.0.0' && listener.host !== '' && listener.host !== '::')
        problems.push(`${name}: listens on ${listener.host} only, where other containers cannot reach it`);
      if (config.advertisedPort !== listener.port)
        problems.push(
          `${name}: advertises port ${String(config.advertisedPort)} but listens on ${listener.port}`,
        );
      for (const mapping of ports(service))
        if (mapping.target !== listener.port)
          problems.push(
            `${name}: host port ${String(mapping.published)} maps to ${mapping.target}, not its REST port ${listener.port}`,
          );
      const healthPort = /127\.0\.0\.1:(\d+)\/health/.exec(JSON.stringify(service['healthcheck']))?.[1];
      if (healthPort !== undefined && Number(healthPort) !== listener.port)
        problems.push(`${name}: the health check asks port ${healthPort}, not ${listener.port}`);
    }
    for (const topic of [config.configStorage, config.offsetStorage, config.statusStorage]) {
      if (topic.replicationFactor > brokers.length)
        problems.push(
          `${name}: ${topic.name} has ${topic.replicationFactor} replicas on ${brokers.length} broker(s)`,
        );
    }
    const same = {
      'group.id': config.groupId ?? '',
      'config.storage.topic': config.configStorage.name,
      'offset.storage.topic': config.offsetStorage.name,
      'status.storage.topic': config.statusStorage.name,
    };
    for (const [key, value] of Object.entries(same)) {
      const byValue = shared.get(key) ?? new Map<string, string[]>();
      byValue.set(value, [...(byValue.get(value) ?? []), name]);
      shared.set(key, byValue);
    }
  }
  for (const [key, byValue] of shared) {
    if (byValue.size > 1) {
      const split = [...byValue].map(([value, names]) => `${names.join(', ')}: ${value}`).join('; ');
      problems.push(`the workers differ in ${key} (${split})`);
    }
  }
  return problems;
}

/**
 * The file against scripts/cluster's topology: as many workers and brokers, the same shared settings, worker I
 * on host port basePort + I − 1.
 */
export function topologyProblems(compose: Compose): string[] {
  const problems: string[] = [];
  const all = services(compose);
  const workers = workerNames(compose);
  const brokers = brokerNames(compose);
  if (workers.length !== TOPOLOGY.workers)
    problems.push(`${workers.length} workers, scripts/cluster runs ${TOPOLOGY.workers}`);
  if (brokers.length !== TOPOLOGY.brokers)
    problems.push(`${brokers.length} brokers, scripts/cluster runs ${TOPOLOGY.brokers}`);
  const expected = clusterSettings();
  workers.forEach((name, i) => {
    let properties: Map<string, string>;
    try {
      properties = workerProperties(all[name]!).properties;
    } catch {
      return; // workerProblems says why
    }
    const shared = Object.fromEntries([...properties].filter(([key]) => !PLACEMENT_SETTINGS.includes(key)));
    for (const key of new Set([...Object.keys(expected), ...Object.keys(shared)])) {
      if (shared[key] !== expected[key])
        problems.push(
          `${name}: ${key} is ${String(shared[key])}, scripts/cluster sets ${String(expected[key])}`,
        );
    }
    const published = ports(all[name]!).map((p) => p.published);
    const port = workerAddress(i + 1).port;
    if (published.length !== 1 || published[0] !== port)
      problems.push(
        `${name}: publishes ${published.join(', ')}, scripts/cluster's worker ${i + 1} is on ${port}`,
      );
  });
  return problems;
}

// ---------------------------------------------------------------------------
// The Dockerfile
// ---------------------------------------------------------------------------

export interface DockerStage {
  from: string;
  name: string | undefined;
  /** Instructions in order, continuation lines joined: [keyword upper-cased, arguments]. */
  instructions: Array<[string, string]>;
}

/** The stages of a Dockerfile (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): DockerStage[] {
  const logical: string[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    const continued = /\\\s*$/.test(line);
    pending += (pending === '' ? '' : ' ') + line.replace(/\\\s*$/, '').trim();
    if (!continued) {
      if (pending.trim() !== '') logical.push(pending.trim());
      pending = '';
    }
  }
  const stages: DockerStage[] = [];
  for (const line of logical) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (keyword.toUpperCase() === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: match?.[1] ?? args, name: match?.[2], instructions: [] });
    } else {
      stages.at(-1)?.instructions.push([keyword.toUpperCase(), args]);
    }
  }
  return stages;
}

/** The last value of an exec-form (JSON array) instruction in a stage. */
export function execForm(stage: DockerStage, keyword: string): string[] | undefined {
  const found = stage.instructions.filter(([k]) => k === keyword).at(-1);
  return found === undefined ? undefined : (JSON.parse(found[1]) as string[]);
}
