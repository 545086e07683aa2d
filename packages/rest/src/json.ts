import { SluiceError } from '@sluice/errors';

/**
 * How deeply a request body may nest. Nothing Connect's API takes nests more than three levels; a bound
 * keeps every recursive reader and writer (the offset store's, JSON.stringify's) far from the stack limit.
 */
export const MAX_JSON_DEPTH = 64;

/** JSON text a request body cannot be read from, or read from only by changing what it says. */
export class JsonTextError extends SluiceError {
  /** True for text that is not JSON; false for JSON refused because it could not be kept as sent. */
  readonly syntax: boolean;

  constructor(message: string, syntax: boolean) {
    super('SLUICE_JSON_INVALID', message);
    this.syntax = syntax;
  }
}

/** A number whose JavaScript value prints differently from its JSON text (`1.0`, `1e3`, `99999999999999999999`). */
interface NumberText {
  text: string;
  /** Whether the value is the number the text says (a double holds it), not a rounded one. */
  exact: boolean;
}

/** Numbers of parsed bodies whose text differs from their value's, by container and key. */
const numberTexts = new WeakMap<object, Map<string | number, NumberText>>();

/**
 * The JSON text of `container[key]` when it is a number whose value prints otherwise (`String(1.0)` is
 * `"1"`), so a config value keeps the text the client sent, as Connect's Jackson keeps it.
 */
export function numberText(container: object, key: string | number): string | undefined {
  return numberTexts.get(container)?.get(key)?.text;
}

/**
 * Where `value` (parsed by `parseJsonText`) has a number a double does not hold (an integer beyond
 * ±(2^53 − 1), or out of range), as a path such as `.offset.position` with its text; undefined if none.
 */
