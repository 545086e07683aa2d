import { SluiceError } from '@sluice/errors';

/** log4j's levels, most severe first. OFF silences a logger; ALL shows everything. */
export const LEVELS = ['OFF', 'FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE', 'ALL'] as const;
export type Level = (typeof LEVELS)[number];

export const ROOT = 'root';

/**
 * How many loggers the REST API may create (`PUT /admin/loggers/<name>` for a name no logger has): log4j
 * never forgets a logger, so without a bound every new name would stay in memory and in `GET /admin/loggers`.
 * Setting a namespace that exists (or root) is never refused.
 */
export const MAX_CREATED_LOGGERS = 1000;

/** The longest logger name the REST API takes; class and package names are far shorter. */
export const MAX_LOGGER_NAME_LENGTH = 256;

/** A logger the REST API may not create: its name is too long, or it would pass `MAX_CREATED_LOGGERS`. */
export class LoggerLimitError extends SluiceError {
  constructor(message: string) {
    super('SLUICE_LOGGER_LIMIT', message);
  }
}

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
 * Named loggers with log4j's rules, as Kafka Connect 3.9's `Loggers` (its log4j 1 variant) exposes them
 * through `/admin/loggers`: a logger without its own level inherits its nearest dotted ancestor's, and
 * setting a namespace's level sets it on every known logger whose name starts with the namespace. Lines go
 * to stderr in Connect's default layout (`[time] LEVEL message (logger)`).
 */
export class Loggers {
  /** Levels set on loggers (root always has one), with when the REST API last changed each. */
  readonly #levels = new Map<string, LoggerLevel>([[ROOT, { level: 'INFO', last_modified: null }]]);
  /** Every logger created so far (log4j's current loggers), root aside. */
  readonly #known = new Set<string>();
  /** Those the REST API created (`setLevel` on an unknown namespace), bounded by `#maxCreated`. */
  readonly #created = new Set<string>();
  readonly #maxCreated: number;
  readonly #write: (line: string) => void;
  readonly #now: () => number;

  constructor(
    options: {
      rootLevel?: Level;
      write?: (line: string) => void;
      now?: () => number;
      /** @default MAX_CREATED_LOGGERS */
      maxCreated?: number;
    } = {},
  ) {
    this.#write = options.write ?? ((line) => process.stderr.write(line));
    this.#maxCreated = options.maxCreated ?? MAX_CREATED_LOGGERS;
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

  /** Every logger with a level of its own (root included, OFF ones too), by name, as log4j 1 lists them. */
  allLevels(): Record<string, LoggerLevel> {
    const out: Record<string, LoggerLevel> = {};
    for (const name of [...this.#levels.keys()].sort()) out[name] = { ...this.#levels.get(name)! };
    return out;
  }

  /** A known logger's level (its effective one if it has none of its own), or undefined. */
  level(name: string): LoggerLevel | undefined {
    if (isRoot(name)) return { ...this.#levels.get(ROOT)! };
    const own = this.#levels.get(name);
    if (own !== undefined) return { ...own };
    return this.#known.has(name) ? { level: this.effectiveLevel(name), last_modified: null } : undefined;
  }

  /**
   * Sets `level` on every logger in `namespace` and returns all of them, sorted, changed or not. A logger
   * whose (effective) level already is `level` is left alone: it keeps inheriting and its `last_modified`.
   * Throws `LoggerLimitError` (changing nothing) for a namespace no logger has when its name is longer than
   * `MAX_LOGGER_NAME_LENGTH` or `MAX_CREATED_LOGGERS` were created this way already.
   */
  setLevel(namespace: string, level: Level): string[] {
    const affected = this.#namespace(namespace);
    const now = this.#now();
    for (const name of affected) {
      if (this.level(name)?.level === level) continue;
      this.#levels.set(name, { level, last_modified: now });
    }
    return affected.sort();
  }

  /**
   * The loggers a namespace covers: for root, all of them; otherwise those whose names start with it
   * (plain prefix, as Connect matches), plus the namespace's own logger, created if need be.
   */
  #namespace(namespace: string): string[] {
    if (isRoot(namespace)) return [...this.#known, ROOT];
    if (!this.#known.has(namespace)) {
      if (namespace.length > MAX_LOGGER_NAME_LENGTH) {
        throw new LoggerLimitError(
          `Logger names are at most ${MAX_LOGGER_NAME_LENGTH} characters long; this one has ${namespace.length}`,
        );
      }
      if (this.#created.size >= this.#maxCreated) {
        throw new LoggerLimitError(
          `Cannot create logger ${namespace}: ${this.#created.size} loggers were created through the REST API ` +
            `already, the most this worker keeps; set the level of an existing logger or namespace instead`,
        );
      }
      this.#created.add(namespace);
    }
    this.#known.add(namespace);
    return [...this.#known].filter((name) => name.startsWith(namespace));
  }
}

/** log4j names the root logger "root", whatever the case; an empty namespace means it too. */
function isRoot(name: string): boolean {
  return name === '' || name.toLowerCase() === ROOT;
}
