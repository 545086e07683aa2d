import { SluiceError } from '@sluice/errors';

/**
 * Why the herder refused a request. The control plane knows no HTTP: the REST layer maps each code to a
 * status in one place. Messages are Kafka Connect's wording, since users' scripts match on them.
 */
export type HerderErrorCode =
  | 'SLUICE_NOT_FOUND'
  | 'SLUICE_ALREADY_EXISTS'
  | 'SLUICE_CONFLICT'
  | 'SLUICE_BAD_REQUEST'
  | 'SLUICE_NOT_LEADER'
  | 'SLUICE_NOT_OWNER'
  | 'SLUICE_REBALANCE_NEEDED'
  | 'SLUICE_REQUEST_TIMEOUT';

/** The base of the herder's domain errors. */
export class HerderError extends SluiceError {
  declare readonly code: HerderErrorCode;

  constructor(code: HerderErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}

/** The connector, task or plugin does not exist (Connect's `NotFoundException`). */
export class NotFoundError extends HerderError {
  constructor(message: string) {
    super('SLUICE_NOT_FOUND', message);
  }
}

/** Creating something that exists (Connect's `AlreadyExistsException`). */
export class AlreadyExistsError extends HerderError {
  constructor(message: string) {
    super('SLUICE_ALREADY_EXISTS', message);
  }
}

/** The request conflicts with what the cluster is doing now (tasks still stopping, …); it may succeed later. */
export class ConflictError extends HerderError {
  constructor(message: string) {
    super('SLUICE_CONFLICT', message);
  }
}

/** The request cannot be served as given: an invalid config, offsets the connector rejects, … */
export class BadRequestError extends HerderError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('SLUICE_BAD_REQUEST', message, options);
  }
}

/** Only the leader may do this; the REST layer forwards to `leaderUrl` (Connect's `NotLeaderException`). */
export class NotLeaderError extends HerderError {
  readonly leaderUrl: string | undefined;

  constructor(what: string, leaderUrl: string | undefined) {
    super('SLUICE_NOT_LEADER', `${what} ${leaderUrl === undefined ? '' : `(leader: ${leaderUrl})`}`.trim());
    this.leaderUrl = leaderUrl;
  }
}

/** Only the worker that runs it may do this; the REST layer forwards to `ownerUrl` (Connect's `NotAssignedException`). */
export class NotOwnerError extends HerderError {
  readonly ownerUrl: string | undefined;

  constructor(what: string, ownerUrl: string | undefined) {
    super('SLUICE_NOT_OWNER', `${what} ${ownerUrl === undefined ? '' : `(owner: ${ownerUrl})`}`.trim());
    this.ownerUrl = ownerUrl;
  }
}

/** The config changed under the request and the cluster must rebalance first (Connect's `RebalanceNeededException`). */
export class RebalanceNeededError extends HerderError {
  constructor() {
    super(
      'SLUICE_REBALANCE_NEEDED',
      'Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)',
    );
  }
}

/** The worker could not answer in time (Connect's request timeout). */
export class RequestTimeoutError extends HerderError {
  constructor(message: string) {
    super('SLUICE_REQUEST_TIMEOUT', message);
  }
}
