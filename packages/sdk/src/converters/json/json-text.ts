/**
 * JSON text with exact numbers. `JSON.parse` turns every number into a double, which loses INT64 values past
 * 2^53 and the difference between `1` (an integer to Connect) and `1.0` (a double); Connect's JSON, read by
 * Jackson, keeps both. Numbers here keep their text, objects their key order.
 */
export class JsonNumber {
  constructor(readonly text: string) {}

  /** True when written without fraction or exponent, as Jackson's `isIntegralNumber`. */
  get integral(): boolean {
    const text = this.text;
    return !text.includes('.') && !text.includes('e') && !text.includes('E');
  }
}

export type JsonNode = null | boolean | string | JsonNumber | JsonNode[] | JsonObject;
export type JsonObject = Map<string, JsonNode>;

export function isJsonObject(node: JsonNode | undefined): node is JsonObject {
  return node instanceof Map;
}

/** Serializes a node as compact JSON, as Jackson writes it. */
export function writeJson(node: JsonNode): string {
  if (node === null) return 'null';
  if (typeof node === 'string') return JSON.stringify(node);
  if (typeof node === 'boolean') return node ? 'true' : 'false';
  if (node instanceof JsonNumber) return node.text;
  // Concatenation, not map/join: this runs for every record a JSON converter writes.
  let out: string;
  if (Array.isArray(node)) {
    out = '[';
    for (let i = 0; i < node.length; i++) out += (i === 0 ? '' : ',') + writeJson(node[i]!);
    return `${out}]`;
  }
  out = '{';
  let first = true;
  for (const [key, value] of node) {
    out += `${first ? '' : ','}${JSON.stringify(key)}:${writeJson(value)}`;
    first = false;
  }
  return `${out}}`;
}

/** Parses JSON text; throws a `SyntaxError` with the position. Blank text is `undefined` (no content). */
export function parseJson(text: string): JsonNode | undefined {
  const parser = new Parser(text);
  parser.space();
  if (parser.done()) return undefined;
  const node = parser.value();
  parser.space();
  if (!parser.done()) parser.fail('Unexpected content after the JSON value');
  return node;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// JSON.parse of the token rejects what this lets through: raw control characters and bad escapes.
const STRING = /"(?:[^"\\]|\\.)*"/y;

class Parser {
  #pos = 0;
  constructor(readonly text: string) {}

  done(): boolean {
    return this.#pos >= this.text.length;
  }

  fail(message: string): never {
    throw new SyntaxError(`${message} at position ${this.#pos}`);
  }

  space(): void {
    for (;;) {
      const code = this.text.charCodeAt(this.#pos);
      if (code !== 0x20 && code !== 0x0a && code !== 0x0d && code !== 0x09) return;
      this.#pos++;
    }
  }

  #token(pattern: RegExp): string | null {
    pattern.lastIndex = this.#pos;
    const match = pattern.exec(this.text);
    if (!match) return null;
    this.#pos += match[0].length;
    return match[0];
  }

  #literal(word: string): boolean {
    if (!this.text.startsWith(word, this.#pos)) return false;
    this.#pos += word.length;
    return true;
  }

  value(): JsonNode {
    this.space();
    const char = this.text[this.#pos];
    if (char === '{') return this.#object();
    if (char === '[') return this.#array();
    if (char === '"') return this.#string();
    if (this.#literal('true')) return true;
    if (this.#literal('false')) return false;
    if (this.#literal('null')) return null;
    const number = this.#token(NUMBER);
    if (number !== null) return new JsonNumber(number);
    return this.fail(`Unexpected character ${JSON.stringify(char ?? 'end of input')}`);
  }

  #string(): string {
    // Most strings have no escapes: take the text up to the closing quote as it is.
    const start = this.#pos + 1;
    const end = this.text.indexOf('"', start);
    if (end !== -1) {
      let plain = true;
      for (let i = start; i < end; i++) {
        const code = this.text.charCodeAt(i);
        if (code === 0x5c || code < 0x20) {
          plain = false;
          break;
        }
      }
      if (plain) {
        this.#pos = end + 1;
        return this.text.slice(start, end);
      }
    }
    const token = this.#token(STRING);
    if (token === null) this.fail('Invalid string');
    try {
      return JSON.parse(token) as string;
    } catch {
      return this.fail('Invalid string');
    }
  }

  #array(): JsonNode[] {
    this.#pos++;
    const items: JsonNode[] = [];
    this.space();
    if (this.#literal(']')) return items;
    for (;;) {
      items.push(this.value());
      this.space();
      if (this.#literal(']')) return items;
      if (!this.#literal(',')) this.fail("Expected ',' or ']'");
    }
  }

  #object(): JsonObject {
    this.#pos++;
    const object: JsonObject = new Map();
    this.space();
    if (this.#literal('}')) return object;
    for (;;) {
      this.space();
      if (this.text[this.#pos] !== '"') this.fail('Expected a double-quote to start a field name');
      const key = this.#string();
      this.space();
      if (!this.#literal(':')) this.fail("Expected ':'");
      object.set(key, this.value());
      this.space();
      if (this.#literal('}')) return object;
      if (!this.#literal(',')) this.fail("Expected ',' or '}'");
    }
  }
}
