/**
 * Java's `java.text.SimpleDateFormat`, fixed to UTC and English names, as Connect's TimestampConverter and
 * TimestampRouter use it: users write the same patterns in Sluice configs as in Apache's.
 *
 * Supported letters: G y M L d D E u a H k K h m s S z Z X, `'quoted text'` and `''` for a quote. The
 * week-based letters (Y w W F) are refused rather than approximated.
 */

const DATE_LETTERS = ['G', 'y', 'M', 'L', 'd', 'D', 'E', 'u'] as const;
const TIME_LETTERS = ['a', 'H', 'k', 'K', 'h', 'm', 's', 'S'] as const;
const ZONE_LETTERS = ['z', 'Z', 'X'] as const;
const FIELD_LETTERS = [...DATE_LETTERS, ...TIME_LETTERS, ...ZONE_LETTERS] as const;
type FieldLetter = (typeof FIELD_LETTERS)[number];

function isFieldLetter(c: string): c is FieldLetter {
  return (FIELD_LETTERS as readonly string[]).includes(c);
}

type Token = { readonly literal: string } | { readonly letter: FieldLetter; readonly count: number };

const UNSUPPORTED_LETTERS = 'YwWF';
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MS_PER_DAY = 86_400_000;

/** A pattern Java would reject, or one using a letter this port does not support. */
export class DatePatternError extends Error {}

export class SimpleDateFormat {
  readonly #tokens: readonly Token[];

  /** Throws a {@link DatePatternError} for a pattern Java rejects or a letter that is not supported. */
  constructor(readonly pattern: string) {
    this.#tokens = compile(pattern);
  }

  /** The date's UTC fields, laid out by the pattern. */
  format(date: Date): string {
    return this.#tokens
      .map((token) => ('literal' in token ? token.literal : formatField(token, date)))
      .join('');
  }

  /**
   * The date the text denotes, or null when it does not match. As Java's (lenient) `parse(String)`: fields
   * may overflow (`13` as a month rolls into the next year), missing fields default to 1970-01-01T00:00Z,
   * and text after the pattern is ignored.
   */
  parse(text: string): Date | null {
    const parsed: ParsedFields = {};
    let position = 0;
    for (let i = 0; i < this.#tokens.length; i++) {
      const token = this.#tokens[i] as Token;
      if ('literal' in token) {
        if (!text.startsWith(token.literal, position)) return null;
        position += token.literal.length;
        continue;
      }
      const next = this.#tokens[i + 1];
      const abutsNumber = next !== undefined && !('literal' in next) && isCountedNumber(next);
      const end = parseField(token, text, skipBlanks(text, position), abutsNumber, parsed);
      if (end < 0) return null;
      position = end;
    }
    return resolve(parsed);
  }
}

function compile(pattern: string): Token[] {
  const tokens: Token[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') tokens.push({ literal });
    literal = '';
  };
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    if (c === "'") {
      const [text, next] = quoted(pattern, i);
      literal += text;
      i = next;
    } else if (/[A-Za-z]/.test(c)) {
      if (!isFieldLetter(c)) {
        throw new DatePatternError(
          UNSUPPORTED_LETTERS.includes(c)
            ? `Unsupported pattern letter '${c}' (week-based fields are not supported)`
            : `Illegal pattern character '${c}'`,
        );
      }
      let end = i;
      while (pattern.charAt(end) === c) end++;
      flush();
      tokens.push({ letter: c, count: end - i });
      i = end;
    } else {
      literal += c;
      i++;
    }
  }
  flush();
  return tokens;
}

