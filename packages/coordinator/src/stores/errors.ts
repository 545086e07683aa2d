import { SluiceError } from '@sluice/errors';
import type { LogRecord } from '@sluice/log';

/** Where a record sits, for messages: `topic-partition@offset`. */
export function placeOf(record: LogRecord): string {
  return `${record.topic}-${record.partition}@${record.offset}`;
}

/** A record of an internal topic that this store cannot read; it is skipped, as Connect skips it. */
export class CorruptStateRecordError extends SluiceError {
  constructor(record: LogRecord, problem: string, cause?: unknown) {
    super('SLUICE_CORRUPT_STATE_RECORD', `record at ${placeOf(record)} ${problem}; it was skipped`, {
      cause,
    });
  }
}

/** The store was closed while a read or write waited on it. */
export class StoreClosedError extends SluiceError {
  constructor(topic: string) {
    super('SLUICE_STORE_CLOSED', `the store of topic '${topic}' is closed`);
  }
}

/** The store did not read its topic far enough in time (the broker away, the follower failing). */
export class StoreReadTimeoutError extends SluiceError {
  constructor(topic: string, target: string, timeoutMs: number, cause: unknown) {
    const reason = cause instanceof Error ? `; last error: ${cause.message}` : '';
    super(
      'SLUICE_STORE_READ_TIMEOUT',
      `did not read topic '${topic}' up to ${target} within ${timeoutMs} ms${reason}`,
      {
        cause,
        retriable: true,
      },
    );
  }
}
