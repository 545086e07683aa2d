import { ConfigError, SluiceError } from '@sluice/errors';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as crypto from 'node:crypto';
import { InternalRequestRejected, signInternalRequest, verifyInternalRequest } from './request-signature.js';
import type { SessionKey } from './session-key.js';

// Counts the constant-time comparisons while behaving as node:crypto does.
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof crypto>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const key = (fill: number, creationTimestamp = 0): SessionKey => ({
  key: Buffer.alloc(32, fill),
  algorithm: 'HmacSHA256',
  creationTimestamp,
});
const current = key(1);
const previous = key(2);
const body = Buffer.from('[{"task.class":"T","file":"/tmp/ünïcode ✓"}]', 'utf8');

function request(
  headers: Record<string, string>,
  options: Partial<Parameters<typeof verifyInternalRequest>[0]> = {},
) {
  return () =>
    verifyInternalRequest({
      headers: (name) => headers[name],
      body,
      key: current,
      verificationAlgorithms: ['HmacSHA256'],
      ...options,
    });
}

function rejection(verify: () => unknown): InternalRequestRejected {
  try {
    verify();
  } catch (error) {
    if (error instanceof InternalRequestRejected) return error;
    throw error;
  }
  throw new Error('the request was accepted');
}

afterEach(() => vi.mocked(crypto.timingSafeEqual).mockClear());

describe('signInternalRequest', () => {
  it("keeps the configured algorithm's spelling in the header, looked up as Java does", () => {
    const canonical = signInternalRequest(current, 'HmacSHA256', body);
    expect(signInternalRequest(current, 'hmacsha256', body)).toEqual({
      'X-Connect-Authorization': canonical['X-Connect-Authorization'],
      'X-Connect-Request-Signature-Algorithm': 'hmacsha256',
    });
    expect(signInternalRequest(current, 'OID.1.2.840.113549.2.9', body)['X-Connect-Authorization']).toBe(
      canonical['X-Connect-Authorization'],
    );
  });

  it('refuses an algorithm it cannot compute, naming the setting', () => {
    for (const algorithm of ['SslMacMD5', 'HmacFoo']) {
      const sign = () => signInternalRequest(current, algorithm, body);
      expect(sign).toThrow(ConfigError);
      expect(sign).toThrow(
        `Invalid value ${algorithm} for configuration inter.worker.signature.algorithm: the algorithm is not supported by this worker; the supported algorithms are: [HmacMD5, HmacSHA1, HmacSHA224, HmacSHA256, HmacSHA384, HmacSHA512, HmacSHA512/224, HmacSHA512/256, HmacSHA3-224, HmacSHA3-256, HmacSHA3-384, HmacSHA3-512]`,
      );
    }
  });
});

