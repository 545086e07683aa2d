import { DecimalValue } from './decimal-value.js';
import { ConnectDate, ConnectTime, ConnectTimestamp, Decimal } from './logical.js';
import { ConnectSchema, Schema, schemaEquals } from './schema.js';
import { SchemaAndValue } from './schema-and-value.js';

const NUMERIC_ORDER = ['INT8', 'INT16', 'INT32', 'INT64', 'FLOAT32', 'FLOAT64'] as const;
const INT_SCHEMAS = [
  [127n, Schema.INT8_SCHEMA],
  [32767n, Schema.INT16_SCHEMA],
  [2147483647n, Schema.INT32_SCHEMA],
] as const;
const INT64_MAX = 2n ** 63n - 1n;

const NUMBER = /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/y;
const TIME = /\d{2}:\d{2}:\d{2}\.\d{3}Z/y;
const DATE = /\d{4}-\d{2}-\d{2}/y;
const LITERAL = /true|false|null/y;

class NotParsable extends Error {}

/**
 * Infers a schema and value from text (Connect's `Values.parseString`, which `SimpleHeaderConverter` uses):
 * `true`/`false` are BOOLEAN; integers take the smallest of INT8…INT64, then Decimal; other numbers FLOAT32
 * when they fit, else FLOAT64; ISO dates, times (`HH:mm:ss.SSSZ`) and timestamps become logical types;
 * `[…]` and `{…}` become ARRAY and MAP with the elements' common schema (null when they differ). Anything
 * else, including text that only starts like one of these, is the STRING itself.
 */
export function parseString(text: string): SchemaAndValue {
  const trimmed = text.trim();
  if (trimmed === '') return new SchemaAndValue(Schema.STRING_SCHEMA, text);
  try {
    const parser = new Parser(trimmed);
    const parsed = trimmed === 'null' ? null : parser.value(false);
    if (parsed !== null && parser.atEnd()) return parsed;
  } catch (error) {
    if (!(error instanceof NotParsable)) throw error;
  }
  return new SchemaAndValue(Schema.STRING_SCHEMA, text);
}

class Parser {
  #pos = 0;
  constructor(readonly text: string) {}

  atEnd(): boolean {
    this.#skipSpace();
    return this.#pos === this.text.length;
  }

  #skipSpace(): void {
    while (this.#pos < this.text.length && /\s/.test(this.text[this.#pos] ?? '')) this.#pos++;
  }

