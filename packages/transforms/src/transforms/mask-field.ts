import {
  ConfigDef,
  ConnectDate,
  ConnectTime,
  ConnectTimestamp,
  DataError,
  Decimal,
  DecimalValue,
  NonEmptyString,
  Struct,
  type ConnectRecord,
  type Schema,
} from '@sluice/sdk';
import { OperandTransformation } from '../base/operand-transformation.js';
import { nonEmptyList } from '../config/validators.js';
import { describeType } from '../data/describe-type.js';
import { javaDoubleValue, javaIntegerValue, parseNumber } from '../data/java-numbers.js';
import { requireMap, requireStruct } from '../data/requirements.js';
import { editableCopy, isSchemalessMap, mapGet, mapOfKind } from '../data/schemaless-map.js';

const FIELDS = 'fields';
const REPLACEMENT = 'replacement';
const PURPOSE = 'mask fields';

const CONFIG_DEF = new ConfigDef()
  .define({
    name: FIELDS,
    type: 'LIST',
    validator: nonEmptyList(),
    importance: 'HIGH',
    documentation: 'Names of the fields to mask.',
  })
  .define({
    name: REPLACEMENT,
    type: 'STRING',
    defaultValue: null,
    validator: new NonEmptyString(),
    importance: 'LOW',
    documentation:
      "Text to put in every masked field instead of its type's empty value; it is converted to the field's " +
      'type, so it must be a number for numeric fields. Only numeric and string fields accept a replacement.',
  });

/** How a value is masked, from its schema or, without one, from its JavaScript type. */
type MaskKind =
  | 'BOOLEAN'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FLOAT32'
  | 'FLOAT64'
  | 'STRING'
  | 'DECIMAL'
  | 'DATE'
  | 'ARRAY'
  | 'MAP'
  | 'UNMASKABLE';

const LOGICAL_KINDS: Readonly<Record<string, MaskKind>> = {
  [Decimal.LOGICAL_NAME]: 'DECIMAL',
  [ConnectDate.LOGICAL_NAME]: 'DATE',
  [ConnectTime.LOGICAL_NAME]: 'DATE',
  [ConnectTimestamp.LOGICAL_NAME]: 'DATE',
};

function kindOfSchema(schema: Schema): MaskKind {
  const logical = schema.name === null ? undefined : LOGICAL_KINDS[schema.name];
  if (logical !== undefined) return logical;
  return schema.type === 'BYTES' || schema.type === 'STRUCT' ? 'UNMASKABLE' : schema.type;
}

function kindOfValue(value: unknown): MaskKind {
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (typeof value === 'bigint') return 'INT64';
  // Without a schema a JavaScript number is a double: JSON integers arrive as bigints.
  if (typeof value === 'number') return 'FLOAT64';
  if (typeof value === 'string') return 'STRING';
  if (value instanceof DecimalValue) return 'DECIMAL';
  if (value instanceof Date) return 'DATE';
  if (Array.isArray(value)) return 'ARRAY';
  return isSchemalessMap(value) ? 'MAP' : 'UNMASKABLE';
}

/** The type's "empty" value, as Apache's MaskField chooses it (0, false, "", epoch, empty collection). */
function emptyValue(kind: MaskKind, value: unknown, schema: Schema | null): unknown {
  switch (kind) {
    case 'BOOLEAN':
      return false;
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'FLOAT32':
    case 'FLOAT64':
      return 0;
    case 'INT64':
      return 0n;
    case 'STRING':
      return '';
    case 'DECIMAL':
      return new DecimalValue(0n, schema === null ? 0 : Decimal.scale(schema));
    case 'DATE':
      return new Date(0);
    case 'ARRAY':
      return [];
    case 'MAP':
      return schema === null && isSchemalessMap(value) ? mapOfKind(value, []) : new Map();
    case 'UNMASKABLE':
      throw new DataError(`Cannot mask value of type: ${describeType(value)}`);
  }
}

/** The replacement text converted to the value's type. */
function replacementValue(
  kind: MaskKind,
  value: unknown,
  replacement: string,
  schema: Schema | null,
): unknown {
  switch (kind) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'INT64': {
      const number = parseNumber(replacement);
      return javaIntegerValue(number, kind, typeof number === 'number' && !Number.isInteger(number));
    }
    case 'FLOAT32':
      return Math.fround(javaDoubleValue(parseNumber(replacement)));
    case 'FLOAT64':
      return javaDoubleValue(parseNumber(replacement));
    case 'STRING':
      return replacement;
    case 'DECIMAL': {
      let decimal: DecimalValue;
      try {
        decimal = DecimalValue.parse(replacement);
      } catch (cause) {
        throw new DataError(`Unable to convert ${replacement} (string) to number`, { cause });
      }
      return schema === null ? decimal : decimal.setScale(Decimal.scale(schema));
    }
    default:
      throw new DataError(`Cannot mask value of type ${describeType(value)} with custom replacement.`);
  }
}

interface Settings {
  readonly fields: ReadonlySet<string>;
  readonly replacement: string | null;
}

/**
 * Replaces fields of a Struct or Map key/value with their type's empty value, or with a given replacement
 * (Apache's `MaskField`), e.g. to keep personal data out of a topic. Null fields stay null.
 */
export class MaskField extends OperandTransformation<Settings> {
  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    const config = CONFIG_DEF.parse(props);
    return { fields: new Set(config.get(FIELDS)), replacement: config.get(REPLACEMENT) };
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.operand.value(record);
    const schema = this.operand.schema(record);
    if (schema === null) {
      const map = requireMap(value, PURPOSE);
      const updated = editableCopy(map);
      // As Apache's: a masked field missing from the map is added with a null value.
      for (const field of this.settings.fields) updated.set(field, this.#masked(mapGet(map, field), null));
      return this.operand.replace(record, null, mapOfKind(map, updated));
    }
    const struct = requireStruct(value, PURPOSE);
    const updated = new Struct(struct.schema);
    for (const field of struct.schema.fields) {
      const original = struct.get(field.name);
      updated.put(
        field.name,
        this.settings.fields.has(field.name) ? this.#masked(original, field.schema) : original,
      );
    }
    return this.operand.replace(record, schema, updated);
  }

  #masked(value: unknown, schema: Schema | null): unknown {
    if (value === null) return null;
    const kind = schema === null ? kindOfValue(value) : kindOfSchema(schema);
    const { replacement } = this.settings;
    return replacement === null
      ? emptyValue(kind, value, schema)
      : replacementValue(kind, value, replacement, schema);
  }
}
