import {
  ConfigDef,
  DataError,
  SchemaBuilder,
  Struct,
  ValidString,
  invalidValue,
  type ConnectRecord,
} from '@sluice/sdk';
import { OperandTransformation } from '../base/operand-transformation.js';
import { defineReplaceNullWithDefault, REPLACE_NULL_WITH_DEFAULT_CONFIG } from '../config/common-keys.js';
import { nonEmptyList } from '../config/validators.js';
import { requireMap, requireStruct } from '../data/requirements.js';
import { editableCopy, mapGet, mapOfKind } from '../data/schemaless-map.js';
import { copySchemaBasics, fieldValue, SchemaCache } from '../data/schemas.js';

const FIELDS = 'fields';
const HEADERS = 'headers';
const OPERATION = 'operation';
const MOVE = 'move';
const COPY = 'copy';

const CONFIG_DEF = defineReplaceNullWithDefault(
  new ConfigDef()
    .define({
      name: FIELDS,
      type: 'LIST',
      validator: nonEmptyList(),
      importance: 'HIGH',
      documentation: `Fields of the key or value to put in headers, in the order of ${HEADERS}.`,
    })
    .define({
      name: HEADERS,
      type: 'LIST',
      validator: nonEmptyList(),
      importance: 'HIGH',
      documentation: `Names of the headers to create, one for each entry of ${FIELDS}, in the same order.`,
    })
    .define({
      name: OPERATION,
      type: 'STRING',
      validator: ValidString.in(MOVE, COPY),
      importance: 'HIGH',
      documentation: `${MOVE} to remove the fields from the key or value, ${COPY} to leave them there.`,
    }),
);

interface Settings {
  /** [field, header] pairs. */
  readonly pairs: readonly (readonly [string, string])[];
  readonly move: boolean;
  readonly replaceNullWithDefault: boolean;
}

/**
 * Copies or moves fields of a Struct or Map key/value into headers (Apache's `HeaderFrom`); a header keeps
 * its field's schema. Existing headers are kept.
 */
export class HeaderFrom extends OperandTransformation<Settings> {
  readonly #moveSchemas = new SchemaCache();

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    const config = CONFIG_DEF.parse(props);
    const fields = config.get(FIELDS);
    const headers = config.get(HEADERS);
    if (fields.length !== headers.length) {
      throw invalidValue(
        HEADERS,
        headers,
        `'${FIELDS}' config must have the same number of elements as '${HEADERS}' config.`,
      );
    }
    return {
      pairs: fields.map((field, i) => [field, headers[i] as string] as const),
      move: config.get(OPERATION) === MOVE,
      replaceNullWithDefault: config.get(REPLACE_NULL_WITH_DEFAULT_CONFIG),
    };
  }

  apply<R extends ConnectRecord>(record: R): R {
    const { pairs, move, replaceNullWithDefault } = this.settings;
    const purpose = `header ${move ? MOVE : COPY}`;
    const headers = record.headers.duplicate();
    const schema = this.operand.schema(record);
    const value = this.operand.value(record);
    if (schema === null) {
      const map = requireMap(value, purpose);
      const updated = editableCopy(map);
      for (const [field, header] of pairs) {
        if (move) updated.delete(field);
        headers.add(header, null, mapGet(map, field));
      }
      return this.operand.replace(record, null, mapOfKind(map, updated), headers);
    }
    const struct = requireStruct(value, purpose);
    for (const [field, header] of pairs) {
      const fieldSchema = schema.field(field)?.schema;
      if (fieldSchema === undefined) throw new DataError(`${field} is not a valid field name`);
      headers.add(header, fieldSchema, fieldValue(struct, field, replaceNullWithDefault));
    }
    if (!move) return this.operand.replace(record, schema, struct, headers);
    const moved = new Set(pairs.map(([field]) => field));
    const remainingSchema = this.#moveSchemas.get(schema, (source) => {
      const builder = copySchemaBasics(source, SchemaBuilder.struct());
      for (const field of source.fields) if (!moved.has(field.name)) builder.field(field.name, field.schema);
      return builder.build();
    });
    const remaining = new Struct(remainingSchema);
    for (const field of remainingSchema.fields)
      remaining.put(field.name, fieldValue(struct, field.name, replaceNullWithDefault));
    return this.operand.replace(record, remainingSchema, remaining, headers);
  }
}
