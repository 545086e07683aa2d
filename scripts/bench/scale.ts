// How many light tasks a worker carries: Sluice (one worker, and a cluster of --workers workers) and Apache
// Kafka Connect 3.9.1 (one worker) on one broker, in one run. A light task is a FileStreamSource connector
// (one task each) on a one-line file that never grows: each task reads its line once, produces it, and then
// polls an idle file. Task counts go up in steps (--steps, totals for one worker; --cluster-steps for the
// cluster); after each step, once every connector and task is RUNNING, the worker's VmRSS and RssAnon are
// read from /proc and `GET /connectors/<name>/status` is sent at a steady open-loop rate (--rate per second
// for --seconds), latency counted from when each request was due. A runtime that does not get every task
// RUNNING within --timeout seconds stops there and says why.
// Run: npm run bench:scale [-- --runtime sluice,connect,sluice-cluster --steps 250,500,1000 --bootstrap B]
// (results go in docs/benchmarks.md by hand, with the machine line printed here)
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { KafkaLog } from '@sluice/log';
import {
  cleanUp,
  connectClasspath,
  distributedProperties,
  log,
  logTail,
  freePort,
  rssBytes,
  sleep,
  spawnWorker,
  startBroker,
  startConnect,
  startSluice,
  stopProcess,
  tempDir,
  waitFor200,
  type SpawnedWorker,
  machineDescription,
} from './harness.js';

const { values } = parseArgs({
  options: {
    runtime: { type: 'string', default: 'control,sluice,connect,sluice-cluster' },
    steps: { type: 'string', default: '250,500,1000' },
    'cluster-steps': { type: 'string', default: '750,1500,3000' },
    workers: { type: 'string', default: '3' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '20' },
    timeout: { type: 'string', default: '600' },
    bootstrap: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
  },
});
const steps = values.steps.split(',').map(Number);
const clusterSteps = values['cluster-steps'].split(',').map(Number);
const clusterSize = Number(values.workers);
const rate = Number(values.rate);
const loadSeconds = Number(values.seconds);
const stepTimeoutMs = Number(values.timeout) * 1000;
const createConcurrency = Number(values.concurrency);
const jsonConverter = 'org.apache.kafka.connect.json.JsonConverter';
const common = {
  'key.converter': jsonConverter,
  'value.converter': jsonConverter,
  'key.converter.schemas.enable': false,
  'value.converter.schemas.enable': false,
  // Both runtimes' default; the tasks have nothing to commit after their one line anyway.
  'offset.flush.interval.ms': 60_000,
  'scheduled.rebalance.max.delay.ms': 0,
};

/** One step of one runtime: the work it carries and what it cost. */
interface StepResult {
  runtime: string;
  workers: number;
  tasks: number;
  /** Tasks RUNNING when the step ended (every one, unless it stopped short). */
  running: number;
  /** From the first create of this step to every task RUNNING. */
  rampSeconds: number;
  /** Per worker, after every task is RUNNING and 5 s of settling. */
  vmRss: number[];
  rssAnon: number[];
  threads: number[];
  /** CPU used while idle (the 10 s before the load), as a share of one core, summed over the workers. */
  idleCpu: number;
  /** CPU used during the load, likewise. */
  loadCpu: number;
  /** Tasks per worker, from the status' worker ids. */
  perWorker: number[];
  load: LoadResult | undefined;
  /** Highest VmRSS / RssAnon of any worker while the load ran. */
  loadedVmRss: number;
  loadedRssAnon: number;
  loadAverage: number;
  /** Records in the topic: one per task that produced its line. */
  records: number;
  /** Why the step stopped short, if it did. */
  stopped?: string;
}

// ---------------------------------------------------------------------------------------------------------------
// /proc
// ---------------------------------------------------------------------------------------------------------------

