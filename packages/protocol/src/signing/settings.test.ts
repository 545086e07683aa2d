import { ConfigError } from '@sluice/errors';
import { describe, expect, it } from 'vitest';
import { INTERNAL_REQUEST_SETTING_NAMES, resolveInternalRequestSettings } from './settings.js';

// Connect's own messages for these settings are asserted in connect-golden.test.ts; these are the cases
// where Sluice refuses what Connect accepts, and the shape of what it resolves.
const SUPPORTED =
  '[HmacMD5, HmacSHA1, HmacSHA224, HmacSHA256, HmacSHA384, HmacSHA512, HmacSHA512/224, HmacSHA512/256, HmacSHA3-224, HmacSHA3-256, HmacSHA3-384, HmacSHA3-512]';

function refusal(settings: Record<string, string>): ConfigError {
  try {
    resolveInternalRequestSettings(new Map(Object.entries(settings)));
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the settings were accepted');
}

describe('resolveInternalRequestSettings', () => {
  it("resolves Connect's defaults", () => {
    expect(resolveInternalRequestSettings(new Map())).toEqual({
      keyGenerationAlgorithm: 'HmacSHA256',
      keySizeBits: null,
      keyTtlMs: 3_600_000,
      signatureAlgorithm: 'HmacSHA256',
      verificationAlgorithms: ['HmacSHA256'],
    });
  });

  it('keeps the verification algorithms in order and ignores settings it does not own', () => {
    const settings = resolveInternalRequestSettings(
      new Map([
        ['inter.worker.verification.algorithms', ' HmacSHA512 ,HmacSHA3-256, HmacSHA256 '],
        ['inter.worker.signature.algorithm', 'HmacSHA3-256'],
        ['inter.worker.key.generation.algorithm', 'HmacSHA512'],
        ['inter.worker.key.size', '512'],
        ['inter.worker.key.ttl.ms', '2147483647'],
        ['group.id', 'cluster'],
      ]),
    );
    expect(settings).toEqual({
      keyGenerationAlgorithm: 'HmacSHA512',
      keySizeBits: 512,
      keyTtlMs: 2_147_483_647,
      signatureAlgorithm: 'HmacSHA3-256',
      verificationAlgorithms: ['HmacSHA512', 'HmacSHA3-256', 'HmacSHA256'],
    });
  });

  it('lists the five settings in order', () => {
    expect(INTERNAL_REQUEST_SETTING_NAMES).toEqual([
      'inter.worker.key.ttl.ms',
      'inter.worker.key.generation.algorithm',
      'inter.worker.key.size',
      'inter.worker.signature.algorithm',
      'inter.worker.verification.algorithms',
    ]);
  });

  it.each<[Record<string, string>, string, string]>([
    // Connect accepts AES (a JVM key generator) and SslMacMD5 (a JVM MAC); Sluice computes HMACs only.
    [
      { 'inter.worker.key.generation.algorithm': 'AES' },
      'inter.worker.key.generation.algorithm',
      `Invalid value AES for configuration inter.worker.key.generation.algorithm: the algorithm is not supported by this worker; the supported algorithms are: ${SUPPORTED}`,
    ],
    [
      {
        'inter.worker.signature.algorithm': 'SslMacMD5',
        'inter.worker.verification.algorithms': 'SslMacMD5',
      },
      'inter.worker.signature.algorithm',
      `Invalid value SslMacMD5 for configuration inter.worker.signature.algorithm: the algorithm is not supported by this worker; the supported algorithms are: ${SUPPORTED}`,
    ],
    [
      { 'inter.worker.verification.algorithms': 'HmacSHA256,HmacPBESHA256' },
      'inter.worker.verification.algorithms',
      `Invalid value HmacPBESHA256 for configuration inter.worker.verification.algorithms: the algorithm is not supported by this worker; the supported algorithms are: ${SUPPORTED}`,
    ],
    // Connect accepts these sizes and fails when the leader generates the first key.
    [
      { 'inter.worker.key.generation.algorithm': 'HmacSHA1', 'inter.worker.key.size': '0' },
      'inter.worker.key.size',
      'Unable to create key generator with algorithm HmacSHA1 and key size 0: Empty key',
    ],
    [
      { 'inter.worker.key.size': '2147483647' },
      'inter.worker.key.size',
      'Unable to create key generator with algorithm HmacSHA256 and key size 2147483647: Key length must be at most 2147483640 bits',
    ],
  ])('refuses %j', (settings, key, message) => {
    const error = refusal(settings);
    expect(error.key).toBe(key);
    expect(error.message).toBe(message);
  });

  it('names the setting on every refusal', () => {
    expect(refusal({ 'inter.worker.key.ttl.ms': '-1' }).key).toBe('inter.worker.key.ttl.ms');
    expect(refusal({ 'inter.worker.key.size': 'x' }).key).toBe('inter.worker.key.size');
    expect(refusal({ 'inter.worker.key.size': '8' }).key).toBe('inter.worker.key.size');
    expect(refusal({ 'inter.worker.signature.algorithm': 'HmacSHA1' }).key).toBe(
      'inter.worker.signature.algorithm',
    );
    expect(refusal({ 'inter.worker.verification.algorithms': '' }).key).toBe(
      'inter.worker.verification.algorithms',
    );
  });
});
