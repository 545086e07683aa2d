import { describe, expect, it } from 'vitest';
import { parseJsonBody } from '@sluice/rest';
import { decodeBinary, encodeJson, encodeString, recordJson } from './formats.js';

describe('embedded formats', () => {
  it('decodes base64 as Confluent does, refusing anything else with 400', () => {
    expect(decodeBinary('S2Fma2E=')?.toString()).toBe('Kafka');
    expect(decodeBinary('S2Fma2E')?.toString()).toBe('Kafka');
    expect(decodeBinary(null)).toBeNull();
    expect(decodeBinary(undefined)).toBeNull();
    expect(() => decodeBinary(12)).toThrow('Bad Request: data=12 is not a base64 string.');
    expect(() => decodeBinary('not base64!')).toThrow(
      'Bad Request: data="not base64!" is not a valid base64 string.',
    );
    expect(() => decodeBinary('S2Fma2E==')).toThrow(/is not a valid base64 string/);
    // What Node's decoder would take, skipping or mapping it, and Guava's standard alphabet refuses.
    for (const data of ['S2Fm-2E', 'S2Fm_2E', 'S2Fm YQ==', 'S2=mYQ==', 'S2Fm\nYQ', 'S2Fma2E=x']) {
      expect(() => decodeBinary(data), data).toThrow(/is not a valid base64 string/);
    }
  });

  it('writes JSON data with numbers as the client wrote them', () => {
    const body = parseJsonBody(
      new TextEncoder().encode('{"v": {"a": 1.0, "b": [1e3, 12345678901234567890], "c": "x"}, "n": 2.50}'),
    ) as object;
    expect(encodeJson(body, 'v')?.toString()).toBe('{"a":1.0,"b":[1e3,12345678901234567890],"c":"x"}');
    expect(encodeJson(body, 'n')?.toString()).toBe('2.50');
    expect(encodeJson({ v: null }, 'v')).toBeNull();
  });

  it("writes v3's STRING data as UTF-8, refusing what is not a string", () => {
    expect(encodeString('é')?.toString('hex')).toBe('c3a9');
    expect(() => encodeString({})).toThrow('Bad Request: data={} is not a string.');
  });

  it('passes record bytes that are JSON to a JSON consumer, and names a record that is not', () => {
    expect(recordJson(Buffer.from(' {"a": 1} '), 't-0@5')).toBe('{"a": 1}');
    expect(() => recordJson(Buffer.from('plain text'), 't-0@5')).toThrow(
      expect.objectContaining({
        status: 408,
        errorCode: 40801,
        message: expect.stringContaining('t-0@5 is not JSON'),
      }),
    );
  });
});
