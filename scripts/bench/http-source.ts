// The HTTP Source connector against a fast local API (1,000 records a page, bodies prepared before the clock
// starts): records/s with one task over one endpoint, and with tasks.max=4 over 4 entities, on Sluice embedded
// and on Kafka (a broker this script starts with scripts/kafka). A run ends when the committed source offsets
// (GET /connectors/{name}/offsets) reach the last record, so every record counted was acknowledged.
// Options: --records N (default 500,000 per run), --backend embedded,kafka, --timeout seconds per wait;
// SLUICE_BENCH_NODE_FLAGS adds node flags to the worker (e.g. --cpu-prof).
// Run: pnpm bench:http-source   (results go in docs/benchmarks.md by hand, with the machine line printed here)
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  cleanUp,
  cleanups,
  createConnector,
  distributedProperties,
  freePort,
  log,
  propertiesText,
  root,
  rssBytes,
  sleep,
  spawnWorker,
  stopProcess,
  nodeFlags,
  startBroker,
  warmUpBroker,
  tempDir,
  waitFor200,
  machineDescription,
} from './harness.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '500000' },
    backend: { type: 'string', default: 'embedded,kafka' },
    timeout: { type: 'string', default: '300' },
  },
});
const PAGE = 1000;
const ENTITIES = ['orders', 'customers', 'invoices', 'shipments'];
const totalRecords = Number(values.records);
const waitMs = Number(values.timeout) * 1000;
if (
  !Number.isInteger(totalRecords) ||
  totalRecords < PAGE * ENTITIES.length ||
  totalRecords % (PAGE * 4) !== 0
)
  throw new Error(`--records must be a multiple of ${PAGE * 4}, got ${values.records}`);

/** Every page of one entity, as response bodies: `{"data": [...]}`, and `{"data": []}` past the end. */
function pages(total: number): Buffer[] {
  const out: Buffer[] = [];
  for (let start = 0; start < total; start += PAGE) {
    const data = [];
    for (let id = start + 1; id <= start + PAGE; id++) {
      data.push({ id, name: `item ${id}`, price: (id % 1000) / 10, active: id % 2 === 0, tags: ['a', 'b'] });
    }
    out.push(Buffer.from(JSON.stringify({ data })));
  }
  return out;
}

