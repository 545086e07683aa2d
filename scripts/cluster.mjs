#!/usr/bin/env node
// scripts/cluster — a cluster of Sluice workers on one machine, each on its own loopback address, on a
// 3-node Kafka cluster from scripts/kafka: the topology of docker-compose.yml, without Docker, for drills.
//
// Pure Node 20 ESM with only node: builtins (and scripts/kafka.mjs). Human progress goes to stderr; stdout
// carries only results, always as the last line. Commands: see `scripts/cluster help` and scripts/cluster.md.
//
// This module also exports the cluster's topology (TOPOLOGY, clusterSettings, workerAddress): the one source
// that docker-compose.yml is checked against (test/compose.test.ts).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  Fail,
  commandLine,
  fetchMetadata,
  isAlive,
  isOurJava,
  parseHostPorts,
  readJson,
  tail,
} from './kafka.mjs';

// ---------------------------------------------------------------------------
// The topology, shared with docker-compose.yml
// ---------------------------------------------------------------------------

/**
 * The cluster `scripts/cluster up` starts by default and docker-compose.yml describes: 3 workers on 3 KRaft
 * brokers, internal topics named after the group with 3 replicas, a 10 s session with 1 s heartbeats (a
 * dead worker's tasks run elsewhere within about 13 s), REST ports 8083, 8084, 8085.
 */
export const TOPOLOGY = Object.freeze({
  workers: 3,
  brokers: 3,
  group: 'sluice-cluster',
  replicationFactor: 3,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  /** Worker I's REST port is basePort + I − 1 (in docker-compose.yml: its host port). */
  basePort: 8083,
});

const JSON_CONVERTER = 'org.apache.kafka.connect.json.JsonConverter';

/** A group's internal topics: `<group>-configs`, `-offsets`, `-status`, so groups can share a Kafka cluster. */
export function internalTopics(group) {
  return { config: `${group}-configs`, offset: `${group}-offsets`, status: `${group}-status` };
}

/**
 * The worker settings every worker of a cluster shares, as strings (where a worker is and how to reach it
 * are apart: see workerAddress).
 */
export function clusterSettings({
  group = TOPOLOGY.group,
  replicationFactor = TOPOLOGY.replicationFactor,
} = {}) {
  const topics = internalTopics(group);
  return {
    'group.id': group,
    'config.storage.topic': topics.config,
    'offset.storage.topic': topics.offset,
    'status.storage.topic': topics.status,
    'config.storage.replication.factor': String(replicationFactor),
    'offset.storage.replication.factor': String(replicationFactor),
    'status.storage.replication.factor': String(replicationFactor),
    'session.timeout.ms': String(TOPOLOGY.sessionTimeoutMs),
    'heartbeat.interval.ms': String(TOPOLOGY.heartbeatIntervalMs),
    'key.converter': JSON_CONVERTER,
    'value.converter': JSON_CONVERTER,
    'key.converter.schemas.enable': 'false',
    'value.converter.schemas.enable': 'false',
  };
}

/** The settings that place a worker: how it reaches Kafka, where it listens, what it advertises. */
export const PLACEMENT_SETTINGS = Object.freeze([
  'bootstrap.servers',
  'listeners',
  'rest.advertised.host.name',
  'rest.advertised.port',
  'plugin.path',
]);

/** Worker `index` (from 1) listens on 127.0.0.(10 + index), port basePort + index − 1, and advertises both. */
export function workerAddress(index, basePort = TOPOLOGY.basePort) {
  const host = `127.0.0.${10 + index}`;
  const port = basePort + index - 1;
  return { host, port, url: `http://${host}:${port}` };
}

// ---------------------------------------------------------------------------
// Locations and small utilities
// ---------------------------------------------------------------------------

const SCRIPTS_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.dirname(SCRIPTS_DIR);
const DEFAULT_DIR = path.join(REPO_ROOT, '.kafka', 'sluice-cluster');
/** Written into every directory we create, so `down` never deletes a directory it did not make. */
const OWNER_MARKER = '.sluice-cluster';
const MAX_INDEX = 244; // 127.0.0.254
const STOP_GRACE_MS = 30_000; // compose's stop_grace_period
const KILL_WAIT_MS = 5_000;

const log = (msg) => process.stderr.write(`[cluster] ${msg}\n`);
const result = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (sinceMs) => `${((Date.now() - sinceMs) / 1000).toFixed(1)}s`;