describe('verifyInternalRequest', () => {
  const signed = signInternalRequest(current, 'HmacSHA256', body);

  it('returns the key that signed the request', () => {
    expect(request(signed)()).toBe(current);
  });

  it('gives each reason a stable code and only a missing key as retriable', () => {
    const cases = [
      [request({}), 'missing-signature', 'SLUICE_INTERNAL_REQUEST_UNSIGNED', false],
      [
        request({ ...signed, 'X-Connect-Request-Signature-Algorithm': 'HmacSHA1' }),
        'unsupported-algorithm',
        'SLUICE_INTERNAL_REQUEST_UNSUPPORTED_ALGORITHM',
        false,
      ],
      [
        request({ ...signed, 'X-Connect-Authorization': '%%%%' }),
        'malformed-signature',
        'SLUICE_INTERNAL_REQUEST_MALFORMED_SIGNATURE',
        false,
      ],
      [request(signed, { key: undefined }), 'no-session-key', 'SLUICE_INTERNAL_REQUEST_NO_SESSION_KEY', true],
      [
        request(signed, { body: Buffer.from('[]') }),
        'invalid-signature',
        'SLUICE_INTERNAL_REQUEST_INVALID_SIGNATURE',
        false,
      ],
    ] as const;
    for (const [verify, reason, code, retriable] of cases) {
      const error = rejection(verify);
      expect({ reason: error.reason, code: error.code, retriable: error.retriable }).toEqual({
        reason,
        code,
        retriable,
      });
      expect(SluiceError.is(error)).toBe(true);
      expect(error.name).toBe('InternalRequestRejected');
    }
  });

  it("checks in Connect's order: an unknown algorithm before a malformed signature", () => {
    const error = rejection(
      request({
        'X-Connect-Authorization': 'not base64!',
        'X-Connect-Request-Signature-Algorithm': 'HmacFoo',
      }),
    );
    expect([error.reason, error.message]).toEqual([
      'unsupported-algorithm',
      'Algorithm HmacFoo not available',
    ]);
    // A missing header wins over everything else.
    expect(
      rejection(request({ 'X-Connect-Request-Signature-Algorithm': 'HmacFoo' }, { key: undefined })).reason,
    ).toBe('missing-signature');
    // The list is checked before the key.
    expect(
      rejection(
        request({ ...signed, 'X-Connect-Request-Signature-Algorithm': 'HmacSHA512' }, { key: undefined }),
      ).reason,
    ).toBe('unsupported-algorithm');
  });

  it('treats a null header (as fetch Headers return it) as absent', () => {
    const verify = () =>
      verifyInternalRequest({
        headers: (name) => (name === 'X-Connect-Authorization' ? null : 'HmacSHA256'),
        body,
        key: current,
        verificationAlgorithms: ['HmacSHA256'],
      });
    expect(rejection(verify).reason).toBe('missing-signature');
  });

  it('refuses an algorithm from the list that Sluice cannot compute', () => {
    const error = rejection(
      request(
        { ...signed, 'X-Connect-Request-Signature-Algorithm': 'SslMacMD5' },
        { verificationAlgorithms: ['SslMacMD5'] },
      ),
    );
    expect(error.reason).toBe('unsupported-algorithm');
    expect(error.message).toContain("does not support the 'SslMacMD5' key signing algorithm");
    expect(error.message).toContain('This worker is currently configured to use: [SslMacMD5].');
  });

  it('verifies every algorithm of a mixed list, each with its own digest', () => {
    const list = ['HmacSHA256', 'HmacSHA512', 'HmacSHA3-256'];
    for (const algorithm of list) {
      const headers = signInternalRequest(current, algorithm, body);
      expect(request(headers, { verificationAlgorithms: list })()).toBe(current);
      // The same signature under another algorithm's name does not verify.
      const other = list.find((a) => a !== algorithm)!;
      expect(
        rejection(
          request(
            { ...headers, 'X-Connect-Request-Signature-Algorithm': other },
            { verificationAlgorithms: list },
          ),
        ).reason,
      ).toBe('invalid-signature');
    }
  });

  it('accepts previous keys only when given, and only alongside a current key', () => {
    const oldSigned = signInternalRequest(previous, 'HmacSHA256', body);
    expect(rejection(request(oldSigned)).reason).toBe('invalid-signature');
    expect(request(oldSigned, { previousKeys: [previous] })()).toBe(previous);
    expect(request(signed, { previousKeys: [previous] })()).toBe(current);
    expect(rejection(request(oldSigned, { key: undefined, previousKeys: [previous] })).reason).toBe(
      'no-session-key',
    );
    expect(
      rejection(request(signInternalRequest(key(3), 'HmacSHA256', body), { previousKeys: [previous] }))
        .reason,
    ).toBe('invalid-signature');
  });

  it('compares in constant time, against every accepted key', () => {
    const compare = vi.mocked(crypto.timingSafeEqual);
    request(signed, { previousKeys: [previous] })();
    expect(compare).toHaveBeenCalledTimes(2);
    compare.mockClear();
    // A signature of another length is unequal without comparing bytes, as Java's MessageDigest.isEqual.
    const truncated = {
      ...signed,
      'X-Connect-Authorization': signed['X-Connect-Authorization']!.slice(0, 20),
    };
    expect(rejection(request(truncated)).reason).toBe('invalid-signature');
    expect(compare).not.toHaveBeenCalled();
  });

  it('signs the bytes, so a body re-encoded as other bytes of the same text fails', () => {
    const nfd = Buffer.from(body.toString('utf8').normalize('NFD'), 'utf8');
    expect(nfd.equals(body)).toBe(false);
    expect(rejection(request(signed, { body: nfd })).reason).toBe('invalid-signature');
  });
});
