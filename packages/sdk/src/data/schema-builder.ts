import { DataError } from '../errors.js';
import { ConnectSchema, type Field, type Schema, type SchemaType } from './schema.js';
import { validateValue } from './validate-value.js';

/**
 * Builds a {@link Schema} step by step (Connect's `SchemaBuilder`): `SchemaBuilder.struct().name('x')
 * .field('id', Schema.INT64_SCHEMA).build()`. Each property may be set once; a default value is validated
 * against the schema as built so far.
 */
export class SchemaBuilder {
  readonly type: SchemaType;
  #optional: boolean | null = null;
  #defaultValue: unknown = null;
  #name: string | null = null;
  #version: number | null = null;
  #doc: string | null = null;
  #parameters: Record<string, string> | null = null;
  readonly #fields = new Map<string, Field>();
  readonly #keySchema: Schema | null;
  readonly #valueSchema: Schema | null;

  constructor(type: SchemaType, keySchema: Schema | null = null, valueSchema: Schema | null = null) {
    this.type = type;
    this.#keySchema = keySchema;
    this.#valueSchema = valueSchema;
  }

  static type(type: SchemaType): SchemaBuilder {
    return new SchemaBuilder(type);
  }
  static int8(): SchemaBuilder {
    return new SchemaBuilder('INT8');
  }
  static int16(): SchemaBuilder {
    return new SchemaBuilder('INT16');
  }
  static int32(): SchemaBuilder {
    return new SchemaBuilder('INT32');
  }
  static int64(): SchemaBuilder {
    return new SchemaBuilder('INT64');
  }
  static float32(): SchemaBuilder {
    return new SchemaBuilder('FLOAT32');
  }
  static float64(): SchemaBuilder {
    return new SchemaBuilder('FLOAT64');
  }
  static bool(): SchemaBuilder {
    return new SchemaBuilder('BOOLEAN');
  }
  static string(): SchemaBuilder {
    return new SchemaBuilder('STRING');
  }
  static bytes(): SchemaBuilder {
    return new SchemaBuilder('BYTES');
  }
  static struct(): SchemaBuilder {
    return new SchemaBuilder('STRUCT');
  }
  /** An ARRAY whose elements follow `valueSchema`. */
  static array(valueSchema: Schema | SchemaBuilder): SchemaBuilder {
    return new SchemaBuilder('ARRAY', null, resolve(valueSchema));
  }
  /** A MAP from `keySchema` to `valueSchema`. */
  static map(keySchema: Schema | SchemaBuilder, valueSchema: Schema | SchemaBuilder): SchemaBuilder {
    return new SchemaBuilder('MAP', resolve(keySchema), resolve(valueSchema));
  }

  #once(property: string, current: unknown): void {
    if (current !== null) throw new DataError(`Invalid SchemaBuilder call: ${property} has already been set.`);
  }

  /** Null is a valid value. @default required */
  optional(): this {
    this.#once('optional', this.#optional);
    this.#optional = true;
    return this;
  }
  required(): this {
    this.#once('optional', this.#optional);
    this.#optional = false;
    return this;
  }
  /** The value used in place of null; validated against this schema. */
  defaultValue(value: unknown): this {
    this.#once('default', this.#defaultValue);
    try {
      validateValue(this.build(), value);
    } catch (cause) {
      throw new DataError('Invalid default value', { cause });
    }
    this.#defaultValue = value;
    return this;
  }
  name(name: string): this {
    this.#once('name', this.#name);
    this.#name = name;
    return this;
  }
  version(version: number): this {
    this.#once('version', this.#version);
    this.#version = version;
    return this;
  }
  doc(doc: string): this {
    this.#once('doc', this.#doc);
    this.#doc = doc;
    return this;
  }
  parameter(key: string, value: string): this {
    this.#parameters = { ...this.#parameters, [key]: value };
    return this;
  }
  parameters(parameters: Readonly<Record<string, string>>): this {
    this.#parameters = { ...this.#parameters, ...parameters };
    return this;
  }
  /** Adds a field to a STRUCT. */
  field(name: string, schema: Schema | SchemaBuilder): this {
    if (this.type !== 'STRUCT') throw new DataError(`Cannot create fields on type ${this.type}`);
    if (!name) throw new DataError('fieldName cannot be null.');
    if (this.#fields.has(name)) throw new DataError(`Cannot create field because of field name duplication ${name}`);
    this.#fields.set(name, Object.freeze({ name, index: this.#fields.size, schema: resolve(schema) }));
    return this;
  }

  build(): Schema {
    return new ConnectSchema({
      type: this.type,
      optional: this.#optional ?? false,
      defaultValue: this.#defaultValue,
      name: this.#name,
      version: this.#version,
      doc: this.#doc,
      parameters: this.#parameters,
      fields: [...this.#fields.values()],
      keySchema: this.#keySchema,
      valueSchema: this.#valueSchema,
    });
  }
}

function resolve(schema: Schema | SchemaBuilder): Schema {
  return schema instanceof SchemaBuilder ? schema.build() : schema;
}
