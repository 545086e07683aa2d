import { existsSync } from 'node:fs';
import { isAbsolute, normalize, parse, sep } from 'node:path';
import { ConfigError } from '@sluice/errors';
import type { WarningSink } from './config-provider.js';

export const ALLOWED_PATHS_PARAM = 'allowed.paths';

/**
 * KIP-993's `allowed.paths` for the file and directory providers: a comma list of absolute, existing paths.
 * A path is allowed when, normalized, it is one of them or lies beneath one (whole path segments, so
 * `/secrets` does not allow `/secrets2`). Normalizing is lexical (`..` and `.` folded, symlinks not followed),
 * as Java's `Path.normalize`. Unset or empty allows every path.
 */
export class AllowedPaths {
  private constructor(private readonly roots: readonly string[] | undefined) {}

  /** Whether a list is set: only paths within it are read. */
  get restricted(): boolean {
    return this.roots !== undefined;
  }

  /** `key` is the full worker property, for errors. */
  static parse(value: string | undefined, key: string): AllowedPaths {
    if (value === undefined || value === '') return new AllowedPaths(undefined);
    // Entries are not trimmed, as in Kafka: ' /a' is a relative path and refused.
    const roots = splitDroppingTrailingEmpties(value).map((entry) => {
      const root = normalizePath(entry);
      if (!isAbsolute(root)) throw new ConfigError(key, `${key}: path '${entry}' is not absolute`);
      if (!existsSync(root)) throw new ConfigError(key, `${key}: path '${entry}' does not exist`);
      return root;
    });
    return new AllowedPaths(roots);
  }

  /**
   * The path a file or directory provider reads for a variable's `path` (normalized when a list is set), or
   * undefined to read nothing: Kafka reads nothing for an empty path, and for one outside the list, with a
   * warning; either way the variables stay as written.
   */
  pathToRead(path: string, warn: WarningSink): string | undefined {
    if (path === '') return undefined;
    if (this.roots === undefined) return path;
    const normalized = normalizePath(path);
    const allowed = this.roots.some(
      (root) => normalized === root || normalized.startsWith(root.endsWith(sep) ? root : root + sep),
    );
    if (allowed) return normalized;
    warn(`the path ${path} is not in ${ALLOWED_PATHS_PARAM}; its variables are left unresolved`);
    return undefined;
  }
}

/** Java's `Path.normalize`: Node's, without the trailing separator Node keeps. */
function normalizePath(path: string): string {
  const normalized = normalize(path);
  const isRoot = normalized === parse(normalized).root;
  return !isRoot && normalized.endsWith(sep) ? normalized.slice(0, -1) : normalized;
}

/** Java's `String.split(",")`: trailing empty entries are dropped, inner ones kept. */
function splitDroppingTrailingEmpties(value: string): string[] {
  const parts = value.split(',');
  while (parts.at(-1) === '') parts.pop();
  return parts;
}
