import { describe, expect, it } from 'vitest';
import { backoffDelay, isRetriableStatus, parseRetryAfter, retryDelay, type RetryPolicy } from './retry.js';
import { StatusCodes } from './status-codes.js';

const policy: RetryPolicy = {
  maxRetries: 5,
  backoffMs: 100,
  backoffMaxMs: 1000,
  retryAfterMaxMs: 5000,
  retryOn: StatusCodes.parse('retry.on.status.codes', '500-'),
};

describe('retries', () => {
  it('always retries 401, 408, 429 and 504, and otherwise what retry.on.status.codes lists', () => {
    expect([401, 408, 429, 504, 500, 503, 400, 404].map((s) => isRetriableStatus(policy, s))).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    const none = { ...policy, retryOn: StatusCodes.parse('k', '') };
    expect(isRetriableStatus(none, 429)).toBe(true);
    expect(isRetriableStatus(none, 500)).toBe(false);
  });

  it('backs off exponentially with equal jitter, capped', () => {
    expect(backoffDelay(policy, 1, () => 0)).toBe(50);
    expect(backoffDelay(policy, 1, () => 1)).toBe(100);
    expect(backoffDelay(policy, 2, () => 1)).toBe(200);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(300);
    expect(backoffDelay(policy, 10, () => 1)).toBe(1000);
    expect(backoffDelay(policy, 10, () => 0)).toBe(500);
    for (let retry = 1; retry < 60; retry++) {
      const delay = backoffDelay(policy, retry);
      expect(delay).toBeGreaterThanOrEqual(50);
      expect(delay).toBeLessThanOrEqual(1000);
    }
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Wednesday, 21-Oct-15 07:28:04 GMT', now)).toBe(4000);
    expect(parseRetryAfter('Wed Oct 21 07:28:05 2015', now)).toBeGreaterThan(0);
    expect(parseRetryAfter('Tue, 20 Oct 2015 07:28:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(['2', '9'], now)).toBe(2000);
    for (const bad of [undefined, '', '1.5', '-1', 'soon', '2015-10-21'])
      expect(parseRetryAfter(bad, now)).toBeNull();
  });

  it('honours Retry-After on 429 and 503 only, up to retry.after.max.ms', () => {
    expect(retryDelay(policy, 1, 429, '2', () => 0)).toBe(2000);
    expect(retryDelay(policy, 1, 503, '2', () => 0)).toBe(2000);
    expect(retryDelay(policy, 1, 429, '3600', () => 0)).toBe(5000);
    expect(retryDelay(policy, 1, 500, '2', () => 0)).toBe(50);
    expect(retryDelay(policy, 2, 429, 'whenever', () => 0)).toBe(100);
    expect(retryDelay(policy, 1, null, undefined, () => 1)).toBe(100);
  });
});