function threadCount(pid: number): number {
  try {
    return Number(/^Threads:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on: utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The status load: open loop, a request every 1000/rate ms whatever the answers do
// ---------------------------------------------------------------------------------------------------------------

interface LoadResult {
  sent: number;
  ok: number;
  errors: number;
  /** Error kinds and how many of each. */
  errorKinds: Map<string, number>;
  /** Latency from when each request was due to its answer's end (ms). */
  p50: number;
  p99: number;
  max: number;
  /** Latency from when each request was written to its answer's end: the worker's share, without our queue. */
  serviceP50: number;
  serviceP99: number;
  /** The rate actually offered (requests issued / seconds). */
  offered: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;

/**
 * Sends `GET /connectors/<name>/status` at `rate` per second for `seconds`, round-robin over the connectors
 * and the workers, on keep-alive connections. Latency runs from when a request was due (not when a free
 * socket sent it), so a stall counts against every request it delays (no coordinated omission); a request
 * not answered 2 s after it was due is an error. The service time (written → answered) is kept apart: on a
 * busy machine the load generator's own queue can dominate the first.
 */
async function statusLoad(rests: string[], names: string[], seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const service: number[] = [];
  const errorKinds = new Map<string, number>();
  const fail = (kind: string) => errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
  const inFlight = new Set<Promise<void>>();
  const fire = (i: number, due: number) => {
    const base = new URL(rests[i % rests.length]!);
    const name = names[Math.floor(i / rests.length) % names.length]!;
    const done = new Promise<void>((resolve) => {
      let written = NaN;
      let settled = false;
      const settle = (error?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === undefined) {
          const end = performance.now();
          latencies.push(end - due);
          service.push(end - written);
        } else fail(error);
        resolve();
      };
      const req = request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          path: `/connectors/${encodeURIComponent(name)}/status`,
        },
        (res) => {
          res.resume();
          res.on('end', () => settle(res.statusCode === 200 ? undefined : `HTTP ${res.statusCode}`));
          res.on('error', (error) => settle(error.message));
        },
      );
      const timer = setTimeout(
        () => {
          settle('no answer 2 s after due');
          req.destroy();
        },
        Math.max(0, due + 2000 - performance.now()),
      );
      req.on('finish', () => (written = performance.now()));
      req.on('error', (error) => settle(error.message));
      req.end();
    });
    inFlight.add(done);
    void done.then(() => inFlight.delete(done));
  };
  const start = performance.now();
  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        fire(next, start + next * interval);
        next++;
      }
      if (next >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 1);
  });
  const offered = total / ((performance.now() - start) / 1000);
  await Promise.all([...inFlight]);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  service.sort((a, b) => a - b);
  const errors = [...errorKinds.values()].reduce((a, b) => a + b, 0);
  return {
    sent: total,
    ok: latencies.length,
    errors,
    errorKinds,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    max: latencies[latencies.length - 1] ?? NaN,
    serviceP50: quantile(service, 0.5),
    serviceP99: quantile(service, 0.99),
    offered,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Connectors: create up to a count, wait for RUNNING
// ---------------------------------------------------------------------------------------------------------------

async function createConnectors(
  rests: string[],
  names: string[],
  config: Record<string, string>,
  deadline: number,
): Promise<void> {
  let next = 0;
  let retries = 0;
  const worker = async () => {
    while (next < names.length) {
      const i = next++;
      const name = names[i]!;
      for (;;) {
        if (Date.now() > deadline) throw new Error(`creating ${name}: out of time`);
        // Round-robin over the workers: a follower forwards the create to the leader.
        const response = await fetch(`${rests[i % rests.length]}/connectors`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name, config: { ...config, name } }),
          signal: AbortSignal.timeout(60_000),
        }).catch((error: unknown) => error as Error);
        if (!(response instanceof Error) && response.status === 201) {
          await response.arrayBuffer();
          break;
        }
        // 409 is a rebalance in progress (or a create that went through before a retry): try again
        // unless it exists. So is an answer that did not come in time.
        const why =
          response instanceof Error ? response.message : `${response.status} ${await response.text()}`;
        const exists = await fetch(`${rests[0]}/connectors/${encodeURIComponent(name)}`, {
          signal: AbortSignal.timeout(10_000),
        }).then(
          async (r) => (await r.arrayBuffer(), r.status === 200),
          () => false,
        );
        if (exists) break;
        retries++;
        if (retries <= 10 || retries % 100 === 0)
          log(`POST /connectors ${name}: ${why.slice(0, 200)}; retrying`);
        await sleep(500);
      }
    }
  };
  await Promise.all(Array.from({ length: createConcurrency }, () => worker()));
}

