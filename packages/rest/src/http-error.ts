import { SluiceError } from '@sluice/errors';

/**
 * An error the REST layer answers with a given HTTP status, as `{"error_code": …, "message": …}`.
 * Kafka Connect's `error_code` is the status itself; Confluent's REST Proxy uses five-digit codes
 * (40401, …), given as `errorCode`.
 */
export class HttpError extends SluiceError {
  readonly status: number;
  readonly errorCode: number;

  constructor(status: number, message: string, options: { cause?: unknown; errorCode?: number } = {}) {
    super(`SLUICE_HTTP_${status}`, message, options);
    this.status = status;
    this.errorCode = options.errorCode ?? status;
  }
}

/** The error body both Kafka Connect and Confluent's REST Proxy answer with. */
export interface ErrorBody {
  error_code: number;
  message: string;
}

/** Turns an error a handler threw into an HttpError, or undefined when it is not one this API knows. */
export type ErrorMapper = (error: unknown) => HttpError | undefined;

/**
 * The status and body for any error: an HttpError as it is, then whatever `map` recognises (domain errors
 * of the layer below), and anything else as a 500 with its message.
 */
export function toErrorResponse(error: unknown, map?: ErrorMapper): { status: number; body: ErrorBody } {
  const http = isHttpError(error) ? error : map?.(error);
  if (http !== undefined)
    return { status: http.status, body: { error_code: http.errorCode, message: http.message } };
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: { error_code: 500, message } };
}

/** By brand and shape, so an HttpError from another copy of this package is recognised too. */
export function isHttpError(error: unknown): error is HttpError {
  return (
    SluiceError.is(error) &&
    typeof (error as HttpError).status === 'number' &&
    typeof (error as HttpError).errorCode === 'number'
  );
}
