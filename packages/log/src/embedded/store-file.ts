import { closeSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StoreCorruptError } from '../errors.js';

/** The store: one SQLite database in WAL mode. */
export const STORE_FILE = 'sluice.db';
/**
 * Written once the store exists, with its cluster id: a store file found missing or empty while this says
 * there was one was truncated, deleted or replaced, and is not taken for a new, empty store.
 */
export const MARKER_FILE = 'sluice.db.id';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** What is known of a store before it is opened. */
export interface StoreFileState {
  readonly file: string;
  readonly marker: string;
  /** The cluster id the marker records, or null when there is no marker (a new store, or an older Sluice's). */
  readonly recordedClusterId: string | null;
  /** Whether there is no store yet: no file, or an empty one with nothing that says there was one. */
  readonly fresh: boolean;
}

/** What to do, for every message about a damaged store. */
function remedy(file: string, marker: string): string {
  return (
    ` Starting would lose every connector config, status and offset. Stop the worker and restore ${file} (with` +
    ` ${file}-wal if there is one) from a backup; or, to start with an empty store, remove ${file},` +
    ` ${file}-wal, ${file}-shm and ${marker}.`
  );
}

/**
 * Checks the store file before SQLite opens it, since SQLite takes an empty file for a new database and
 * reports a damaged one only as "file is not a database". Refused, with what is wrong and what to do: an
 * empty or missing file when the marker or a non-empty write-ahead log says there was a store; a file that
 * does not start with SQLite's header; a file shorter than its header says (truncated).
 */
export function checkStoreFile(dataDir: string): StoreFileState {
  const file = join(dataDir, STORE_FILE);
  const marker = join(dataDir, MARKER_FILE);
  const recordedClusterId = readMarker(marker);
  const size = fileSize(file);
  const walSize = fileSize(`${file}-wal`) ?? 0;
  if (size === null || size === 0) {
    const state = size === null ? 'missing' : 'empty (0 bytes)';
    if (recordedClusterId !== null) {
      throw new StoreCorruptError(
        `The embedded store ${file} is ${state}, but ${marker} records that it held the store of cluster ` +
          `${recordedClusterId}: it was truncated, deleted or replaced.${remedy(file, marker)}`,
      );
    }
    if (walSize > 0) {
      throw new StoreCorruptError(
        `The embedded store ${file} is ${state}, but its write-ahead log ${file}-wal holds ${walSize} bytes: ` +
          `the store file was truncated or deleted.${remedy(file, marker)}`,
      );
    }
    return { file, marker, recordedClusterId, fresh: true };
  }
  const header = readStart(file, 100);
  if (
    header.length < SQLITE_HEADER.length ||
    !header.subarray(0, SQLITE_HEADER.length).equals(SQLITE_HEADER)
  ) {
    throw new StoreCorruptError(
      `The embedded store ${file} is not an SQLite database: its first bytes are not SQLite's header, so it ` +
        `was overwritten or is not a Sluice store.${remedy(file, marker)}`,
    );
  }
  if (header.length === 100) {
    const rawPageSize = header.readUInt16BE(16);
    const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize;
    const pages = header.readUInt32BE(28);
    // The page count in the header is valid when its version number matches the change counter.
    const counted = header.readUInt32BE(92) === header.readUInt32BE(24);
    if (counted && pages > 0 && size < pageSize * pages) {
      throw new StoreCorruptError(
        `The embedded store ${file} is truncated: it has ${size} bytes, but its header says ${pages} pages of ` +
          `${pageSize} bytes (${pageSize * pages}).${remedy(file, marker)}`,
      );
    }
  } else {
    throw new StoreCorruptError(
      `The embedded store ${file} is truncated: it has ${size} bytes, less than SQLite's 100-byte header.` +
        remedy(file, marker),
    );
  }
  return { file, marker, recordedClusterId, fresh: false };
}

/** The message for a store SQLite could not read, with the reason and what to do. */
export function damagedStoreMessage(state: StoreFileState, reason: string): string {
  return `The embedded store ${state.file} is damaged: ${reason}.${remedy(state.file, state.marker)}`;
}

/** The message for a store whose cluster id is not the one the marker records. */
export function replacedStoreMessage(state: StoreFileState, clusterId: string | null): string {
  const held = clusterId === null ? 'holds no Sluice store' : `holds the store of cluster ${clusterId}`;
  return (
    `The embedded store ${state.file} ${held}, but ${state.marker} records cluster ${state.recordedClusterId}: ` +
    `the file was replaced.${remedy(state.file, state.marker)}`
  );
}

/** Records the store's cluster id (atomically: a crash leaves the old marker or the new one). */
export function writeMarker(state: StoreFileState, clusterId: string): void {
  const temporary = `${state.marker}.${process.pid}.tmp`;
  writeFileSync(temporary, `${clusterId}\n`);
  renameSync(temporary, state.marker);
}

function readMarker(marker: string): string | null {
  try {
    const text = readFileSync(marker, 'utf8').trim();
    return text === '' ? null : text;
  } catch {
    return null;
  }
}

function fileSize(path: string): number | null {
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

function readStart(file: string, length: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, 0);
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
