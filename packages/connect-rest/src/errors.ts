import { SluiceError } from '@sluice/errors';
import { HttpError } from '@sluice/rest';

/** Connect's 409 when the worker that must serve a request is not known (`HerderRequestHandler`). */
export const NO_KNOWN_LEADER =
  'Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.';

/** HTTP status of each of the herder's domain errors: the one place the control plane meets HTTP. */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  SLUICE_NOT_FOUND: 404,
  SLUICE_ALREADY_EXISTS: 409,
  SLUICE_CONFLICT: 409,
  SLUICE_BAD_REQUEST: 400,
  SLUICE_CONFIG_INVALID: 400,
  SLUICE_REBALANCE_NEEDED: 409,
  SLUICE_REQUEST_TIMEOUT: 500,
  // Reaching here means forwarding did not apply (see forwarding.ts): nobody known to ask.
  SLUICE_NOT_LEADER: 409,
  SLUICE_NOT_OWNER: 409,
  // Internal requests whose signature does not hold (KIP-507), as Connect answers them.
  SLUICE_INTERNAL_REQUEST_UNSIGNED: 400,
  SLUICE_INTERNAL_REQUEST_UNSUPPORTED_ALGORITHM: 400,
  SLUICE_INTERNAL_REQUEST_MALFORMED_SIGNATURE: 400,
  SLUICE_INTERNAL_REQUEST_NO_SESSION_KEY: 503,
  SLUICE_INTERNAL_REQUEST_INVALID_SIGNATURE: 403,
};

/** The HttpError for a domain error of the control plane, or undefined for anything else (a 500). */
export function mapHerderError(error: unknown): HttpError | undefined {
  if (!SluiceError.is(error)) return undefined;
  const status = STATUS_BY_CODE[error.code];
  if (status === undefined) return undefined;
  const message =
    error.code === 'SLUICE_NOT_LEADER' || error.code === 'SLUICE_NOT_OWNER' ? NO_KNOWN_LEADER : error.message;
  return new HttpError(status, message, { cause: error });
}
