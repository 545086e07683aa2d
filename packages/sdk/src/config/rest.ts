import type { ConfigKeys } from './config-def.js';
import { convertToString } from './parse-type.js';
import { NO_DEFAULT_VALUE, type ConfigKey, type ConfigType, type ConfigValue } from './types.js';

/*
 * The REST bodies of Apache Kafka Connect 3.9 (`ConfigInfos`, `ConfigInfo`, `ConfigKeyInfo`,
 * `ConfigValueInfo`), built as `AbstractHerder.generateResult` / `convertConfigKey` / `convertConfigValue`
 * build them. Property order matches Jackson's output, so `JSON.stringify` gives the same text.
 */

/** One key's definition, as in `GET /connector-plugins/{plugin}/config` and the validate response. */
export interface ConfigKeyInfo {
  name: string;
  type: ConfigType;
  required: boolean;
  /** The default as text; null for a required key or a null default; `[hidden]` for a password. */
  default_value: string | null;
  importance: string;
  documentation: string | null;
  group: string | null;
  width: string;
  display_name: string;
  dependents: string[];
  order: number;
}

/** One key's validation outcome. */
export interface ConfigValueInfo {
  name: string;
  /** The parsed value as text; `[hidden]` for a password; null when missing or unparsable. */
  value: string | null;
  recommended_values: string[];
  errors: string[];
  visible: boolean;
}

export interface ConfigInfo {
  definition: ConfigKeyInfo | null;
  value: ConfigValueInfo | null;
}

/** The body of `PUT /connector-plugins/{plugin}/config/validate`. */
export interface ConfigInfos {
  name: string;
  error_count: number;
  groups: string[];
  configs: ConfigInfo[];
}

/** A key's REST definition; `prefix` is prepended to the name (`transforms.x.` for a transform's keys). */
export function configKeyInfo(key: ConfigKey, prefix = ''): ConfigKeyInfo {
  const required = key.defaultValue === NO_DEFAULT_VALUE;
  return {
    name: prefix + key.name,
    type: key.type,
    required,
    default_value: required ? null : convertToString(key.defaultValue, key.type),
    importance: key.importance,
    documentation: key.documentation,
    group: key.group,
    width: key.width,
    display_name: key.displayName,
    dependents: [...key.dependents],
    order: key.orderInGroup,
  };
}

/** The body of `GET /connector-plugins/{plugin}/config`: every key's definition, in definition order. */
export function configKeyInfos(def: ConfigKeys, prefix = ''): ConfigKeyInfo[] {
  return [...def.configKeys().values()].map((key) => configKeyInfo(key, prefix));
}

/** A key's REST validation outcome; `type` renders the value and recommendations (null: as plain text). */
export function configValueInfo(value: ConfigValue, type: ConfigType | null): ConfigValueInfo {
  // Recommended values of a LIST key are single elements, so they are rendered as strings.
  const recommendedType = type === 'LIST' ? 'STRING' : type;
  return {
    name: value.name,
    value: convertToString(value.value, type),
    recommended_values: value.recommendedValues.map((v) => convertToString(v, recommendedType) ?? 'null'),
    errors: [...value.errorMessages],
    visible: value.visible,
  };
}

/**
 * The validate response for `def` and its validation outcome (`def.validate(props)`), named after the plugin
 * class. Outcomes for keys `def` does not define come first, without a definition, as Connect does.
 */
export function configInfos(
  name: string,
  def: ConfigKeys,
  values: readonly ConfigValue[],
  groups: readonly string[] = def.groups(),
): ConfigInfos {
  const keys = def.configKeys();
  const byName = new Map(values.map((v) => [v.name, v]));
  let errorCount = 0;
  const configs: ConfigInfo[] = [];
  for (const value of values) {
    if (keys.has(value.name)) continue;
    configs.push({ definition: null, value: configValueInfo(value, null) });
    errorCount += value.errorMessages.length;
  }
  for (const key of keys.values()) {
    const value = byName.get(key.name);
    if (value) errorCount += value.errorMessages.length;
    configs.push({ definition: configKeyInfo(key), value: value ? configValueInfo(value, key.type) : null });
  }
  return { name, error_count: errorCount, groups: [...groups], configs };
}

/** Validates `props` against `def` and returns the validate response (`configInfos` of `def.validate`). */
export function validateConfig(
  name: string,
  def: ConfigKeys,
  props: Readonly<Record<string, unknown>>,
): ConfigInfos {
  return configInfos(name, def, def.validate(props));
}

/** Several validate responses as one (the runtime adds its own keys to a connector's), as Connect merges them. */
export function mergeConfigInfos(name: string, ...parts: readonly ConfigInfos[]): ConfigInfos {
  return {
    name,
    error_count: parts.reduce((sum, p) => sum + p.error_count, 0),
    groups: parts.flatMap((p) => p.groups),
    configs: parts.flatMap((p) => p.configs),
  };
}
