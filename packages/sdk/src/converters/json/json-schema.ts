import { DataError } from '../../errors.js';
import type { Schema, SchemaType } from '../../data/schema.js';
import { SchemaBuilder } from '../../data/schema-builder.js';
import { isJsonObject, JsonNumber, type JsonNode, type JsonObject } from './json-text.js';

/** Connect's type names in a JSON schema. */
const JSON_TYPE_NAMES: Record<SchemaType, string> = {
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FLOAT32: 'float',
  FLOAT64: 'double',
  BOOLEAN: 'boolean',
  STRING: 'string',
  BYTES: 'bytes',
  ARRAY: 'array',
  MAP: 'map',
  STRUCT: 'struct',
};
const TYPES_BY_JSON_NAME = new Map(Object.entries(JSON_TYPE_NAMES).map(([t, n]) => [n, t as SchemaType]));

/**
 * A schema in Connect's JSON schema form, properties in the order Connect writes them: type, fields/items/
 * keys+values, optional, name, version, doc, parameters, default. `toJson` renders the default value.
 */
export function asJsonSchema(
  schema: Schema | null,
  toJson: (schema: Schema, value: unknown) => JsonNode,
): JsonNode {
  if (schema === null) return null;
  const json: JsonObject = new Map<string, JsonNode>([['type', JSON_TYPE_NAMES[schema.type]]]);
  if (schema.type === 'STRUCT') {
    json.set(
      'fields',
      schema.fields.map((f) => {
        const field = asJsonSchema(f.schema, toJson) as JsonObject;
        field.set('field', f.name);
        return field;
      }),
    );
  } else if (schema.type === 'ARRAY') {
    json.set('items', asJsonSchema(schema.valueSchema, toJson));
  } else if (schema.type === 'MAP') {
    json.set('keys', asJsonSchema(schema.keySchema, toJson));
    json.set('values', asJsonSchema(schema.valueSchema, toJson));
  }
  json.set('optional', schema.optional);
  if (schema.name !== null) json.set('name', schema.name);
  if (schema.version !== null) json.set('version', new JsonNumber(String(schema.version)));
  if (schema.doc !== null) json.set('doc', schema.doc);
  if (schema.parameters !== null) json.set('parameters', new Map(Object.entries(schema.parameters)));
  if (schema.defaultValue !== null) json.set('default', toJson(schema, schema.defaultValue));
  return json;
}

/** A schema from Connect's JSON schema form; null for a JSON null. `toConnect` reads the default value. */
export function asConnectSchema(
  json: JsonNode | undefined,
  toConnect: (schema: Schema, value: JsonNode) => unknown,
): Schema | null {
  if (json === null || json === undefined) return null;
  if (!isJsonObject(json)) throw new DataError('Schema must be a JSON object');
  const typeName = json.get('type');
  if (typeof typeName !== 'string') throw new DataError("Schema must contain 'type' field");
  const type = TYPES_BY_JSON_NAME.get(typeName);
  if (type === undefined) throw new DataError(`Unknown schema type: ${typeName}`);
  const builder = typedBuilder(type, json, toConnect);
  if (json.get('optional') === true) builder.optional();
  else builder.required();
  const name = json.get('name');
  if (typeof name === 'string') builder.name(name);
  const version = json.get('version');
  if (version instanceof JsonNumber) {
    if (!version.integral) throw new DataError('Schema version must be an integer');
    builder.version(Number(version.text));
  }
  const doc = json.get('doc');
  if (typeof doc === 'string') builder.doc(doc);
  const parameters = json.get('parameters');
  if (isJsonObject(parameters)) {
    for (const [key, value] of parameters) {
      if (typeof value !== 'string') throw new DataError('Schema parameters must have string values.');
      builder.parameter(key, value);
    }
  }
  const defaultValue = json.get('default');
  if (defaultValue !== undefined && defaultValue !== null) {
    builder.defaultValue(toConnect(builder.build(), defaultValue));
  }
  return builder.build();
}

function typedBuilder(
  type: SchemaType,
  json: JsonObject,
  toConnect: (schema: Schema, value: JsonNode) => unknown,
): SchemaBuilder {
  const child = (key: string, message: string): Schema => {
    const schema = asConnectSchema(json.get(key), toConnect);
    if (schema === null) throw new DataError(message);
    return schema;
  };
  switch (type) {
    case 'ARRAY':
      return SchemaBuilder.array(child('items', 'Array schema did not specify the element type'));
    case 'MAP':
      return SchemaBuilder.map(
        child('keys', 'Map schema did not specify the key type'),
        child('values', 'Map schema did not specify the value type'),
      );
    case 'STRUCT': {
      const fields = json.get('fields');
      if (!Array.isArray(fields)) throw new DataError('Struct schema\'s "fields" argument is not an array.');
      const builder = SchemaBuilder.struct();
      for (const field of fields) {
        const name = isJsonObject(field) ? field.get('field') : undefined;
        if (typeof name !== 'string')
          throw new DataError("Struct schema's field name not specified properly");
        const schema = asConnectSchema(field, toConnect);
        if (schema !== null) builder.field(name, schema);
      }
      return builder;
    }
    default:
      return SchemaBuilder.type(type);
  }
}
