import { describe, expect, it } from 'vitest';
import { StatusCodes } from './status-codes.js';

describe('StatusCodes', () => {
  it('reads single codes, closed ranges and open ranges, inclusive', () => {
    const codes = StatusCodes.parse('k', '404, 408 ,500-');
    expect([399, 404, 405, 408, 499, 500, 503, 599].map((c) => codes.has(c))).toEqual([
      false,
      true,
      false,
      true,
      false,
      true,
      true,
      true,
    ]);
    const range = StatusCodes.parse('k', '400-500');
    expect([399, 400, 450, 500, 501].map((c) => range.has(c))).toEqual([false, true, true, true, false]);
    expect(StatusCodes.parse('k', '400-').has(400)).toBe(true);
    expect(StatusCodes.parse('k', '429').ranges).toEqual([[429, 429]]);
  });

  it('reads an empty text as no codes', () => {
    expect(StatusCodes.parse('k', ' ').has(500)).toBe(false);
  });

  it('rejects malformed items with a message naming the key and the item', () => {
    const bad = 'is not a status code (100-599) or a range of them such as 400-500 or 500-';
    expect(() => StatusCodes.parse('retry.on.status.codes', '40x')).toThrow(
      `retry.on.status.codes: '40x' ${bad}`,
    );
    expect(() => StatusCodes.parse('retry.on.status.codes', '404,,500')).toThrow(
      `retry.on.status.codes: '' ${bad}`,
    );
    expect(() => StatusCodes.parse('k', '-500')).toThrow(`k: '-500' ${bad}`);
    expect(() => StatusCodes.parse('k', '600')).toThrow(`k: '600' ${bad}`);
    expect(() => StatusCodes.parse('k', '400-700')).toThrow(`k: '400-700' ${bad}`);
    expect(() => StatusCodes.parse('k', '1000')).toThrow(`k: '1000' ${bad}`);
    expect(() => StatusCodes.parse('k', '500-400')).toThrow("k: range '500-400' ends before it starts");
  });
});
