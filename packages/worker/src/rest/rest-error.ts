import { SluiceError } from '@sluice/errors';

/** An error the REST API answers with a given HTTP status, as `{"error_code": status, "message": …}`. */
export class RestError extends SluiceError {
  readonly status: number;

  constructor(status: number, message: string, options: { cause?: unknown } = {}) {
    super(`SLUICE_REST_${status}`, message, options);
    this.status = status;
  }
}

/** Kafka Connect's error body. */
export interface ErrorBody {
  error_code: number;
  message: string;
}

/** Maps any error to a status and Connect's error body, in one place. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (
    error instanceof RestError ||
    (SluiceError.is(error) && typeof (error as RestError).status === 'number')
  ) {
    const status = (error as RestError).status;
    return { status, body: { error_code: status, message: (error as RestError).message } };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: { error_code: 500, message } };
}
