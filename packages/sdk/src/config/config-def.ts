import { ConfigError } from '@sluice/errors';
import { parseType } from './parse-type.js';
import { ParsedConfig } from './parsed-config.js';
import {
  NO_DEFAULT_VALUE,
  type ConfigKey,
  type ConfigKeyDefinition,
  type ConfigType,
  type ConfigValue,
  type ConfigValueTypes,
  type DefaultValue,
  type NoDefault,
} from './types.js';

/** The parsed type of a key: nullable only when its default is null. */
export type ParsedValue<T extends ConfigType, D> = [D] extends [null]
  ? ConfigValueTypes[T] | null
  : ConfigValueTypes[T];

/**
 * The keys a connector, task, converter or transform accepts (Kafka's `ConfigDef`): one description drives
 * parsing (`parse`), the validate endpoint (`validate` + `configInfos`) and the plugin config endpoint
 * (`configKeyInfos`). Each `define` widens the parsed type, so `def.parse(props).get('port')` is typed.
 */
export class ConfigDef<S extends Record<string, unknown> = Record<string, unknown>> {
  readonly #keys = new Map<string, ConfigKey>();
  readonly #groups: string[] = [];

  /** Adds a key; throws if the name is taken or the default is not valid. */
  define<const N extends string, T extends ConfigType, D extends DefaultValue<T> = NoDefault>(
    definition: ConfigKeyDefinition<N, T, D>,
  ): ConfigDef<S & { [K in N]: ParsedValue<T, D> }> {
    const { name, type } = definition;
    if (this.#keys.has(name)) throw new ConfigError(name, `Configuration ${name} is defined twice.`);
    const raw = definition.defaultValue ?? (definition.defaultValue === null ? null : NO_DEFAULT_VALUE);
    const defaultValue = raw === NO_DEFAULT_VALUE ? NO_DEFAULT_VALUE : parseType(name, raw, type);
    const validator = definition.validator ?? null;
    if (validator && defaultValue !== NO_DEFAULT_VALUE) validator.ensureValid(name, defaultValue);
    const group = definition.group ?? null;
    if (group !== null && !this.#groups.includes(group)) this.#groups.push(group);
    this.#keys.set(
      name,
      Object.freeze({
        name,
        type,
        defaultValue,
        importance: definition.importance,
        documentation: definition.documentation,
        validator,
        group,
        orderInGroup: definition.orderInGroup ?? -1,
        width: definition.width ?? 'NONE',
        displayName: definition.displayName ?? name,
        dependents: Object.freeze([...(definition.dependents ?? [])]),
        recommender: definition.recommender ?? null,
      }),
    );
    return this as unknown as ConfigDef<S & { [K in N]: ParsedValue<T, D> }>;
  }

  /** Every key defined by `other` that this one lacks, added in its order (Kafka's `withClientSslSupport`-style merges). */
  withAll<O extends Record<string, unknown>>(other: ConfigDef<O>): ConfigDef<S & O> {
    for (const key of other.configKeys().values()) {
      if (this.#keys.has(key.name)) continue;
      if (key.group !== null && !this.#groups.includes(key.group)) this.#groups.push(key.group);
      this.#keys.set(key.name, key);
    }
    return this as unknown as ConfigDef<S & O>;
  }

  /** The defined keys in definition order. */
  configKeys(): ReadonlyMap<string, ConfigKey> {
    return this.#keys;
  }

  names(): string[] {
    return [...this.#keys.keys()];
  }

  /** Group names in order of first use. */
  groups(): string[] {
    return [...this.#groups];
  }

  /**
   * Parses and validates every defined key; keys that are not defined are ignored (and kept in
   * `originals()`). Throws a `ConfigError` naming the first bad key, as Kafka's `ConfigDef.parse`.
   */
  parse(props: Readonly<Record<string, unknown>>): ParsedConfig<S> {
    const values: Record<string, unknown> = {};
    for (const key of this.#keys.values()) {
      let value: unknown;
      if (Object.hasOwn(props, key.name)) value = parseType(key.name, props[key.name], key.type);
      else if (key.defaultValue === NO_DEFAULT_VALUE) throw missing(key.name);
      else value = key.defaultValue;
      key.validator?.ensureValid(key.name, value);
      values[key.name] = value;
    }
    return new ParsedConfig(values as S, props);
  }

  /** One {@link ConfigValue} per key, in definition order, with every error of each (Kafka's `ConfigDef.validate`). */
  validate(props: Readonly<Record<string, unknown>>): ConfigValue[] {
    return [...this.validateAll(props).values()];
  }

  /** As {@link validate}, by name; keys named as dependents but not defined come first, with an error. */
  validateAll(props: Readonly<Record<string, unknown>>): Map<string, ConfigValue> {
    const results = new Map<string, ConfigValue>();
    for (const undefinedKey of this.#undefinedDependents()) {
      const value = configValue(undefinedKey);
      value.errorMessages.push(`${undefinedKey} is referred in the dependents, but not defined.`);
      value.visible = false;
      results.set(undefinedKey, value);
    }
    const parsed: Record<string, unknown> = {};
    for (const key of this.#keys.values()) {
      const result = configValue(key.name);
      results.set(key.name, result);
      let value: unknown = null;
      if (Object.hasOwn(props, key.name)) {
        try {
          value = parseType(key.name, props[key.name], key.type);
        } catch (error) {
          result.errorMessages.push(message(error));
        }
      } else if (key.defaultValue === NO_DEFAULT_VALUE) {
        result.errorMessages.push(missing(key.name).message);
      } else value = key.defaultValue;
      try {
        key.validator?.ensureValid(key.name, value);
      } catch (error) {
        result.errorMessages.push(message(error));
      }
      result.value = value;
      parsed[key.name] = value;
    }
    for (const key of this.#keys.values()) {
      if (!key.recommender) continue;
      const result = results.get(key.name);
      if (!result) continue;
      try {
        result.recommendedValues = key.recommender.validValues(key.name, parsed);
        result.visible = key.recommender.visible(key.name, parsed);
      } catch (error) {
        result.errorMessages.push(message(error));
      }
    }
    return results;
  }

  #undefinedDependents(): string[] {
    const names = new Set<string>();
    for (const key of this.#keys.values()) {
      for (const dependent of key.dependents) if (!this.#keys.has(dependent)) names.add(dependent);
    }
    return [...names];
  }
}

function configValue(name: string): ConfigValue {
  return { name, value: null, recommendedValues: [], errorMessages: [], visible: true };
}

function missing(name: string): ConfigError {
  return new ConfigError(name, `Missing required configuration "${name}" which has no default value.`);
}

function message(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** What REST rendering needs of a `ConfigDef`, whatever its parsed shape. */
export type ConfigKeys = Pick<ConfigDef, 'configKeys' | 'groups' | 'validate'>;
