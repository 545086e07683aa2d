#!/usr/bin/env node
// The whole check, as CI runs it: types, lint, format, then every test against a real Kafka broker
// that this script starts with scripts/kafka and always stops. Set SLUICE_KAFKA_BOOTSTRAP to use a
// cluster you already run instead. Extra arguments go to vitest (e.g. a file filter).
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const kafkaScript = join(root, 'scripts', 'kafka');
const kafkaDir = join(root, '.kafka', 'test');

function step(title, command, args) {
  process.stderr.write(`\n== ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`test: ${title} failed\n`);
    process.exit(result.status ?? 1);
  }
}

function requireTool(command, args, what) {
  const probe = spawnSync(command, args, { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    process.stderr.write(
      `test: ${what} is needed for the Kafka-backed tests and was not found (\`${command}\`).\n` +
        '      Install JDK 17 and Maven, e.g. `apt-get install openjdk-17-jdk-headless maven`.\n',
    );
    process.exit(1);
  }
}

step('types', process.execPath, [
  join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
  '-p',
  'tsconfig.test.json',
]);
step('lint', bin('eslint'), ['--max-warnings=0', '.']);
step('format', bin('prettier'), ['--check', '--log-level=warn', '.']);

let bootstrap = process.env.SLUICE_KAFKA_BOOTSTRAP;
let startedKafka = false;
if (!bootstrap) {
  requireTool('java', ['-version'], 'Java (JDK 17)');
  requireTool('mvn', ['-v'], 'Maven');
  process.stderr.write('\n== kafka (scripts/kafka up)\n');
  const up = spawnSync(kafkaScript, ['up', '--dir', kafkaDir], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (up.status !== 0) {
    process.stderr.write('test: could not start Kafka with scripts/kafka\n');
    process.exit(up.status ?? 1);
  }
  bootstrap = up.stdout.trim().split('\n').pop();
  startedKafka = true;
  process.stderr.write(`kafka: ${bootstrap}\n`);
}

function stopKafka() {
  if (!startedKafka) return;
  startedKafka = false;
  spawnSync(kafkaScript, ['down', '--dir', kafkaDir], { cwd: root, stdio: 'inherit' });
}

process.stderr.write('\n== tests (vitest)\n');
const vitest = spawn(bin('vitest'), ['run', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SLUICE_KAFKA_BOOTSTRAP: bootstrap },
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => vitest.kill(signal));
}
vitest.on('exit', (code, signal) => {
  stopKafka();
  process.exit(code ?? (signal ? 1 : 0));
});