interface Census {
  connectors: number;
  running: number;
  failed: string[];
  perWorker: Map<string, number>;
}

async function census(rest: string): Promise<Census> {
  const response = await fetch(`${rest}/connectors?expand=status`, { signal: AbortSignal.timeout(30_000) });
  if (response.status !== 200) throw new Error(`GET /connectors?expand=status: ${response.status}`);
  const body = (await response.json()) as Record<
    string,
    {
      status: {
        connector: { state: string };
        tasks: { id: number; state: string; worker_id: string; trace?: string }[];
      };
    }
  >;
  const out: Census = { connectors: 0, running: 0, failed: [], perWorker: new Map() };
  for (const [name, { status }] of Object.entries(body)) {
    out.connectors++;
    for (const task of status.tasks) {
      if (task.state === 'RUNNING') {
        out.running++;
        out.perWorker.set(task.worker_id, (out.perWorker.get(task.worker_id) ?? 0) + 1);
      } else if (task.state === 'FAILED') {
        out.failed.push(`${name}-${task.id}: ${(task.trace ?? '').split('\n', 1)[0]}`);
      }
    }
    if (status.connector.state === 'FAILED') out.failed.push(`${name}: connector FAILED`);
  }
  return out;
}

/** Polls until `want` tasks are RUNNING; returns the last census (short of `want` if time ran out). */
async function waitRunning(
  rest: string,
  want: number,
  deadline: number,
  workers: SpawnedWorker[],
): Promise<{ census: Census; reached: boolean }> {
  let last: Census = { connectors: 0, running: 0, failed: [], perWorker: new Map() };
  let lastReport = Date.now();
  for (;;) {
    for (const worker of workers) {
      if (worker.child.exitCode !== null || worker.child.signalCode !== null)
        throw new Error(`${worker.runtime} (pid ${worker.child.pid}) exited`);
    }
    try {
      last = await census(rest);
    } catch (error) {
      log(`census: ${(error as Error).message}`);
    }
    if (last.failed.length > 0) throw new Error(`failed: ${last.failed.slice(0, 5).join('; ')}`);
    if (last.running >= want) return { census: last, reached: true };
    if (Date.now() > deadline) return { census: last, reached: false };
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      log(`${last.running} of ${want} tasks RUNNING (${last.connectors} connectors)`);
    }
    await sleep(1000);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// One runtime through its steps
// ---------------------------------------------------------------------------------------------------------------

async function topicRecords(bootstrap: string, topic: string): Promise<number> {
  const kafka = await KafkaLog.open({ brokers: bootstrap.split(','), clientId: 'sluice-bench-scale' });
  try {
    return (await kafka.offsets(topic)).reduce((sum, p) => sum + p.end, 0);
  } finally {
    await kafka.close();
  }
}

async function runSteps(
  label: string,
  workers: SpawnedWorker[],
  counts: number[],
  bootstrap: string,
  inputFile: string,
): Promise<StepResult[]> {
  const rests = workers.map((worker) => worker.rest);
  for (const worker of workers) {
    const ms = await waitFor200(`${worker.rest}/connectors`, worker.child, worker.spawnedAt, label, 300_000);
    log(`${label}: ${worker.rest} accepts connectors after ${ms.toFixed(0)} ms`);
  }
  const id = `${workers[0]!.runtime}-${Date.now().toString(36)}`;
  const topic = `bench-scale-${id}`;
  const kafka = await KafkaLog.open({ brokers: bootstrap.split(','), clientId: 'sluice-bench-scale' });
  try {
    await kafka.createTopic({ name: topic, partitions: 1, replicationFactor: 1 });
  } finally {
    await kafka.close();
  }
  const config = {
    'connector.class': 'FileStreamSource',
    'tasks.max': '1',
    file: inputFile,
    topic,
  };
  const results: StepResult[] = [];
  let created = 0;
  for (const count of counts) {
    const started = Date.now();
    const deadline = started + stepTimeoutMs;
    const names = Array.from({ length: count - created }, (_, i) => `scale-${id}-${created + i}`);
    log(`${label}: creating connectors ${created} to ${count - 1}`);
    let stopped: string | undefined;
    try {
      await createConnectors(rests, names, config, deadline);
    } catch (error) {
      stopped = `creating connectors: ${(error as Error).message}`;
    }
    created = count;
    const { census: seen, reached } = await waitRunning(rests[0]!, count, deadline, workers);
    const rampSeconds = (Date.now() - started) / 1000;
    if (!reached) {
      stopped ??=
        `${seen.running} of ${count} tasks RUNNING (${seen.connectors} connectors created) after ` +
        `${(stepTimeoutMs / 1000).toFixed(0)} s`;
    }
    log(`${label}: ${seen.running} of ${count} tasks RUNNING after ${rampSeconds.toFixed(1)} s`);
    await sleep(5000); // let the start-up settle before calling it steady
    const cpu = () => workers.reduce((sum, w) => sum + cpuSeconds(w.child.pid!), 0);
    const idleFrom = cpu();
    await sleep(10_000);
    const idleCpu = (cpu() - idleFrom) / 10;
    const result: StepResult = {
      runtime: label,
      workers: workers.length,
      tasks: count,
      running: seen.running,
      rampSeconds,
      vmRss: workers.map((w) => rssBytes(w.child.pid!)),
      rssAnon: workers.map((w) => rssBytes(w.child.pid!, 'RssAnon')),
      threads: workers.map((w) => threadCount(w.child.pid!)),
      idleCpu,
      loadCpu: 0,
      perWorker: [...seen.perWorker.values()].sort((a, b) => b - a),
      load: undefined,
      loadedVmRss: 0,
      loadedRssAnon: 0,
      loadAverage: loadavg()[0]!,
      records: await topicRecords(bootstrap, topic),
      ...(stopped === undefined ? {} : { stopped }),
    };
    const allNames = Array.from({ length: count }, (_, i) => `scale-${id}-${i}`);
    const sample = () => {
      for (const w of workers) {
        result.loadedVmRss = Math.max(result.loadedVmRss, rssBytes(w.child.pid!));
        result.loadedRssAnon = Math.max(result.loadedRssAnon, rssBytes(w.child.pid!, 'RssAnon'));
      }
    };
    const sampler = setInterval(sample, 500);
    const loadFrom = cpu();
    const loadStart = performance.now();
    try {
      result.load = await statusLoad(rests, allNames, loadSeconds);
      result.loadCpu = (cpu() - loadFrom) / ((performance.now() - loadStart) / 1000);
    } finally {
      clearInterval(sampler);
      sample();
    }
    const { load } = result;
    log(
      `${label}: ${count} tasks: VmRSS ${result.vmRss.map(mib).join('/')} MiB, RssAnon ` +
        `${result.rssAnon.map(mib).join('/')} MiB, threads ${result.threads.join('/')}, CPU idle ` +
        `${pct(result.idleCpu)} / loaded ${pct(result.loadCpu)} of a core; status p50 ` +
        `${load.p50.toFixed(1)} ms, p99 ${load.p99.toFixed(1)} ms, max ${load.max.toFixed(1)} ms (service p50 ` +
        `${load.serviceP50.toFixed(1)}, p99 ${load.serviceP99.toFixed(1)} ms; offered ${load.offered.toFixed(0)}/s), ` +
        `${load.errors} errors of ${load.sent}${formatKinds(load.errorKinds)}; load average ` +
        `${result.loadAverage.toFixed(1)}`,
    );
    results.push(result);
    if (stopped !== undefined) {
      log(`${label}: stopped at ${count}: ${stopped}`);
      break;
    }
  }
  return results;
}

/**
 * The same status load against a bare node:http server that answers `{}` at once, in its own process: what
 * this machine and this load generator manage at the moment, without any worker behind the answers.
 */
async function control(label: string): Promise<StepResult> {
  const port = await freePort();
  const logFile = join(tempDir('sluice-bench-control-'), 'server.log');
  const server =
    "require('node:http').createServer((q, s) => { s.setHeader('content-type', 'application/json'); " +
    `s.end('{}'); }).listen(${port}, '127.0.0.1', () => console.log('listening'));`;
  const { child, spawnedAt } = spawnWorker(process.execPath, ['-e', server], logFile);
  try {
    await waitFor200(`http://127.0.0.1:${port}/`, child, spawnedAt, label, 60_000);
    const cpu = () => cpuSeconds(child.pid!);
    const from = cpu();
    const started = performance.now();
    const load = await statusLoad([`http://127.0.0.1:${port}`], ['x'], loadSeconds);
    const loadCpu = (cpu() - from) / ((performance.now() - started) / 1000);
    log(
      `${label}: status p50 ${load.p50.toFixed(1)} ms, p99 ${load.p99.toFixed(1)} ms, max ${load.max.toFixed(1)} ms ` +
        `(service p50 ${load.serviceP50.toFixed(1)}, p99 ${load.serviceP99.toFixed(1)} ms), ${load.errors} errors ` +
        `of ${load.sent}; load average ${loadavg()[0]!.toFixed(1)}`,
    );
    return {
      runtime: label,
      workers: 1,
      tasks: 0,
      running: 0,
      rampSeconds: 0,
      vmRss: [rssBytes(child.pid!)],
      rssAnon: [rssBytes(child.pid!, 'RssAnon')],
      threads: [threadCount(child.pid!)],
      idleCpu: 0,
      loadCpu,
      perWorker: [0],
      load,
      loadedVmRss: 0,
      loadedRssAnon: 0,
      loadAverage: loadavg()[0]!,
      records: 0,
    };
  } finally {
    await stopProcess(child);
  }
}

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const pct = (share: number) => `${(share * 100).toFixed(0)}%`;
const formatKinds = (kinds: Map<string, number>) =>
  kinds.size === 0 ? '' : ` (${[...kinds].map(([kind, n]) => `${kind}: ${n}`).join(', ')})`;

// ---------------------------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------------------------

const labels: Record<string, string> = {
  control: 'control: a bare node:http server',
  sluice: 'Sluice, 1 worker',
  'sluice-cluster': `Sluice, ${clusterSize} workers`,
  connect: 'Apache Kafka Connect 3.9.1, 1 worker',
  'connect-cluster': `Apache Kafka Connect 3.9.1, ${clusterSize} workers`,
};
const results: StepResult[] = [];
let failed = false;
const startLoad = loadavg()[0]!;
try {
  const inputFile = join(tempDir('sluice-bench-scale-'), 'in.txt');
  writeFileSync(inputFile, 'one line that every task reads once\n');
  const needsBroker = values.runtime.split(',').some((runtime) => runtime !== 'control');
  const bootstrap = values.bootstrap ?? (needsBroker ? startBroker('bench-scale') : '');
  for (const runtime of values.runtime.split(',')) {
    const label = labels[runtime];
    if (label === undefined)
      throw new Error(`unknown runtime '${runtime}' (${Object.keys(labels).join(', ')})`);
    if (runtime === 'control') {
      results.push(await control(label));
      continue;
    }
    const group = `bench-scale-${runtime}-${Date.now().toString(36)}`;
    const props = { ...common, ...distributedProperties(bootstrap, group) };
    const cluster = runtime.endsWith('-cluster');
    const size = cluster ? clusterSize : 1;
    const workers: SpawnedWorker[] = [];
    const classpath = runtime.startsWith('connect') ? connectClasspath() : '';
    try {
      for (let i = 0; i < size; i++) {
        workers.push(
          runtime.startsWith('connect')
            ? await startConnect(classpath, props, runtime)
            : await startSluice(runtime, props),
        );
      }
      results.push(...(await runSteps(label, workers, cluster ? clusterSteps : steps, bootstrap, inputFile)));
    } catch (error) {
      for (const worker of workers) log(`--- tail of ${worker.logFile} ---\n${logTail(worker)}`);
      throw error;
    } finally {
      await Promise.all(workers.map((worker) => stopProcess(worker.child)));
    }
  }
} catch (error) {
  failed = true;
  log(`failed: ${(error as Error).stack ?? String(error)}`);
} finally {
  await cleanUp();
}

console.log(
  `\nMachine: ${machineDescription()}; ` +
    `load average ${startLoad.toFixed(1)} at the start; FileStreamSource tasks (1 per connector) ` +
    `on a one-line file; status load ${rate} req/s for ${loadSeconds} s, open loop; 1 KRaft broker (Kafka 3.9.1)\n`,
);
console.log(
  '| runtime | tasks | RUNNING after (s) | tasks per worker | VmRSS (MiB) | RssAnon (MiB) | tasks per GiB RssAnon | threads | CPU idle / loaded | status p50 / p99 / max (ms) | service p50 / p99 (ms) | errors | load avg |',
);
console.log('| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  // Tasks carried per GiB of anonymous RSS, over all the workers.
  const anon = r.rssAnon.reduce((a, b) => a + b, 0);
  const perGiB = r.running === 0 ? 'n/a' : Math.round(r.running / (anon / 2 ** 30)).toLocaleString('en-US');
  const load = r.load;
  const latency =
    load === undefined ? 'n/a' : `${load.p50.toFixed(1)} / ${load.p99.toFixed(1)} / ${load.max.toFixed(0)}`;
  const serviceTime =
    load === undefined ? 'n/a' : `${load.serviceP50.toFixed(1)} / ${load.serviceP99.toFixed(1)}`;
  console.log(
    `| ${r.runtime} | ${r.running === r.tasks ? r.tasks : `${r.running} of ${r.tasks}`} | ${r.rampSeconds.toFixed(0)} | ` +
      `${r.perWorker.join(' / ')} | ${r.vmRss.map(mib).join(' / ')} | ${r.rssAnon.map(mib).join(' / ')} | ${perGiB} | ` +
      `${r.threads.join(' / ')} | ${pct(r.idleCpu)} / ${pct(r.loadCpu)} | ${latency} | ${serviceTime} | ${load === undefined ? 'n/a' : `${load.errors} of ${load.sent}`} | ` +
      `${r.loadAverage.toFixed(1)} |`,
  );
}
for (const r of results.filter((r) => r.stopped !== undefined))
  console.log(`\n${r.runtime} stopped at ${r.tasks}: ${r.stopped}`);
// Sluice against Connect, step by step (one worker each).
const connectSteps = new Map(results.filter((r) => r.runtime === labels['connect']).map((r) => [r.tasks, r]));
const sluiceSteps = results.filter((r) => r.runtime === labels['sluice']);
if (connectSteps.size > 0 && sluiceSteps.length > 0) {
  console.log(
    '\n| tasks | VmRSS Sluice / Connect | RssAnon Sluice / Connect | status p99 Sluice / Connect |',
  );
  console.log('| ---: | ---: | ---: | ---: |');
  for (const s of sluiceSteps) {
    const c = connectSteps.get(s.tasks);
    if (c === undefined || c.running !== c.tasks) continue;
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    console.log(
      `| ${s.tasks} | ${ratio(s.vmRss[0]!, c.vmRss[0]!)} | ${ratio(s.rssAnon[0]!, c.rssAnon[0]!)} | ` +
        `${s.load && c.load ? ratio(s.load.p99, c.load.p99) : 'n/a'} |`,
    );
  }
}
if (failed) process.exitCode = 1;
