import type { ConfigDef } from '../config/config-def.js';
import type { ConnectRecord } from '../record/records.js';

/**
 * A single message transform (Connect's `Transformation`). `apply` is synchronous on purpose: it runs for
 * every record on the task's thread, and a transform is a pure function of the record, as in Connect.
 */
export interface Transformation<R extends ConnectRecord = ConnectRecord> {
  /** Called once with the transform's config (`transforms.<alias>.*` without the prefix). */
  configure(configs: Record<string, unknown>): void;
  /** The transformed record (`record.newRecord({...})`), or null to drop it. */
  apply(record: R): R | null;
  config(): ConfigDef;
  close(): void;
}

/** A condition that decides whether a transform applies to a record (Connect's `Predicate`). */
export interface Predicate<R extends ConnectRecord = ConnectRecord> {
  configure(configs: Record<string, unknown>): void;
  test(record: R): boolean;
  config(): ConfigDef;
  close(): void;
}