async function startApi(): Promise<{ url: string; requests: () => number }> {
  // Enough pages for the largest run (one entity with every record); the 4-entity run uses a quarter each.
  const bodies = pages(totalRecords);
  const empty = Buffer.from('{"data":[]}');
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const start = Number(/[?&]start=(\d+)/.exec(req.url ?? '')?.[1] ?? 'NaN');
    const body = Number.isInteger(start) && start % PAGE === 0 ? (bodies[start / PAGE] ?? empty) : empty;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

interface Result {
  backend: string;
  run: string;
  records: number;
  seconds: number;
  requests: number;
  loadedRssBytes: number;
}

async function committedOffsets(rest: string, connector: string): Promise<number[]> {
  try {
    const response = await fetch(`${rest}/connectors/${connector}/offsets`, {
      signal: AbortSignal.timeout(5000),
    });
    const body = (await response.json()) as { offsets?: Array<{ offset: { offset?: string } }> };
    return (body.offsets ?? []).map((entry) => Number(entry.offset.offset ?? 0));
  } catch {
    return [];
  }
}

async function run(
  worker: { rest: string; pid: number },
  api: { url: string; requests: () => number },
  backend: string,
  tasks: 1 | 4,
): Promise<Result> {
  const name = `bench-http-${tasks}-${Date.now().toString(36)}`;
  const entities = tasks === 1 ? [] : ENTITIES;
  const perPartition = tasks === 1 ? totalRecords : totalRecords / ENTITIES.length;
  const partitions = tasks === 1 ? 1 : ENTITIES.length;
  const config: Record<string, string> = {
    'connector.class': 'HttpSource',
    'tasks.max': String(tasks),
    url:
      tasks === 1
        ? `${api.url}/items?start=\${offset}&limit=${PAGE}`
        : `${api.url}/\${entityName}/items?start=\${offset}&limit=${PAGE}`,
    'http.initial.offset': '0',
    'http.offset.mode': 'SIMPLE_INCREMENTING',
    'http.response.data.json.pointer': '/data',
    'topic.name.pattern': tasks === 1 ? name : `${name}-\${entityName}`,
    'request.interval.ms': '1000',
  };
  if (entities.length > 0) config['entity.names'] = entities.join(',');
  const requestsBefore = api.requests();
  let loadedRssBytes = 0;
  const sampler = setInterval(() => (loadedRssBytes = Math.max(loadedRssBytes, rssBytes(worker.pid))), 200);
  try {
    const started = process.hrtime.bigint();
    await createConnector(worker.rest, name, config);
    const deadline = Date.now() + waitMs;
    for (;;) {
      const offsets = await committedOffsets(worker.rest, name);
      if (offsets.length === partitions && offsets.every((offset) => offset >= perPartition)) break;
      if (Date.now() > deadline)
        throw new Error(`${name}: offsets ${offsets.join(',')} after ${values.timeout} s`);
      await sleep(25);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    log(`${backend}, ${tasks} task(s): ${totalRecords} records in ${seconds.toFixed(2)} s`);
    return {
      backend,
      run: tasks === 1 ? '1 task, 1 endpoint' : `tasks.max=4, ${ENTITIES.length} entities`,
      records: totalRecords,
      seconds,
      requests: api.requests() - requestsBefore,
      loadedRssBytes,
    };
  } finally {
    clearInterval(sampler);
    await fetch(`${worker.rest}/connectors/${name}`, { method: 'DELETE' }).catch(() => undefined);
  }
}

async function startWorker(
  backend: string,
  bootstrap: string,
): Promise<{ rest: string; pid: number; stop(): Promise<void> }> {
  const dir = tempDir('sluice-bench-http-');
  const port = await freePort();
  const group = `bench-http-${Date.now().toString(36)}`;
  const props: Record<string, string | number | boolean> = {
    listeners: `http://127.0.0.1:${port}`,
    'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
    'value.converter.schemas.enable': false,
    ...(backend === 'embedded' ? { 'data.dir': join(dir, 'data') } : distributedProperties(bootstrap, group)),
  };
  const propsFile = join(dir, 'worker.properties');
  writeFileSync(propsFile, propertiesText(props));
  const { child, spawnedAt } = spawnWorker(
    process.execPath,
    [...nodeFlags, join(root, 'packages', 'cli', 'bin', 'sluice.js'), 'worker', propsFile],
    join(dir, 'worker.log'),
  );
  const rest = `http://127.0.0.1:${port}`;
  await waitFor200(`${rest}/connectors`, child, spawnedAt, `sluice (${backend})`, waitMs);
  return { rest, pid: child.pid!, stop: () => stopProcess(child) };
}

const results: Result[] = [];
let failed = false;
try {
  const backends = values.backend.split(',');
  for (const backend of backends) {
    if (backend !== 'embedded' && backend !== 'kafka')
      throw new Error(`unknown backend '${backend}' (embedded, kafka)`);
  }
  const api = await startApi();
  log(`API at ${api.url}: ${totalRecords / PAGE} pages of ${PAGE} records`);
  const bootstrap = backends.includes('kafka') ? startBroker('bench-http-source') : '';
  if (bootstrap !== '') await warmUpBroker(bootstrap);
  for (const backend of backends) {
    const worker = await startWorker(backend, bootstrap);
    try {
      results.push(await run(worker, api, backend, 1));
      results.push(await run(worker, api, backend, 4));
    } finally {
      await worker.stop();
    }
  }
} catch (error) {
  failed = true;
  log(`failed: ${(error as Error).stack ?? String(error)}`);
} finally {
  await cleanUp();
}

console.log(
  `\nMachine: ${machineDescription()}; ${totalRecords.toLocaleString('en-US')} records per run, ${PAGE} a page, ` +
    `JsonConverter without schemas, API in the benchmark process on loopback\n`,
);
console.log('| backend | run | records/s | seconds | requests | loaded RSS (MiB) |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const r of results) {
  console.log(
    `| ${r.backend} | ${r.run} | ${Math.round(r.records / r.seconds).toLocaleString('en-US')} | ${r.seconds.toFixed(2)} | ${r.requests} | ${(r.loadedRssBytes / 2 ** 20).toFixed(0)} |`,
  );
}
process.exitCode = failed ? 1 : 0;
