import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SluiceError } from '@sluice/errors';
import { StoreLockedError } from '../errors.js';

/** The file whose lock is held: an empty SQLite database, never written. */
export const LOCK_FILE = 'sluice.lock';
/** Who holds the lock: written by the holder after taking it, removed before letting it go. */
export const HOLDER_FILE = 'sluice.pid';

/** How long to wait for a holder that has just taken the lock to say who it is. */
const HOLDER_WAIT_MS = 1000;

interface Holder {
  pid: number;
  host: string;
  /** Tells processes apart beyond the pid, which another PID namespace (a container) may share. */
  token: string;
  since: string;
}

/**
 * The same in every thread of this process and different in any other: host name, pid and, on Linux, the
 * process's start time (so that two containers whose workers are both pid 1 differ).
 */
const PROCESS_TOKEN = ((): string => {
  let start = '';
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Field 22 (starttime); the fields after the command name, which may hold spaces, start at field 3.
    start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    // Not Linux: host and pid tell live processes apart.
  }
  return `${hostname()} ${process.pid} ${start}`;
})();

/**
 * The lock that keeps two processes off one data directory. A kernel file lock is held (SQLite's reserved lock
 * on `sluice.lock`, through better-sqlite3), so a process killed with SIGKILL leaves nothing that blocks the
 * next start. The lock is per process, not per open: the first open in a process takes it and writes
 * `sluice.pid`; opens in the same process (the worker's task threads each open the store) find it held by
 * their own process and go on without holding it. Another process is refused with the directory and the
 * holder's pid. The holder keeps the lock until its log closes (in the worker, the main thread's log, which is
 * opened first and closed last).
 */
export class StoreLock {
  readonly #db: Database.Database | null;
  readonly #holderFile: string;

  private constructor(db: Database.Database | null, holderFile: string) {
    this.#db = db;
    this.#holderFile = holderFile;
  }

  /** Takes the lock of `dataDir`, or joins this process's; throws a StoreLockedError when another holds it. */
  static acquire(dataDir: string): StoreLock {
    const lockFile = join(dataDir, LOCK_FILE);
    const holderFile = join(dataDir, HOLDER_FILE);
    let db: Database.Database | undefined;
    try {
      db = new Database(lockFile);
      db.pragma('busy_timeout = 0');
      // Nothing is ever written: no journal file.
      db.pragma('journal_mode = MEMORY');
      db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      db?.close();
      if ((error as { code?: string }).code !== 'SQLITE_BUSY') {
        throw new SluiceError(
          'SLUICE_STORE_OPEN_FAILED',
          `cannot take the lock ${lockFile} of data.dir ${dataDir}: ${(error as Error).message}. ` +
            'The file holds no data: when no Sluice worker runs on this directory, remove it and start again.',
          { cause: error },
        );
      }
      return StoreLock.#join(dataDir, holderFile);
    }
    const holder: Holder = {
      pid: process.pid,
      host: hostname(),
      token: PROCESS_TOKEN,
      since: new Date().toISOString(),
    };
    try {
      const temporary = `${holderFile}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify(holder)}\n`);
      renameSync(temporary, holderFile);
    } catch (error) {
      db.close();
      throw new SluiceError(
        'SLUICE_STORE_OPEN_FAILED',
        `cannot write ${holderFile} in data.dir ${dataDir}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return new StoreLock(db, holderFile);
  }

  /** The lock is held: by this process (fine), or by another (refused). */
  static #join(dataDir: string, holderFile: string): StoreLock {
    // A holder writes who it is right after taking the lock; give it a moment to.
    const deadline = Date.now() + HOLDER_WAIT_MS;
    let holder = readHolder(holderFile);
    while (holder?.token !== PROCESS_TOKEN && Date.now() < deadline) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      holder = readHolder(holderFile);
    }
    if (holder?.token === PROCESS_TOKEN) return new StoreLock(null, holderFile);
    const who =
      holder === null
        ? 'another process (it has not recorded its pid)'
        : `pid ${holder.pid}${holder.host === hostname() ? '' : ` on ${holder.host}`} (since ${holder.since})`;
    throw new StoreLockedError(
      `data.dir ${dataDir} is in use by ${who}: two workers on one store would both run every connector. ` +
        'Stop that worker, or give this one another data.dir. (The lock goes with the process that holds it, ' +
        `even one killed with SIGKILL; ${join(dataDir, LOCK_FILE)} need not be removed.)`,
    );
  }

  /** Whether this open holds the lock for the process (the first open), rather than sharing it. */
  get holds(): boolean {
    return this.#db !== null;
  }

  /** Lets the lock go (when this open holds it): `sluice.pid` first, so that nobody reads a stale holder. */
  release(): void {
    if (this.#db === null || !this.#db.open) return;
    if (readHolder(this.#holderFile)?.token === PROCESS_TOKEN) rmSync(this.#holderFile, { force: true });
    this.#db.close();
  }
}

function readHolder(file: string): Holder | null {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof holder.token === 'string' && typeof holder.pid === 'number' ? (holder as Holder) : null;
  } catch {
    return null;
  }
}
