import { ConfigDef, DataError, invalidValue, type ConnectRecord } from '@sluice/sdk';
import { OperandTransformation } from '../base/operand-transformation.js';
import {
  defineFieldSyntaxVersion,
  defineReplaceNullWithDefault,
  FIELD_SYNTAX_VERSION_CONFIG,
  REPLACE_NULL_WITH_DEFAULT_CONFIG,
} from '../config/common-keys.js';
import { FieldPath, type FieldSyntaxVersion } from '../data/field-path.js';
import { requireMapOrNull, requireStructOrNull } from '../data/requirements.js';

const FIELD = 'field';
const PURPOSE = 'field extraction';

const CONFIG_DEF = defineReplaceNullWithDefault(
  defineFieldSyntaxVersion(
    new ConfigDef().define({
      name: FIELD,
      type: 'STRING',
      importance: 'MEDIUM',
      documentation: `The field whose value becomes the whole key or value; a dotted path when ${FIELD_SYNTAX_VERSION_CONFIG} is V2.`,
    }),
  ),
);

interface Settings {
  readonly path: FieldPath;
  readonly replaceNullWithDefault: boolean;
}

/**
 * Replaces a Struct or Map key/value with one of its fields (Apache's `ExtractField`); with
 * `field.syntax.version=V2` the field may be nested. A null key/value, or a missing field without a schema,
 * gives null.
 */
export class ExtractField extends OperandTransformation<Settings> {
  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    const config = CONFIG_DEF.parse(props);
    const text = config.get(FIELD);
    const version = config.get(FIELD_SYNTAX_VERSION_CONFIG).toUpperCase() as FieldSyntaxVersion;
    try {
      return {
        path: new FieldPath(text, version),
        replaceNullWithDefault: config.get(REPLACE_NULL_WITH_DEFAULT_CONFIG),
      };
    } catch (error) {
      throw invalidValue(FIELD, text, (error as Error).message);
    }
  }

  apply<R extends ConnectRecord>(record: R): R {
    const { path, replaceNullWithDefault } = this.settings;
    const schema = this.operand.schema(record);
    if (schema === null) {
      const map = requireMapOrNull(this.operand.value(record), PURPOSE);
      return this.operand.replace(record, null, map === null ? null : path.valueInMap(map));
    }
    const struct = requireStructOrNull(this.operand.value(record), PURPOSE);
    const field = path.fieldIn(schema);
    if (field === null) throw new DataError(`Unknown field: ${path.text}`);
    const value = struct === null ? null : path.valueInStruct(struct, replaceNullWithDefault);
    return this.operand.replace(record, field.schema, value);
  }
}
