import { mkdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '@sluice/errors';
import { AllowedPaths } from './allowed-paths.js';
import { useTempDir } from './fixtures.test-helpers.js';

const KEY = 'config.providers.file.param.allowed.paths';
const tempDir = useTempDir();

describe('AllowedPaths', () => {
  it('allows every path, as given, when unset or empty', () => {
    for (const value of [undefined, '']) {
      const allowed = AllowedPaths.parse(value, KEY);
      expect(allowed.pathToRead('/etc/../etc/passwd', vi.fn())).toBe('/etc/../etc/passwd');
      expect(allowed.pathToRead('relative/file', vi.fn())).toBe('relative/file');
    }
  });

  it('reads nothing for an empty path, without a warning', () => {
    const warn = vi.fn();
    expect(AllowedPaths.parse(undefined, KEY).pathToRead('', warn)).toBeUndefined();
    expect(warn).not.toHaveBeenCalled();
  });

  it('allows a listed path and what lies beneath it, normalized, and nothing else', () => {
    const root = join(tempDir(), 'secrets');
    mkdirSync(root);
    const other = join(tempDir(), 'other');
    mkdirSync(other);
    const allowed = AllowedPaths.parse(`${root}${sep},${other}`, KEY);
    const warn = vi.fn();
    expect(allowed.pathToRead(root, warn)).toBe(root);
    expect(allowed.pathToRead(`${root}/./db/../db.properties`, warn)).toBe(join(root, 'db.properties'));
    expect(allowed.pathToRead(`${other}/x`, warn)).toBe(join(other, 'x'));
    expect(warn).not.toHaveBeenCalled();

    for (const outside of [
      `${root}2/x`,
      `${root}/../escape`,
      tempDir(),
      'secrets/db.properties',
      '/etc/passwd',
    ]) {
      expect(allowed.pathToRead(outside, warn)).toBeUndefined();
    }
    expect(warn).toHaveBeenCalledTimes(5);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('/etc/passwd is not in allowed.paths'));
  });

  it('allows everything beneath the root directory', () => {
    expect(AllowedPaths.parse('/', KEY).pathToRead('/etc/../var/x', vi.fn())).toBe('/var/x');
  });

  it('ignores trailing empty entries, as Java’s split does, and then allows nothing for a lone comma', () => {
    expect(AllowedPaths.parse(`${tempDir()},,`, KEY).pathToRead(join(tempDir(), 'x'), vi.fn())).toBeDefined();
    expect(AllowedPaths.parse(',', KEY).pathToRead(join(tempDir(), 'x'), vi.fn())).toBeUndefined();
  });

  it('refuses a relative, untrimmed, empty or missing entry, naming the key', () => {
    const missing = join(tempDir(), 'missing');
    const cases: [string, string][] = [
      ['relative/dir', "path 'relative/dir' is not absolute"],
      [`${tempDir()}, ${tempDir()}`, `path ' ${tempDir()}' is not absolute`],
      [`,${tempDir()}`, "path '' is not absolute"],
      [missing, `path '${missing}' does not exist`],
    ];
    for (const [value, message] of cases) {
      expect(() => AllowedPaths.parse(value, KEY)).toThrow(new ConfigError(KEY, `${KEY}: ${message}`));
      expect(() => AllowedPaths.parse(value, KEY)).toThrow(expect.objectContaining({ key: KEY }));
    }
  });
});