function positiveInt(raw, what, max = Number.MAX_SAFE_INTEGER) {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Fail(`${what} must be an integer from 1 to ${max}, got "${raw}"`);
  return value;
}

function clusterDir(option) {
  return path.resolve(option || process.env.SLUICE_CLUSTER_DIR || DEFAULT_DIR);
}

const stateFile = (dir) => path.join(dir, 'state.json');

/** Written whole and renamed, so a reader never sees half a file. */
function writeState(dir, state) {
  const temporary = `${stateFile(dir)}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(temporary, stateFile(dir));
}

function readState(dir) {
  const state = readJson(stateFile(dir));
  if (state && state.kind !== 'sluice-cluster')
    throw new Fail(`${dir} holds a ${state.kind}, not a Sluice cluster`);
  return state;
}

function requireState(dir) {
  const state = readState(dir);
  if (!state) throw new Fail(`no cluster in ${dir}; start one with \`scripts/cluster up\``);
  return state;
}

/** A port is free on an address if we can bind it: otherwise our readiness check would ask whatever holds it. */
async function assertPortFree(host, port) {
  const server = net.createServer();
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  } catch (err) {
    throw new Fail(`port ${port} on ${host} is not available (${err.code})`);
  } finally {
    await new Promise((resolve) => server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------------------
// Worker processes
// ---------------------------------------------------------------------------

/** A worker's process is ours if it is alive and its command line names its properties file in our dir. */
function isOurWorker(worker) {
  return Boolean(worker.pid) && isAlive(worker.pid) && commandLine(worker.pid).includes(worker.properties);
}

/** 'running', 'frozen' (SIGSTOP) or 'exited'. */
function processState(worker) {
  if (!isOurWorker(worker)) return 'exited';
  try {
    const stat = fs.readFileSync(`/proc/${worker.pid}/stat`, 'utf8');
    const code = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return code === 'T' || code === 't' ? 'frozen' : 'running';
  } catch {
    return 'running';
  }
}

function workerOf(state, index) {
  const worker = state.workers.find((w) => w.index === index);
  if (!worker) {
    const known = state.workers.map((w) => w.index).join(', ');
    throw new Fail(`no worker ${index} in ${state.dir} (workers: ${known})`);
  }
  return worker;
}

function writeWorkerProperties(state, worker) {
  const settings = {
    'bootstrap.servers': state.bootstrap,
    listeners: worker.url,
    'rest.advertised.host.name': worker.host,
    'rest.advertised.port': String(worker.port),
    ...(state.pluginPath ? { 'plugin.path': state.pluginPath } : {}),
    ...clusterSettings({ group: state.group, replicationFactor: state.replicationFactor }),
    ...state.extra,
  };
  const lines = Object.entries(settings).map(([key, value]) => `${key}=${value}`);
  fs.mkdirSync(path.dirname(worker.properties), { recursive: true });
  fs.writeFileSync(worker.properties, `# generated by scripts/cluster\n${lines.join('\n')}\n`);
}

/** The command that runs `sluice worker <file>`: the built CLI, or the sources through tsx. */
function workerCommand(state, propertiesFile) {
  if (state.run === 'source') {
    return [
      '--conditions=sluice:source',
      '--import',
      import.meta.resolve('tsx'),
      path.join(REPO_ROOT, 'test', 'fixtures', 'sluice.ts'),
      'worker',
      propertiesFile,
    ];
  }
  return [path.join(REPO_ROOT, 'packages', 'cli', 'bin', 'sluice.js'), 'worker', propertiesFile];
}

/**
 * Starts a worker that outlives this script: its own process group, output appended to its log, the
 * cluster's directory as working directory (relative FileStream paths then name one file for every worker).
 */
function spawnWorker(state, worker) {
  writeWorkerProperties(state, worker);
  const fd = fs.openSync(worker.log, 'a');
  try {
    const child = spawn(process.execPath, workerCommand(state, worker.properties), {
      cwd: state.dir,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, SLUICE_TEST_WORKER_ID: `w${worker.index}` },
    });
    child.unref();
    worker.pid = child.pid;
  } finally {
    fs.closeSync(fd);
  }
}

function newWorker(state, index) {
  const { host, port, url } = workerAddress(index, state.basePort);
  if (port > 65535) throw new Fail(`worker ${index} would listen on port ${port}; pick a lower --base-port`);
  const workerDir = path.join(state.dir, `worker-${index}`);
  return {
    index,
    host,
    port,
    url,
    pid: null,
    properties: path.join(workerDir, 'worker.properties'),
    log: path.join(workerDir, 'worker.log'),
  };
}

// Node 20's own; the lint config lists only older globals for plain .mjs scripts.
const { fetch, AbortSignal } = globalThis;

async function getJson(url, timeoutMs = 3000) {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  } catch (err) {
    return { status: 0, error: err.message };
  }
}

