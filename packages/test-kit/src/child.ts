import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** The repository root (test-kit lives in packages/test-kit/src or dist). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface TypeScriptChild {
  process: ChildProcess;
  /** Every complete stdout line so far. */
  lines: string[];
  /** Resolves with the first line matching `predicate` (including lines already seen). */
  waitForLine(predicate: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Text the process wrote to stderr, for failure messages. */
  stderr(): string;
}

/**
 * Runs a TypeScript file as a separate Node process that resolves workspace packages from their sources,
 * as the tests themselves do. Only complete lines count, so a line cut off by kill -9 is never seen.
 * `wrapper`: a command that execs the node command line it is given (e.g. `['ip', 'netns', 'exec', 'ns1']`
 * to run the process in a network namespace); it must exec, so that the child's pid is node's.
 */
export function runTypeScript(
  file: string,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
  wrapper: readonly string[] = [],
): TypeScriptChild {
  const command = [
    ...wrapper,
    process.execPath,
    '--conditions=sluice:source',
    '--import',
    'tsx',
    file,
    ...args,
  ];
  const child = spawn(command[0]!, command.slice(1), {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const listener of listeners) listener();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    process: child,
    lines,
    exited,
    stderr: () => stderr,
    waitForLine(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find(predicate);
          if (line === undefined) return false;
          finish();
          resolve(line);
          return true;
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no matching line from ${file} within ${timeoutMs} ms; stderr:\n${stderr}`));
        }, timeoutMs);
        const onExit = () => {
          if (check()) return;
          finish();
          reject(new Error(`${file} exited before printing the expected line; stderr:\n${stderr}`));
        };
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        if (check()) return;
        listeners.add(check);
        child.once('exit', onExit);
      });
    },
  };
}
