import { ConfigDef, SchemaBuilder, Struct, type ConnectRecord } from '@sluice/sdk';
import { OperandTransformation } from '../base/operand-transformation.js';
import { translateDeprecatedKeys } from '../config/deprecated-keys.js';
import { listParsedBy } from '../config/validators.js';
import { splitLikeJava } from '../java/split.js';
import { requireMap, requireStruct } from '../data/requirements.js';
import { mapEntries, mapOfKind } from '../data/schemaless-map.js';
import { copySchemaBasics, SchemaCache } from '../data/schemas.js';

const EXCLUDE = 'exclude';
const INCLUDE = 'include';
const RENAMES = 'renames';
/** Names Connect 2.x used for `exclude` and `include` (KIP-629), still accepted. */
const BLACKLIST = 'blacklist';
const WHITELIST = 'whitelist';

const PURPOSE = 'field replacement';

/** `old:new` pairs as a map, or the message for the first malformed pair. */
function parseRenames(mappings: readonly string[]): Map<string, string> | string {
  const renames = new Map<string, string>();
  for (const mapping of mappings) {
    const parts = splitLikeJava(mapping, ':');
    if (parts.length !== 2) return `Invalid rename mapping: ${mapping}`;
    renames.set(parts[0] as string, parts[1] as string);
  }
  return renames;
}

const CONFIG_DEF = new ConfigDef()
  .define({
    name: EXCLUDE,
    type: 'LIST',
    defaultValue: '',
    importance: 'MEDIUM',
    documentation: `Fields to drop. Wins over ${INCLUDE} for a field in both.`,
  })
  .define({
    name: BLACKLIST,
    type: 'LIST',
    defaultValue: null,
    importance: 'LOW',
    documentation: `Deprecated: the former name of ${EXCLUDE}, used only when ${EXCLUDE} is not set.`,
  })
  .define({
    name: INCLUDE,
    type: 'LIST',
    defaultValue: '',
    importance: 'MEDIUM',
    documentation: 'Fields to keep; when set, every other field is dropped. Empty keeps every field.',
  })
  .define({
    name: WHITELIST,
    type: 'LIST',
    defaultValue: null,
    importance: 'LOW',
    documentation: `Deprecated: the former name of ${INCLUDE}, used only when ${INCLUDE} is not set.`,
  })
  .define({
    name: RENAMES,
    type: 'LIST',
    defaultValue: '',
    validator: listParsedBy(parseRenames, 'list of colon-delimited pairs, e.g. foo:bar,abc:xyz'),
    importance: 'MEDIUM',
    documentation: 'Fields to rename, as old:new pairs separated by commas, e.g. foo:bar,abc:xyz.',
  });

interface Settings {
  readonly exclude: ReadonlySet<string>;
  readonly include: ReadonlySet<string>;
  readonly renames: ReadonlyMap<string, string>;
  readonly reverseRenames: ReadonlyMap<string, string>;
}

/**
 * Drops, keeps and renames the fields of a Struct or Map key/value (Apache's `ReplaceField`). Renames apply
 * to the fields that are kept; `include` and `exclude` name fields by their original names.
 */
export class ReplaceField extends OperandTransformation<Settings> {
  readonly #schemas = new SchemaCache();

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  protected settingsFrom(props: Readonly<Record<string, unknown>>): Settings {
    const config = CONFIG_DEF.parse(
      translateDeprecatedKeys(props, { [EXCLUDE]: BLACKLIST, [INCLUDE]: WHITELIST }),
    );
    const renames = parseRenames(config.get(RENAMES)) as Map<string, string>;
    return {
      exclude: new Set(config.get(EXCLUDE)),
      include: new Set(config.get(INCLUDE)),
      renames,
      reverseRenames: new Map([...renames].map(([from, to]) => [to, from])),
    };
  }

  apply<R extends ConnectRecord>(record: R): R {
    const value = this.operand.value(record);
    if (value === null) return record;
    if (this.operand.schema(record) === null) {
      const map = requireMap(value, PURPOSE);
      const kept = mapEntries(map).filter(([name]) => this.#keeps(String(name)));
      return this.operand.replace(
        record,
        null,
        mapOfKind(
          map,
          kept.map(([name, v]) => [this.#renamed(String(name)), v]),
        ),
      );
    }
    const struct = requireStruct(value, PURPOSE);
    const schema = this.#schemas.get(struct.schema, (source) => {
      const builder = copySchemaBasics(source, SchemaBuilder.struct());
      for (const field of source.fields)
        if (this.#keeps(field.name)) builder.field(this.#renamed(field.name), field.schema);
      return builder.build();
    });
    const updated = new Struct(schema);
    for (const field of schema.fields) {
      updated.put(field.name, struct.get(this.settings.reverseRenames.get(field.name) ?? field.name));
    }
    return this.operand.replace(record, schema, updated);
  }

  #keeps(name: string): boolean {
    const { exclude, include } = this.settings;
    return !exclude.has(name) && (include.size === 0 || include.has(name));
  }

  #renamed(name: string): string {
    return this.settings.renames.get(name) ?? name;
  }
}