/** Sends a signal to a worker of ours; false if it is not running. */
function signal(worker, sig) {
  if (!isOurWorker(worker)) return false;
  try {
    process.kill(worker.pid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits until the workers' processes have exited. A process is told by its pid and start time, not by its
 * command line: a process that is exiting has an empty one already but still runs (its threads end), and a
 * pid taken over meanwhile is another process.
 */
async function waitGone(workers, ms) {
  const startedAt = new Map(workers.map((w) => [w, startTime(w.pid)]));
  const running = (w) => Boolean(w.pid) && isAlive(w.pid) && startTime(w.pid) === startedAt.get(w);
  const until = Date.now() + ms;
  while (workers.some(running) && Date.now() < until) await sleep(100);
  return workers.filter(running);
}

/** The process's start time (`/proc/<pid>/stat` field 22), or undefined without /proc. */
function startTime(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** SIGTERM (after SIGCONT, or a frozen worker would never act on it), then SIGKILL after the grace period. */
async function stopWorkers(workers) {
  const ours = workers.filter((w) => isOurWorker(w));
  if (ours.length === 0) return;
  const started = Date.now();
  log(`stopping ${ours.map((w) => `worker ${w.index} (pid ${w.pid})`).join(', ')}`);
  for (const w of ours) {
    signal(w, 'SIGTERM');
    signal(w, 'SIGCONT');
  }
  let left = await waitGone(ours, STOP_GRACE_MS);
  if (left.length > 0) {
    log(
      `still running after ${STOP_GRACE_MS / 1000}s: ${left.map((w) => w.index).join(', ')}; sending SIGKILL`,
    );
    for (const w of left) signal(w, 'SIGKILL');
    left = await waitGone(left, KILL_WAIT_MS);
    if (left.length > 0) throw new Fail(`could not stop pids ${left.map((w) => w.pid).join(', ')}`);
  }
  log(`stopped in ${seconds(started)}`);
}

/**
 * Ready: every running worker answers /health with 200 and shows one stable generation with one leader, and
 * the leader's members are exactly the running workers. Frozen workers are left out; an exited one that
 * should run fails the wait at once.
 */
async function waitSettled(state, expected, timeoutSeconds) {
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  let last = 'no answer yet';
  for (;;) {
    const dead = expected.filter((w) => processState(w) === 'exited');
    if (dead.length > 0) {
      for (const w of dead) log(`--- worker ${w.index}: tail of ${w.log} ---\n${tail(w.log, 30)}`);
      throw new Fail(`worker ${dead.map((w) => w.index).join(', ')} exited; its log is above`);
    }
    const running = state.workers.filter((w) => processState(w) === 'running');
    const [health, views] = await Promise.all([
      Promise.all(running.map((w) => getJson(`${w.url}/health`))),
      Promise.all(running.map((w) => getJson(`${w.url}/sluice/v1/cluster`))),
    ]);
    const unhealthy = running.filter((_, i) => health[i].status !== 200);
    const leaders = views.filter((v) => v.body?.leader);
    const generations = new Set(views.map((v) => v.body?.generation));
    const members = new Set((leaders[0]?.body?.members ?? []).map((m) => m.url));
    if (unhealthy.length > 0) last = `worker ${unhealthy.map((w) => w.index).join(', ')} not healthy yet`;
    else if (views.some((v) => v.body?.state !== 'stable')) last = 'a rebalance is under way';
    else if (generations.size !== 1 || generations.has(null))
      last = `generations ${[...generations].join(', ')}`;
    else if (leaders.length !== 1) last = `${leaders.length} leaders`;
    else if (members.size !== running.length || running.some((w) => !members.has(w.url)))
      last = `the leader sees ${members.size} member(s), ${running.length} running`;
    else {
      log(
        `${running.length} worker(s) settled in generation ${[...generations][0]} after ${seconds(started)}`,
      );
      return;
    }
    if (Date.now() > deadline) throw new Fail(`cluster not settled after ${timeoutSeconds}s (last: ${last})`);
    await sleep(250);
  }
}

// ---------------------------------------------------------------------------
// Kafka, through scripts/kafka
// ---------------------------------------------------------------------------

function runKafkaScript(args) {
  const run = spawnSync(path.join(SCRIPTS_DIR, 'kafka'), args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (run.error) throw new Fail(`cannot run scripts/kafka: ${run.error.message}`);
  if (run.status !== 0) throw new Fail(`scripts/kafka ${args.join(' ')} failed (exit ${run.status})`);
  return run.stdout.trim().split('\n').pop();
}

/** Whether the Kafka cluster that `up` started for this cluster still runs (any node of it). */
function kafkaRunning(state) {
  if (!state.kafkaDir) return false;
  const kafka = readJson(path.join(state.kafkaDir, 'state.json'));
  return Boolean(kafka?.processes?.some((proc) => isOurJava(proc.pid, state.kafkaDir)));
}

/** Replicas for the internal topics: min(brokers, 3), asking the cluster how many brokers it has. */
async function replicationFor(bootstrap) {
  let lastError;
  for (const address of parseHostPorts(bootstrap)) {
    try {
      return Math.min((await fetchMetadata(address)).brokers.length, 3);
    } catch (err) {
      lastError = err;
    }
  }
  throw new Fail(`cannot reach Kafka at ${bootstrap}: ${lastError.message}`);
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

const timeoutOf = (options) => (options.timeout ? positiveInt(options.timeout, '--timeout') : 120);

/** `--set key=value` pairs, for every worker. */
function extraSettings(pairs = []) {
  const extra = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Fail(`--set needs key=value, got "${pair}"`);
    extra[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return extra;
}

function prepareFreshDir(dir) {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    if (!fs.existsSync(path.join(dir, OWNER_MARKER)))
      throw new Fail(`${dir} is not empty and was not created by scripts/cluster; pick another --dir`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, OWNER_MARKER), 'sluice-cluster\n');
}

/** Builds the CLI when it is out of date (and installs what is missing), as `npm start` does. */
function setup() {
  const run = spawnSync(process.execPath, [path.join(SCRIPTS_DIR, 'setup.mjs')], {
    stdio: ['ignore', 2, 2], // its output is progress: stderr
  });
  if (run.status !== 0) throw new Fail(`node scripts/setup.mjs failed (exit ${run.status})`);
}

async function up(count, options) {
  const dir = clusterDir(options.dir);
  const timeout = timeoutOf(options);
  const existing = readState(dir);
  // What a failed or interrupted run left, nothing of it running: start afresh, as scripts/kafka does.
  if (existing && existing.workers.every((w) => !isOurWorker(w)) && !kafkaRunning(existing)) {
    log(`nothing of the cluster in ${dir} runs any more; starting afresh`);
  } else if (existing) {
    const states = existing.workers.map((w) => processState(w));
    if (states.every((s) => s === 'running') && existing.workers.length === count) {
      log(`cluster already running in ${dir}`);
      await waitSettled(existing, existing.workers, timeout);
      return result(existing.workers.map((w) => w.url).join(','));
    }
    const summary = existing.workers.map((w, i) => `worker ${w.index} ${states[i]}`).join(', ');
    throw new Fail(
      `${dir} holds a cluster (${summary}); use \`scripts/cluster start I\`, or \`scripts/cluster down --dir ${dir}\` first`,
    );
  }
  if (count > MAX_INDEX) throw new Fail(`at most ${MAX_INDEX} workers (127.0.0.11 to 127.0.0.254)`);
  const basePort = options['base-port']
    ? positiveInt(options['base-port'], '--base-port', 65535)
    : TOPOLOGY.basePort;
  const group = options.group || TOPOLOGY.group;
  const run = options.source ? 'source' : 'built';
  const extra = extraSettings(options.set);
  const pluginPath = options['plugin-path'] ? path.resolve(options['plugin-path']) : null;

  const started = Date.now();
  prepareFreshDir(dir);
  const state = {
    kind: 'sluice-cluster',
    dir,
    bootstrap: options.bootstrap || null,
    kafkaDir: options.bootstrap ? null : path.join(dir, 'kafka'),
    group,
    replicationFactor: null,
    basePort,
    run,
    pluginPath,
    extra,
    workers: [],
    startedAt: new Date().toISOString(),
  };
  // Recorded before anything starts, so `down` can clean up even if this run is interrupted.
  writeState(dir, state);
  try {
    if (run === 'built') setup();
    if (!state.bootstrap) {
      log(`starting a ${TOPOLOGY.brokers}-node Kafka cluster with scripts/kafka in ${state.kafkaDir}`);
      state.bootstrap = runKafkaScript(['up', '--nodes', String(TOPOLOGY.brokers), '--dir', state.kafkaDir]);
    }
    state.replicationFactor = await replicationFor(state.bootstrap);
    state.workers = Array.from({ length: count }, (_, i) => newWorker(state, i + 1));
    for (const w of state.workers) await assertPortFree(w.host, w.port);
    log(`starting ${count} worker(s) (${run}, group ${group}) against ${state.bootstrap}`);
    for (const w of state.workers) spawnWorker(state, w);
    writeState(dir, state);
    await waitSettled(state, state.workers, timeout);
  } catch (err) {
    log(`up failed; stopping what it started (logs stay in ${dir})`);
    await stopWorkers(state.workers).catch((stopErr) => log(stopErr.message));
    if (state.kafkaDir && fs.existsSync(state.kafkaDir)) {
      try {
        runKafkaScript(['down', '--dir', state.kafkaDir]);
      } catch (downErr) {
        log(downErr.message);
      }
    }
    throw err;
  }
  log(`${count}-worker cluster up in ${seconds(started)}`);
  result(state.workers.map((w) => w.url).join(','));
}

async function start(index, options) {
  const dir = clusterDir(options.dir);
  const state = requireState(dir);
  let worker = state.workers.find((w) => w.index === index);
  if (worker && processState(worker) !== 'exited') {
    log(`worker ${index} is already running (pid ${worker.pid}, ${processState(worker)})`);
  } else {
    if (!worker) {
      if (index > MAX_INDEX) throw new Fail(`at most ${MAX_INDEX} workers (127.0.0.11 to 127.0.0.254)`);
      worker = newWorker(state, index);
      state.workers.push(worker);
      state.workers.sort((a, b) => a.index - b.index);
    }
    await assertPortFree(worker.host, worker.port);
    spawnWorker(state, worker);
    // Read again just before writing: only this worker's entry is ours to change.
    const latest = requireState(dir);
    latest.workers = [...latest.workers.filter((w) => w.index !== index), worker].sort(
      (a, b) => a.index - b.index,
    );
    writeState(dir, latest);
    log(`started worker ${index} (pid ${worker.pid}) on ${worker.url}`);
  }
  await waitSettled(state, [worker], timeoutOf(options));
  result(worker.url);
}

async function stop(index, options) {
  const state = requireState(clusterDir(options.dir));
  const worker = workerOf(state, index);
  if (processState(worker) === 'exited') log(`worker ${index} is not running`);
  else await stopWorkers([worker]);
  result(worker.url);
}

async function kill(index, options) {
  const state = requireState(clusterDir(options.dir));
  const worker = workerOf(state, index);
  if (!signal(worker, 'SIGKILL')) log(`worker ${index} is not running`);
  else {
    const left = await waitGone([worker], KILL_WAIT_MS);
    if (left.length > 0) throw new Fail(`worker ${index} (pid ${worker.pid}) survived SIGKILL`);
    log(`killed worker ${index} (pid ${worker.pid})`);
  }
  result(worker.url);
}

async function freezeOrThaw(index, options, sig) {
  const state = requireState(clusterDir(options.dir));
  const worker = workerOf(state, index);
  if (!signal(worker, sig)) throw new Fail(`worker ${index} is not running`);
  const want = sig === 'SIGSTOP' ? 'frozen' : 'running';
  const until = Date.now() + KILL_WAIT_MS;
  while (processState(worker) !== want && Date.now() < until) await sleep(20);
  if (processState(worker) !== want)
    throw new Fail(`worker ${index} is ${processState(worker)}, not ${want}`);
  log(`worker ${index} (pid ${worker.pid}) ${want}`);
  result(worker.url);
}

async function status(options) {
  const state = requireState(clusterDir(options.dir));
  const rows = await Promise.all(
    state.workers.map(async (w) => {
      const proc = processState(w);
      const row = { index: w.index, url: w.url, pid: proc === 'exited' ? null : w.pid, process: proc };
      if (proc !== 'running') return row;
      const view = (await getJson(`${w.url}/sluice/v1/cluster`, 2000)).body;
      return {
        ...row,
        state: view?.state ?? null,
        generation: view?.generation ?? null,
        leader: view?.leader ?? null,
        connectors: view?.assignment?.connectors.length ?? null,
        tasks: view?.assignment?.tasks.length ?? null,
      };
    }),
  );
  for (const row of rows) {
    const group =
      row.state === undefined ? '' : ` ${row.state} gen ${row.generation}${row.leader ? ' leader' : ''}`;
    const work = row.tasks === undefined ? '' : `, ${row.connectors} connector(s), ${row.tasks} task(s)`;
    log(`worker ${row.index} ${row.url} ${row.process}${row.pid ? ` pid ${row.pid}` : ''}${group}${work}`);
  }
  result(JSON.stringify(rows));
}

async function down(options) {
  const dir = clusterDir(options.dir);
  const state = readState(dir);
  if (state) {
    for (const w of state.workers)
      if (w.pid && isAlive(w.pid) && !isOurWorker(w))
        log(`pid ${w.pid} (worker ${w.index}) is no longer a worker of ${dir}; leaving it alone`);
    await stopWorkers(state.workers);
    if (state.kafkaDir && fs.existsSync(state.kafkaDir)) runKafkaScript(['down', '--dir', state.kafkaDir]);
  } else log(`nothing running in ${dir}`);
  if (fs.existsSync(path.join(dir, OWNER_MARKER))) {
    fs.rmSync(dir, { recursive: true, force: true });
    log(`removed ${dir}`);
  } else if (fs.existsSync(dir)) log(`left ${dir} in place: it was not created by scripts/cluster`);
}

// ---------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------

const USAGE = `usage: scripts/cluster <command>

  up [N] [--bootstrap B] [--group G] [--dir D] [--base-port P] [--source]
         [--plugin-path DIR] [--set key=value ...]
                      start N workers (default ${TOPOLOGY.workers}) on 127.0.0.11, .12, … ports P, P+1, …
                      (default ${TOPOLOGY.basePort}); without --bootstrap, first a ${TOPOLOGY.brokers}-node Kafka cluster with
                      scripts/kafka; prints the REST URLs, comma-separated
  stop I              SIGTERM worker I, wait for it to leave (SIGKILL after ${STOP_GRACE_MS / 1000}s)
  kill I              SIGKILL worker I
  freeze I | thaw I   SIGSTOP | SIGCONT worker I
  start I             start worker I again (or a new worker I), wait until the cluster settles with it
  status              one JSON line: every worker's process state, generation, leader, work
  down                stop the workers, then the Kafka cluster up started; delete D

  --dir D             the cluster's directory (default .kafka/sluice-cluster, or SLUICE_CLUSTER_DIR)
  --timeout SECONDS   how long up and start wait for the cluster to settle (default 120)
  --source            run the TypeScript sources with tsx (TypeScript plugins load too) instead of the built CLI
`;

const OPTIONS = {
  bootstrap: { type: 'string' },
  group: { type: 'string' },
  dir: { type: 'string' },
  'base-port': { type: 'string' },
  'plugin-path': { type: 'string' },
  set: { type: 'string', multiple: true },
  source: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

async function main(argv) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    throw new Fail(`${err.message}\n${USAGE}`);
  }
  const { values: options, positionals } = parsed;
  const [command, arg, ...more] = positionals;
  if (options.help || command === undefined || command === 'help') {
    process.stderr.write(USAGE);
    return;
  }
  if (more.length > 0) throw new Fail(`unexpected arguments: ${more.join(' ')}\n${USAGE}`);
  const index = () => {
    if (arg === undefined) throw new Fail(`${command} needs a worker number\n${USAGE}`);
    return positiveInt(arg, 'the worker number', MAX_INDEX);
  };
  switch (command) {
    case 'up':
      return up(arg === undefined ? TOPOLOGY.workers : positiveInt(arg, 'N', MAX_INDEX), options);
    case 'start':
      return start(index(), options);
    case 'stop':
      return stop(index(), options);
    case 'kill':
      return kill(index(), options);
    case 'freeze':
      return freezeOrThaw(index(), options, 'SIGSTOP');
    case 'thaw':
      return freezeOrThaw(index(), options, 'SIGCONT');
    case 'status':
      return status(options);
    case 'down':
      return down(options);
    default:
      throw new Fail(`unknown command "${command}"\n${USAGE}`);
  }
}

// Run as a command only: tests import the topology from this module.
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`[cluster] error: ${err instanceof Fail ? err.message : err.stack}\n`);
    process.exitCode = 1;
  });
}
