import { SluiceError } from '@sluice/errors';

export interface ConnectErrorOptions {
  cause?: unknown;
}

/**
 * Base error of the connector API (Kafka Connect's `ConnectException`). A connector or task that throws
 * it fails; the runtime reports the message and trace in the status. Subclasses set their stable code
 * and retriability through the static fields, so the hierarchy matches Connect's (`DataException` and
 * `RetriableException` are `ConnectException`s) while each keeps its own `code` across threads.
 */
export class ConnectError extends SluiceError {
  static readonly CODE: string = 'SLUICE_CONNECT';
  static readonly RETRIABLE: boolean = false;

  constructor(message: string, options: ConnectErrorOptions = {}) {
    const kind = new.target;
    super(kind.CODE, message, { cause: options.cause, retriable: kind.RETRIABLE });
  }
}

/** Data that does not match its schema, or bytes a converter cannot read (Kafka Connect's `DataException`). */
export class DataError extends ConnectError {
  static override readonly CODE: string = 'SLUICE_CONNECT_DATA';
}

/**
 * A failure that may pass if the same call is made again (Kafka Connect's `RetriableException`): the runtime
 * retries the `poll`/`put` instead of failing the task. `retriable` is true and survives a thread boundary.
 */
export class RetriableError extends ConnectError {
  static override readonly CODE: string = 'SLUICE_CONNECT_RETRIABLE';
  static override readonly RETRIABLE: boolean = true;
}