/** The text of a quoted section starting at `start` (a quote), and the index after it. */
function quoted(pattern: string, start: number): [string, number] {
  if (pattern.charAt(start + 1) === "'") return ["'", start + 2];
  let text = '';
  let i = start + 1;
  for (;;) {
    if (i >= pattern.length) throw new DatePatternError(`Unterminated quote in pattern`);
    if (pattern.charAt(i) === "'") {
      if (pattern.charAt(i + 1) !== "'") return [text, i + 1];
      text += "'";
      i += 2;
    } else {
      text += pattern.charAt(i);
      i++;
    }
  }
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function formatField({ letter, count }: { letter: FieldLetter; count: number }, date: Date): string {
  const year = date.getUTCFullYear();
  const hours = date.getUTCHours();
  switch (letter) {
    case 'G':
      return year > 0 ? 'AD' : 'BC';
    case 'y': {
      const yearOfEra = year > 0 ? year : 1 - year;
      return count === 2 ? pad(yearOfEra % 100, 2) : pad(yearOfEra, count);
    }
    case 'M':
    case 'L': {
      const month = date.getUTCMonth();
      const name = MONTHS[month] as string;
      if (count >= 4) return name;
      return count === 3 ? name.slice(0, 3) : pad(month + 1, count);
    }
    case 'd':
      return pad(date.getUTCDate(), count);
    case 'D':
      return pad(Math.floor((date.getTime() - startOfYear(year)) / MS_PER_DAY) + 1, count);
    case 'E': {
      const name = DAYS[date.getUTCDay()] as string;
      return count >= 4 ? name : name.slice(0, 3);
    }
    case 'u':
      return pad(date.getUTCDay() || 7, count);
    case 'a':
      return hours < 12 ? 'AM' : 'PM';
    case 'H':
      return pad(hours, count);
    case 'k':
      return pad(hours || 24, count);
    case 'K':
      return pad(hours % 12, count);
    case 'h':
      return pad(hours % 12 || 12, count);
    case 'm':
      return pad(date.getUTCMinutes(), count);
    case 's':
      return pad(date.getUTCSeconds(), count);
    case 'S':
      // Java pads the millisecond number itself: `SSSSSS` gives 000123, not microseconds.
      return pad(date.getUTCMilliseconds(), count);
    case 'z':
      return count >= 4 ? 'Coordinated Universal Time' : 'UTC';
    case 'Z':
      return '+0000';
    case 'X':
      return 'Z';
  }
}

/** Midnight UTC on January 1st; not `Date.UTC`, which reads years 0–99 as 1900–1999. */
function startOfYear(year: number): number {
  const start = new Date(0);
  start.setUTCFullYear(year, 0, 1);
  return start.getTime();
}

interface ParsedFields {
  year?: number;
  bc?: boolean;
  month?: number;
  day?: number;
  dayOfYear?: number;
  hourOfDay?: number;
  hourOfHalfDay?: number;
  pm?: boolean;
  minute?: number;
  second?: number;
  millisecond?: number;
  offsetMinutes?: number;
}

/** Numeric fields whose width is obeyed when another such field follows with no separator (`yyyyMMdd`). */
function isCountedNumber({ letter, count }: { letter: FieldLetter; count: number }): boolean {
  if (letter === 'M' || letter === 'L') return count <= 2;
  return 'ydHkmsSDKh'.includes(letter);
}

function skipBlanks(text: string, position: number): number {
  let i = position;
  while (text.charAt(i) === ' ' || text.charAt(i) === '\t') i++;
  return i;
}

/** Parses one field at `start` into `parsed`; the index after it, or -1. */
function parseField(
  { letter, count }: { letter: FieldLetter; count: number },
  text: string,
  start: number,
  abutsNumber: boolean,
  parsed: ParsedFields,
): number {
  switch (letter) {
    case 'G':
      return parseName(text, start, [['AD'], ['BC']], (index) => (parsed.bc = index === 1));
    case 'M':
    case 'L':
      if (count >= 3) {
        const names = MONTHS.map((name) => [name, name.slice(0, 3)]);
        return parseName(text, start, names, (index) => (parsed.month = index + 1));
      }
      break;
    case 'E':
      return parseName(
        text,
        start,
        DAYS.map((name) => [name, name.slice(0, 3)]),
        () => undefined,
      );
    case 'a':
      return parseName(text, start, [['AM'], ['PM']], (index) => (parsed.pm = index === 1));
    case 'z':
    case 'Z':
    case 'X':
      return parseZone(letter, count, text, start, parsed);
  }
  const digits = /^\d+/.exec(text.slice(start, abutsNumber ? start + count : undefined))?.[0];
  if (digits === undefined) return -1;
  const value = Number(digits);
  switch (letter) {
    case 'y':
      parsed.year = count <= 2 && digits.length === 2 ? twoDigitYear(value) : value;
      break;
    case 'M':
    case 'L':
      parsed.month = value;
      break;
    case 'd':
      parsed.day = value;
      break;
    case 'D':
      parsed.dayOfYear = value;
      break;
    case 'H':
      parsed.hourOfDay = value;
      break;
    case 'k':
      parsed.hourOfDay = value === 24 ? 0 : value;
      break;
    case 'K':
      parsed.hourOfHalfDay = value;
      break;
    case 'h':
      parsed.hourOfHalfDay = value === 12 ? 0 : value;
      break;
    case 'm':
      parsed.minute = value;
      break;
    case 's':
      parsed.second = value;
      break;
    case 'S':
      parsed.millisecond = value;
      break;
    // 'u' (day of week) is read but, as in Java when a date is given, does not change the result.
  }
  return start + digits.length;
}

/** A two-digit year in the century that starts 80 years before now, as Java resolves it. */
function twoDigitYear(value: number): number {
  const centuryStart = new Date().getUTCFullYear() - 80;
  const base = Math.floor(centuryStart / 100) * 100;
  return base + value + (value < centuryStart % 100 ? 100 : 0);
}

/** Matches the longest of the names (any case); `found` gets the index of the matching group. */
function parseName(
  text: string,
  start: number,
  groups: readonly (readonly string[])[],
  found: (index: number) => unknown,
): number {
  let best = -1;
  let length = 0;
  groups.forEach((names, index) => {
    for (const name of names) {
      if (
        name.length > length &&
        text.slice(start, start + name.length).toLowerCase() === name.toLowerCase()
      ) {
        best = index;
        length = name.length;
      }
    }
  });
  if (best < 0) return -1;
  found(best);
  return start + length;
}

/** A zone: `Z` (X only), `UTC`/`GMT` (z and Z), or a numeric offset in the letter's form. */
function parseZone(
  letter: 'z' | 'Z' | 'X',
  count: number,
  text: string,
  start: number,
  parsed: ParsedFields,
): number {
  const sign = text.charAt(start) === '+' ? 1 : text.charAt(start) === '-' ? -1 : 0;
  if (letter === 'X') {
    if (text.charAt(start) === 'Z') {
      parsed.offsetMinutes = 0;
      return start + 1;
    }
    return sign === 0 ? -1 : parseOffset(text, start + 1, sign, count, count === 3, parsed);
  }
  if (sign !== 0) return parseOffset(text, start + 1, sign, 0, false, parsed);
  for (const name of ['Coordinated Universal Time', 'UTC']) {
    if (text.startsWith(name, start)) {
      parsed.offsetMinutes = 0;
      return start + name.length;
    }
  }
  if (text.slice(start, start + 3).toUpperCase() !== 'GMT') return -1;
  const after = start + 3;
  const gmtSign = text.charAt(after) === '+' ? 1 : text.charAt(after) === '-' ? -1 : 0;
  if (gmtSign === 0) {
    parsed.offsetMinutes = 0;
    return after;
  }
  return parseOffset(text, after + 1, gmtSign, 0, true, parsed);
}

/**
 * `hh[[:]mm]` after a sign, as Java's `subParseNumericZone`: `count` 1 reads hours only; `colon` requires
 * `hh:mm` (and then allows a one-digit hour); otherwise `hhmm`.
 */
function parseOffset(
  text: string,
  start: number,
  sign: number,
  count: number,
  colon: boolean,
  parsed: ParsedFields,
): number {
  const pattern = count === 1 ? /^(\d\d)/ : colon ? /^(\d\d?):(\d\d)/ : /^(\d\d)(\d\d)/;
  const match = pattern.exec(text.slice(start));
  if (match === null) return -1;
  const hours = Number(match[1]);
  const minutes = Number(match[2] ?? '0');
  if (hours > 23 || minutes > 59) return -1;
  parsed.offsetMinutes = sign * (hours * 60 + minutes);
  return start + match[0].length;
}

function resolve(parsed: ParsedFields): Date {
  const yearOfEra = parsed.year ?? 1970;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, takes years 0–99 as they are; overflowing fields roll over (lenient).
  if (parsed.dayOfYear !== undefined && parsed.month === undefined && parsed.day === undefined) {
    date.setUTCFullYear(parsed.bc ? 1 - yearOfEra : yearOfEra, 0, parsed.dayOfYear);
  } else {
    date.setUTCFullYear(parsed.bc ? 1 - yearOfEra : yearOfEra, (parsed.month ?? 1) - 1, parsed.day ?? 1);
  }
  const hour = parsed.hourOfDay ?? (parsed.hourOfHalfDay ?? 0) + (parsed.pm ? 12 : 0);
  date.setUTCHours(hour, parsed.minute ?? 0, parsed.second ?? 0, parsed.millisecond ?? 0);
  return new Date(date.getTime() - (parsed.offsetMinutes ?? 0) * 60_000);
}
