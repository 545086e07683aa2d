import type { StatusCodes } from './status-codes.js';

/**
 * Statuses retried whatever `retry.on.status.codes` says, as the reference promises for "unauthorized,
 * timeouts and too many requests": 401, 408 Request Timeout, 429 and 504 Gateway Timeout.
 */
export const ALWAYS_RETRIED = Object.freeze([401, 408, 429, 504]);

/** Statuses whose `Retry-After` header is honoured. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/** When and how long to retry a failed request. */
export interface RetryPolicy {
  /** Retries after the first attempt (`max.retries`). */
  readonly maxRetries: number;
  /** First backoff (`retry.backoff.ms`), doubled for each further retry. */
  readonly backoffMs: number;
  /** Longest backoff (`retry.backoff.max.ms`). */
  readonly backoffMaxMs: number;
  /** Longest wait a `Retry-After` header can ask for (`retry.after.max.ms`). */
  readonly retryAfterMaxMs: number;
  /** `retry.on.status.codes`. */
  readonly retryOn: StatusCodes;
}

/** Whether a response with this (non-2xx) status is retried. */
export function isRetriableStatus(policy: RetryPolicy, status: number): boolean {
  return ALWAYS_RETRIED.includes(status) || policy.retryOn.has(status);
}

/**
 * The wait before retry number `retry` (1 for the first): exponential from `backoffMs`, capped at
 * `backoffMaxMs`, with "equal jitter" (half fixed, half random) so that many tasks failing together do not
 * retry in lockstep, yet no wait is shorter than half the nominal one.
 */
export function backoffDelay(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  const nominal = Math.min(policy.backoffMaxMs, policy.backoffMs * 2 ** Math.min(retry - 1, 30));
  return Math.round(nominal / 2 + random() * (nominal / 2));
}

/**
 * A `Retry-After` value in milliseconds: delay-seconds (`120`) or an HTTP date (`Wed, 21 Oct 2015 07:28:00
 * GMT`, a past date being 0). Null when the header is missing or unreadable.
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  now: number = Date.now(),
): number | null {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only HTTP dates (RFC 9110 §5.6.7, which Date.parse reads in all three forms), not any text Date.parse takes.
  if (!/^[A-Za-z]{3,9}, /.test(text) && !/^[A-Za-z]{3} [A-Za-z]{3} /.test(text)) return null;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * How long to wait before retry number `retry` after a response with `status` (null after a transport
 * failure): the server's `Retry-After` on 429 and 503, capped at `retryAfterMaxMs`, otherwise the backoff.
 */
export function retryDelay(
  policy: RetryPolicy,
  retry: number,
  status: number | null,
  retryAfter: string | string[] | undefined,
  random: () => number = Math.random,
): number {
  if (status !== null && RETRY_AFTER_STATUSES.has(status)) {
    const asked = parseRetryAfter(retryAfter);
    if (asked !== null) return Math.min(asked, policy.retryAfterMaxMs);
  }
  return backoffDelay(policy, retry, random);
}
