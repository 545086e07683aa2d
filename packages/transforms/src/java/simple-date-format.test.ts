import { describe, expect, it } from 'vitest';
import { DatePatternError, SimpleDateFormat } from './simple-date-format.js';

const at = (iso: string) => new Date(iso);

describe('SimpleDateFormat', () => {
  it('formats the common pattern letters in UTC', () => {
    const date = at('2024-03-05T07:08:09.012Z');
    expect(new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSX").format(date)).toBe('2024-03-05T07:08:09.012Z');
    expect(new SimpleDateFormat('yyyyMMdd').format(date)).toBe('20240305');
    expect(new SimpleDateFormat('yy/M/d H:m:s.S Z').format(date)).toBe('24/3/5 7:8:9.12 +0000');
    expect(new SimpleDateFormat('EEE, d MMM yyyy hh:mm a z').format(date)).toBe(
      'Tue, 5 Mar 2024 07:08 AM UTC',
    );
    expect(new SimpleDateFormat('EEEE MMMM D G u k K').format(at('2024-12-31T23:00:00Z'))).toBe(
      'Tuesday December 366 AD 2 23 11',
    );
    expect(new SimpleDateFormat('h a k').format(at('2024-01-01T00:30:00Z'))).toBe('12 AM 24');
  });

  it('reads quoted text and doubled quotes as literals', () => {
    expect(new SimpleDateFormat("'Day' d 'of' MMM, h 'o''clock'").format(at('2024-06-01T15:00:00Z'))).toBe(
      "Day 1 of Jun, 3 o'clock",
    );
    expect(new SimpleDateFormat("''yy''").format(at('2024-06-01T00:00:00Z'))).toBe("'24'");
  });

  it('pads milliseconds as a number, as Java does', () => {
    expect(new SimpleDateFormat('SSSSSS').format(at('2024-01-01T00:00:00.123Z'))).toBe('000123');
  });

  it('rejects illegal and unsupported pattern letters and unterminated quotes', () => {
    expect(() => new SimpleDateFormat('yyyy-bb')).toThrow(
      new DatePatternError("Illegal pattern character 'b'"),
    );
    expect(() => new SimpleDateFormat('YYYY-ww')).toThrow(/Unsupported pattern letter 'Y'/);
    expect(() => new SimpleDateFormat("yyyy 'open")).toThrow(/Unterminated quote/);
  });

  it('parses what it formats', () => {
    const format = new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSX");
    expect(format.parse('2024-03-05T07:08:09.012Z')).toEqual(at('2024-03-05T07:08:09.012Z'));
    expect(new SimpleDateFormat('dd MMMM yyyy hh:mm a').parse('05 march 2024 07:08 pm')).toEqual(
      at('2024-03-05T19:08:00Z'),
    );
    expect(new SimpleDateFormat('EEE, d MMM yyyy').parse('Tue, 5 Mar 2024')).toEqual(
      at('2024-03-05T00:00:00Z'),
    );
  });

  it('uses field widths only between abutting numbers', () => {
    expect(new SimpleDateFormat('yyyyMMddHHmm').parse('202403050708')).toEqual(at('2024-03-05T07:08:00Z'));
    // A lone field reads every digit: 5 and 123 are fine for M and S.
    expect(new SimpleDateFormat('yyyy-M-d HH:mm:ss.S').parse('2024-3-5 07:08:09.123')).toEqual(
      at('2024-03-05T07:08:09.123Z'),
    );
  });

  it('applies zone offsets', () => {
    expect(new SimpleDateFormat('yyyy-MM-dd HH:mm Z').parse('2024-03-05 07:08 +0130')).toEqual(
      at('2024-03-05T05:38:00Z'),
    );
    expect(new SimpleDateFormat('yyyy-MM-dd HH:mm XXX').parse('2024-03-05 07:08 -05:00')).toEqual(
      at('2024-03-05T12:08:00Z'),
    );
    expect(new SimpleDateFormat('yyyy-MM-dd HH:mm z').parse('2024-03-05 07:08 GMT+2:00')).toEqual(
      at('2024-03-05T05:08:00Z'),
    );
    expect(new SimpleDateFormat('HH:mm z').parse('07:08 UTC')).toEqual(at('1970-01-01T07:08:00Z'));
  });

  it('is lenient as Java is: overflowing fields roll over, missing ones default, trailing text is ignored', () => {
    expect(new SimpleDateFormat('yyyy-MM-dd').parse('2024-13-01')).toEqual(at('2025-01-01T00:00:00Z'));
    expect(new SimpleDateFormat('HH:mm').parse('25:00')).toEqual(at('1970-01-02T01:00:00Z'));
    expect(new SimpleDateFormat('yyyy-MM-dd').parse('2024-03-05 and more')).toEqual(
      at('2024-03-05T00:00:00Z'),
    );
    expect(new SimpleDateFormat('yyyy D').parse('2024 60')).toEqual(at('2024-02-29T00:00:00Z'));
  });

  it('resolves two-digit years into the century starting 80 years ago', () => {
    const thisYear = new Date().getUTCFullYear();
    const parsed = new SimpleDateFormat('yy').parse(String((thisYear + 1) % 100).padStart(2, '0'));
    expect(parsed?.getUTCFullYear()).toBe(thisYear + 1);
    expect(new SimpleDateFormat('yyyy').parse('0024')?.getUTCFullYear()).toBe(24);
  });

  it('returns null for text that does not match', () => {
    expect(new SimpleDateFormat('yyyy-MM-dd').parse('2024/03/05')).toBeNull();
    expect(new SimpleDateFormat('yyyy-MM-dd').parse('March 5')).toBeNull();
    expect(new SimpleDateFormat('HH:mm Z').parse('07:08 +01:30')).toBeNull();
  });
});