export function inexactNumber(value: unknown, path = ''): { path: string; text: string } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const texts = numberTexts.get(value);
  const entries: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value);
  for (const [key, item] of entries) {
    const at = typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`;
    const text = texts?.get(key);
    if (text !== undefined && !text.exact) return { path: at, text: text.text };
    const inner = inexactNumber(item, at);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * Parses a request body's JSON (RFC 8259) into plain values, refusing what could not be kept as sent: more
 * than `maxDepth` levels of nesting, a `__proto__` key (a plain object cannot hold it as data), and a
 * `\uD800`-style escape that is half a surrogate pair (no UTF-8 text holds it). Numbers are doubles; those
 * whose text differs from their value's are remembered (`numberText`, `inexactNumber`). Duplicate keys: the
 * last wins, as with `JSON.parse` and Jackson.
 */
export function parseJsonText(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  const parser = new Parser(text, maxDepth);
  const value = parser.value('', 0);
  parser.space();
  if (!parser.done()) parser.fail('unexpected content after the JSON value');
  return value;
}

class Parser {
  #pos = 0;
  readonly #text: string;
  readonly #maxDepth: number;

  constructor(text: string, maxDepth: number) {
    this.#text = text;
    this.#maxDepth = maxDepth;
  }

  done(): boolean {
    return this.#pos >= this.#text.length;
  }

  fail(message: string): never {
    throw new JsonTextError(`${message} at position ${this.#pos}`, true);
  }

  refuse(message: string): never {
    throw new JsonTextError(`${message} (position ${this.#pos})`, false);
  }

  space(): void {
    for (;;) {
      const code = this.#text.charCodeAt(this.#pos);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.#pos++;
    }
  }

  value(path: string, depth: number): unknown {
    this.space();
    const char = this.#text[this.#pos];
    if (char === '{' || char === '[') {
      if (depth >= this.#maxDepth) this.refuse(`it nests deeper than ${this.#maxDepth} levels`);
      return char === '{' ? this.#object(path, depth + 1) : this.#array(path, depth + 1);
    }
    if (char === '"') return this.#string(path);
    for (const [word, literal] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.#text.startsWith(word, this.#pos)) {
        this.#pos += word.length;
        return literal;
      }
    }
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return this.#number();
    return this.fail(
      char === undefined ? 'unexpected end of the JSON text' : `unexpected character ${JSON.stringify(char)}`,
    );
  }

  /** A number token; the caller records its text when the value prints otherwise. */
  #number(): number {
    NUMBER.lastIndex = this.#pos;
    const match = NUMBER.exec(this.#text);
    if (match === null) this.fail('invalid number');
    this.#pos += match[0].length;
    return Number(match[0]);
  }

  #remember(container: object, key: string | number, value: unknown, start: number): void {
    if (typeof value !== 'number') return;
    const text = this.#text.slice(start, this.#pos).trim();
    if (String(value) === text) return;
    const integral = !/[.eE]/.test(text);
    const exact = Number.isFinite(value) && (!integral || Number.isSafeInteger(value));
    let texts = numberTexts.get(container);
    if (texts === undefined) numberTexts.set(container, (texts = new Map<string | number, NumberText>()));
    texts.set(key, { text, exact });
  }

  #string(path: string): string {
    const start = this.#pos + 1;
    // Most strings have no escapes: the text up to the closing quote, as it is.
    const end = this.#text.indexOf('"', start);
    if (end !== -1) {
      let plain = true;
      for (let i = start; i < end && plain; i++) {
        const code = this.#text.charCodeAt(i);
        plain = code !== 0x5c && code >= 0x20;
      }
      if (plain) {
        this.#pos = end + 1;
        return this.#text.slice(start, end);
      }
    }
    this.#pos = start;
    let out = '';
    for (;;) {
      const char = this.#text[this.#pos];
      if (char === undefined) this.fail('unterminated string');
      if (char === '"') {
        this.#pos++;
        return out;
      }
      if (char.charCodeAt(0) < 0x20) this.fail('unescaped control character in a string');
      if (char !== '\\') {
        out += char;
        this.#pos++;
        continue;
      }
      const escape = this.#text[this.#pos + 1];
      if (escape === 'u') {
        const unit = this.#unit(this.#pos + 2);
        this.#pos += 6;
        if (unit >= 0xd800 && unit <= 0xdbff && this.#text.startsWith('\\u', this.#pos)) {
          const low = this.#unit(this.#pos + 2);
          if (low >= 0xdc00 && low <= 0xdfff) {
            out += String.fromCharCode(unit, low);
            this.#pos += 6;
            continue;
          }
        }
        if (unit >= 0xd800 && unit <= 0xdfff) {
          this.#pos -= 6;
          this.refuse(
            `half of a surrogate pair (\\u${unit.toString(16).toUpperCase()}) in a string${path === '' ? '' : ` at ${path}`}, which no UTF-8 text can hold`,
          );
        }
        out += String.fromCharCode(unit);
        continue;
      }
      const plain = escape === undefined ? undefined : ESCAPES[escape];
      if (plain === undefined) this.fail('invalid escape in a string');
      out += plain;
      this.#pos += 2;
    }
  }

  #unit(at: number): number {
    const hex = this.#text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape in a string');
    return parseInt(hex, 16);
  }

  #array(path: string, depth: number): unknown[] {
    this.#pos++;
    const items: unknown[] = [];
    this.space();
    if (this.#text[this.#pos] === ']') {
      this.#pos++;
      return items;
    }
    for (;;) {
      this.space();
      const start = this.#pos;
      const item = this.value(`${path}[${items.length}]`, depth);
      this.#remember(items, items.length, item, start);
      items.push(item);
      this.space();
      const next = this.#text[this.#pos++];
      if (next === ']') return items;
      if (next !== ',') {
        this.#pos--;
        this.fail("expected ',' or ']'");
      }
    }
  }

  #object(path: string, depth: number): Record<string, unknown> {
    this.#pos++;
    const object: Record<string, unknown> = {};
    this.space();
    if (this.#text[this.#pos] === '}') {
      this.#pos++;
      return object;
    }
    for (;;) {
      this.space();
      if (this.#text[this.#pos] !== '"') this.fail('expected a double-quoted key');
      const key = this.#string(path);
      const at = `${path}.${key}`;
      if (key === '__proto__')
        this.refuse(`the key "__proto__"${path === '' ? '' : ` at ${path}`} is not accepted`);
      this.space();
      if (this.#text[this.#pos] !== ':') this.fail("expected ':'");
      this.#pos++;
      this.space();
      const start = this.#pos;
      const value = this.value(at, depth);
      this.#remember(object, key, value, start);
      object[key] = value;
      this.space();
      const next = this.#text[this.#pos++];
      if (next === '}') return object;
      if (next !== ',') {
        this.#pos--;
        this.fail("expected ',' or '}'");
      }
    }
  }
}

/**
 * The byte offset of the first sequence in `bytes` that is not UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), or -1 when all of it is.
 */
export function invalidUtf8At(bytes: Uint8Array): number {
  let at = 0;
  while (at < bytes.length) {
    const lead = bytes[at]!;
    if (lead < 0x80) {
      at++;
      continue;
    }
    let length: number;
    let min: number;
    if (lead >= 0xc2 && lead <= 0xdf) [length, min] = [2, 0x80];
    else if (lead >= 0xe0 && lead <= 0xef) [length, min] = [3, 0x800];
    else if (lead >= 0xf0 && lead <= 0xf4) [length, min] = [4, 0x10000];
    else return at;
    if (at + length > bytes.length) return at;
    let code = lead & (0xff >> (length + 1));
    for (let i = 1; i < length; i++) {
      const next = bytes[at + i]!;
      if ((next & 0xc0) !== 0x80) return at;
      code = (code << 6) | (next & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return at;
    at += length;
  }
  return -1;
}
