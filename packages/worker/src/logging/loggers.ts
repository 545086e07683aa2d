/** log4j's levels, most severe first. OFF silences a logger. */
export const LEVELS = ['OFF', 'FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'] as const;
export type Level = (typeof LEVELS)[number];

export const ROOT = 'root';

export interface LoggerLevel {
  level: Level;
  /** When the level was last changed through the REST API (ms), or null. */
  last_modified: number | null;
}

export interface Logger {
  readonly name: string;
  error(message: string, error?: unknown): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  trace(message: string): void;
}

export function isLevel(value: string): value is Level {
  return (LEVELS as readonly string[]).includes(value);
}

/**
 * Named loggers with log4j's rules, as Kafka Connect's `/admin/loggers` exposes them: a logger without
 * its own level inherits its nearest dotted ancestor's, and setting a namespace's level sets it on every
 * known logger under that namespace. Lines go to stderr in Connect's default layout
 * (`[time] LEVEL message (logger)`).
 */
export class Loggers {
  readonly #levels = new Map<string, LoggerLevel>([[ROOT, { level: 'INFO', last_modified: null }]]);
  readonly #known = new Set<string>();
  readonly #write: (line: string) => void;
  readonly #now: () => number;

  constructor(options: { rootLevel?: Level; write?: (line: string) => void; now?: () => number } = {}) {
    this.#write = options.write ?? ((line) => process.stderr.write(line));
    this.#now = options.now ?? Date.now;
    if (options.rootLevel !== undefined)
      this.#levels.set(ROOT, { level: options.rootLevel, last_modified: null });
  }

  get(name: string): Logger {
    this.#known.add(name);
    const log = (level: Level, message: string, error?: unknown) => {
      if (LEVELS.indexOf(level) > LEVELS.indexOf(this.effectiveLevel(name))) return;
      const trace = error instanceof Error && error.stack !== undefined ? `\n${error.stack}` : '';
      this.#write(`[${new Date(this.#now()).toISOString()}] ${level} ${message} (${name})${trace}\n`);
    };
    return {
      name,
      error: (message, error) => log('ERROR', message, error),
      warn: (message) => log('WARN', message),
      info: (message) => log('INFO', message),
      debug: (message) => log('DEBUG', message),
      trace: (message) => log('TRACE', message),
    };
  }

  effectiveLevel(name: string): Level {
    for (let current = name; ; current = current.slice(0, current.lastIndexOf('.'))) {
      const own = this.#levels.get(current);
      if (own !== undefined) return own.level;
      if (!current.includes('.')) return this.#levels.get(ROOT)!.level;
    }
  }

  /** Every logger with a level of its own (root included), by name; OFF ones are left out, as in Connect. */
  allLevels(): Record<string, LoggerLevel> {
    const out: Record<string, LoggerLevel> = {};
    for (const name of [...this.#levels.keys()].sort()) {
      const level = this.#levels.get(name)!;
      if (level.level !== 'OFF') out[name] = { ...level };
    }
    return out;
  }

  /** A known logger's level (its effective one if it has none of its own), or undefined. */
  level(name: string): LoggerLevel | undefined {
    if (name.toLowerCase() === ROOT) return { ...this.#levels.get(ROOT)! };
    const own = this.#levels.get(name);
    if (own !== undefined) return { ...own };
    return this.#known.has(name) ? { level: this.effectiveLevel(name), last_modified: null } : undefined;
  }

  /** Sets a namespace and everything under it; returns the loggers whose level changed, sorted. */
  setLevel(namespace: string, level: Level): string[] {
    const root = namespace.toLowerCase() === ROOT || namespace === '';
    const names = new Set<string>(root ? [ROOT] : [namespace]);
    for (const name of [...this.#known, ...this.#levels.keys()]) {
      if (root || name === namespace || name.startsWith(`${namespace}.`)) names.add(name);
    }
    const changed: string[] = [];
    const now = this.#now();
    for (const name of names) {
      if (this.level(name)?.level === level && this.#levels.has(name)) continue;
      this.#levels.set(name, { level, last_modified: now });
      changed.push(name);
    }
    return changed.sort();
  }
}
