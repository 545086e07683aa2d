/**
 * The one base error of Sluice. Every error carries a stable string `code` (`SLUICE_…`) that callers,
 * REST mappings and other threads match on, and says whether retrying the same operation can succeed.
 *
 * Errors cross worker-thread boundaries as plain objects, so identity is checked by brand
 * (`SluiceError.is`) rather than by `instanceof`, and rebuilt by code on the receiving side.
 */
const brand = Symbol.for('sluice.error');

export interface SluiceErrorOptions {
  cause?: unknown;
  /** Whether the same operation may succeed if tried again. @default false */
  retriable?: boolean;
}

export class SluiceError extends Error {
  readonly code: string;
  readonly retriable: boolean;
  readonly [brand] = true;

  constructor(code: string, message: string, options: SluiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }

  /** True for any Sluice error, including one rebuilt after crossing a thread boundary. */
  static is(value: unknown): value is SluiceError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }

  /** A plain, structured-clone-safe form of this error. */
  toJSON(): SerializedError {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      retriable: this.retriable,
      stack: this.stack,
    };
  }
}

/** Several independent failures at once (for example, closing many resources). */
export class SluiceAggregateError extends SluiceError {
  readonly errors: readonly unknown[];

  constructor(code: string, message: string, errors: readonly unknown[]) {
    super(code, message, { cause: errors[0] });
    this.errors = errors;
  }
}

export interface SerializedError {
  name: string;
  code: string;
  message: string;
  retriable: boolean;
  stack?: string | undefined;
}

/** Rebuilds an error that crossed a thread boundary as its serialized form. */
export function deserializeError(data: SerializedError): SluiceError {
  const error = new SluiceError(data.code, data.message, { retriable: data.retriable });
  error.name = data.name;
  if (data.stack !== undefined) error.stack = data.stack;
  return error;
}

/** Configuration that cannot be accepted; the message names the key. */
export class ConfigError extends SluiceError {
  readonly key: string;

  constructor(key: string, message: string) {
    super('SLUICE_CONFIG_INVALID', message);
    this.key = key;
  }
}
