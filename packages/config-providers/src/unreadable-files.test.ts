import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// A file the worker may not read must fail like a missing one, so that connector configs cannot probe which
// paths exist. Reading is checked in a child process as another user when the tests run as root (root reads
// everything), else as this user after taking the read permission away.

const dir = mkdtempSync(join(tmpdir(), 'sluice-unreadable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
chmodSync(dir, 0o755);

const unreadable = join(dir, 'unreadable.properties');
writeFileSync(unreadable, 'password=s3cret\n');
chmodSync(unreadable, process.getuid?.() === 0 ? 0o600 : 0o000);
const directory = join(dir, 'a-directory');
mkdirSync(directory, { mode: 0o755 });
const fifo = join(dir, 'a-fifo');
execFileSync('mkfifo', ['-m', '0666', fifo]);
const missing = join(dir, 'missing.properties');

/** Runs `code` (an ES module body, TypeScript imports resolved) as a user who cannot read `unreadable`. */
function asOtherUser(code: string): string {
  const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  return execFileSync(
    process.execPath,
    ['--conditions=sluice:source', '--import', 'tsx', '--input-type=module', '-e', code],
    { cwd: join(import.meta.dirname, '..'), encoding: 'utf8', timeout: 60_000, ...user },
  );
}

describe('a file the worker may not read', () => {
  it('fails ${file:} like a missing file, a directory or a FIFO, when allowed.paths is not set', () => {
    const provider = pathToFileURL(join(import.meta.dirname, 'providers', 'file-config-provider.ts')).href;
    const paths = [missing, unreadable, directory, fifo];
    const output = asOtherUser(`
      const { FileConfigProvider } = await import(${JSON.stringify(provider)});
      const warnings = [];
      const provider = FileConfigProvider.configure({ value: () => undefined, key: (p) => p, warn: (w) => warnings.push(w) });
      const messages = [];
      for (const path of ${JSON.stringify(paths)}) {
        messages.push(await provider.get(path, new Set(['password'])).then(() => 'read', (e) => e.message.replace(path, '<path>')));
      }
      process.stdout.write(JSON.stringify({ messages, warnings }));
    `);
    const { messages, warnings } = JSON.parse(output) as { messages: string[]; warnings: string[] };
    // The worker's log has the reason: the file really was unreadable.
    expect(warnings[1]).toContain('EACCES: permission denied');
    expect(messages).toEqual(
      paths.map(() => 'could not read properties from file <path>: not a readable regular file'),
    );
  });
});
