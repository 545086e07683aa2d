import { CaseInsensitiveValidString, type ConfigDef } from '@sluice/sdk';

/** KIP-1040: whether a null field with a schema default is read as the default, as JsonConverter's key. */
export const REPLACE_NULL_WITH_DEFAULT_CONFIG = 'replace.null.with.default';

export function defineReplaceNullWithDefault<S extends Record<string, unknown>>(def: ConfigDef<S>) {
  return def.define({
    name: REPLACE_NULL_WITH_DEFAULT_CONFIG,
    type: 'BOOLEAN',
    defaultValue: true,
    importance: 'MEDIUM',
    documentation:
      'When true, a null field whose schema has a default value is read as that default; when false, it ' +
      'stays null. Match the converter setting of the same name.',
  });
}

/** KIP-821: how field names are read, V1 (top-level names) or V2 (dotted paths to nested fields). */
export const FIELD_SYNTAX_VERSION_CONFIG = 'field.syntax.version';

export function defineFieldSyntaxVersion<S extends Record<string, unknown>>(def: ConfigDef<S>) {
  return def.define({
    name: FIELD_SYNTAX_VERSION_CONFIG,
    type: 'STRING',
    defaultValue: 'V1',
    validator: CaseInsensitiveValidString.in('V1', 'V2'),
    importance: 'HIGH',
    documentation:
      'How field names are read. V1: a name refers to a top-level field, dots included. V2: dots separate ' +
      'the steps of a path to a nested field; wrap a step that contains dots in backticks (`a.b`), and ' +
      'escape a backtick that ends such a step with a backslash.',
  });
}