  #match(pattern: RegExp): string | null {
    pattern.lastIndex = this.#pos;
    const match = pattern.exec(this.text);
    if (!match) return null;
    const end = this.#pos + match[0].length;
    // A token ends at a delimiter; `12:30` is not the number 12.
    if (end < this.text.length && !/[\s,\]}:]/.test(this.text[end] ?? '')) return null;
    this.#pos = end;
    return match[0];
  }

  #expect(char: string): void {
    this.#skipSpace();
    if (this.text[this.#pos] !== char) throw new NotParsable();
    this.#pos++;
  }

  /** One value; `embedded` values may also be quoted strings or null. */
  value(embedded: boolean): SchemaAndValue {
    this.#skipSpace();
    const char = this.text[this.#pos];
    if (char === '[') return this.#array();
    if (char === '{') return this.#map();
    if (char === '"' && embedded) return this.#quoted();
    const timestamp = this.#match(TIMESTAMP);
    if (timestamp !== null) return new SchemaAndValue(ConnectTimestamp.SCHEMA, new Date(timestamp));
    const time = this.#match(TIME);
    if (time !== null) return new SchemaAndValue(ConnectTime.SCHEMA, new Date(`1970-01-01T${time}`));
    const date = this.#match(DATE);
    if (date !== null) return dateValue(date);
    const number = this.#match(NUMBER);
    if (number !== null) return numberValue(number);
    const literal = this.#match(LITERAL);
    if (literal === 'null' && embedded) return SchemaAndValue.NULL;
    if (literal === 'true' || literal === 'false') return new SchemaAndValue(Schema.BOOLEAN_SCHEMA, literal === 'true');
    throw new NotParsable();
  }

  #quoted(): SchemaAndValue {
    let out = '';
    for (let i = this.#pos + 1; i < this.text.length; i++) {
      const char = this.text[i];
      if (char === '\\' && i + 1 < this.text.length) out += this.text[++i];
      else if (char === '"') {
        this.#pos = i + 1;
        return new SchemaAndValue(Schema.STRING_SCHEMA, out);
      } else out += char;
    }
    throw new NotParsable();
  }

  #array(): SchemaAndValue {
    this.#pos++;
    const items: SchemaAndValue[] = [];
    this.#skipSpace();
    if (this.text[this.#pos] === ']') this.#pos++;
    else {
      for (;;) {
        items.push(this.value(true));
        this.#skipSpace();
        const char = this.text[this.#pos++];
        if (char === ']') break;
        if (char !== ',') throw new NotParsable();
      }
    }
    const schema = commonSchema(items);
    const values = items.map((i) => cast(i.value, schema));
    return new SchemaAndValue(arraySchema(schema), values);
  }

  #map(): SchemaAndValue {
    this.#pos++;
    const keys: SchemaAndValue[] = [];
    const values: SchemaAndValue[] = [];
    this.#skipSpace();
    if (this.text[this.#pos] === '}') this.#pos++;
    else {
      for (;;) {
        keys.push(this.value(true));
        this.#expect(':');
        values.push(this.value(true));
        this.#skipSpace();
        const char = this.text[this.#pos++];
        if (char === '}') break;
        if (char !== ',') throw new NotParsable();
      }
    }
    const keySchema = commonSchema(keys);
    const valueSchema = commonSchema(values);
    const map = new Map(keys.map((k, i) => [cast(k.value, keySchema), cast(values[i]?.value, valueSchema)]));
    return new SchemaAndValue(new ConnectSchema({ type: 'MAP', keySchema, valueSchema }), map);
  }
}

function arraySchema(valueSchema: Schema | null): Schema {
  return new ConnectSchema({ type: 'ARRAY', valueSchema });
}

function dateValue(text: string): SchemaAndValue {
  const date = new Date(`${text}T00:00:00.000Z`);
  // Reject 2024-02-30 rather than roll it over.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) throw new NotParsable();
  return new SchemaAndValue(ConnectDate.SCHEMA, date);
}

function numberValue(text: string): SchemaAndValue {
  const decimal = DecimalValue.parse(text);
  const integral = integralValue(decimal);
  if (integral !== null) {
    const magnitude = integral < 0n ? -integral - 1n : integral;
    for (const [max, schema] of INT_SCHEMAS) {
      if (magnitude <= max) return new SchemaAndValue(schema, Number(integral));
    }
    if (magnitude <= INT64_MAX) return new SchemaAndValue(Schema.INT64_SCHEMA, integral);
  }
  // As Connect: a number with a scale that fits a float is FLOAT32 (even if that rounds), then FLOAT64.
  const double = Number(text);
  if (decimal.scale !== 0 && Number.isFinite(Math.fround(double))) {
    return new SchemaAndValue(Schema.FLOAT32_SCHEMA, Math.fround(double));
  }
  if (decimal.scale !== 0 && Number.isFinite(double)) return new SchemaAndValue(Schema.FLOAT64_SCHEMA, double);
  return new SchemaAndValue(Decimal.schema(decimal.scale), decimal);
}

function integralValue(decimal: DecimalValue): bigint | null {
  if (decimal.scale <= 0) return decimal.unscaled * 10n ** BigInt(-decimal.scale);
  const divisor = 10n ** BigInt(decimal.scale);
  return decimal.unscaled % divisor === 0n ? decimal.unscaled / divisor : null;
}

/** The schema every element fits: equal schemas, or the widest numeric type; null when they differ. */
function commonSchema(items: readonly SchemaAndValue[]): Schema | null {
  const schemas = items.map((i) => i.schema).filter((s): s is Schema => s !== null);
  const [first, ...rest] = schemas;
  if (first === undefined) return null;
  let common: Schema | null = first;
  for (const schema of rest) {
    if (common === null) break;
    common = schemaEquals(common, schema) ? common : widen(common, schema);
  }
  if (common === null || schemas.length === items.length) return common;
  return new ConnectSchema({ ...common, fields: common.fields, optional: true });
}

function widen(a: Schema, b: Schema): Schema | null {
  const rank = (s: Schema) => (s.name === null ? NUMERIC_ORDER.indexOf(s.type as 'INT8') : -1);
  const [ra, rb] = [rank(a), rank(b)];
  if (ra < 0 || rb < 0) return null;
  return ra >= rb ? a : b;
}

function cast(value: unknown, schema: Schema | null): unknown {
  if (schema === null || value === null || value === undefined) return value ?? null;
  if (schema.type === 'INT64' && typeof value === 'number') return BigInt(value);
  if ((schema.type === 'FLOAT32' || schema.type === 'FLOAT64') && typeof value === 'bigint') {
    return schema.type === 'FLOAT32' ? Math.fround(Number(value)) : Number(value);
  }
  return value;
}
