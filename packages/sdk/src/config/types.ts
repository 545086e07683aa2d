import type { Password } from './password.js';

/** Config types, as Kafka's `ConfigDef.Type`. */
export type ConfigType =
  'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD';

/**
 * The parsed value of each config type. LONG is a `bigint`, like INT64 data, so that values such as
 * `9223372036854775807` (Long.MAX_VALUE, a common "no limit") survive parsing and REST output exactly.
 * CLASS is the class name: the runtime resolves it through the plugin descriptors.
 */
export interface ConfigValueTypes {
  BOOLEAN: boolean;
  STRING: string;
  INT: number;
  SHORT: number;
  LONG: bigint;
  DOUBLE: number;
  LIST: string[];
  CLASS: string;
  PASSWORD: Password;
}

export type Importance = 'HIGH' | 'MEDIUM' | 'LOW';
/** How wide a UI should show the value. */
export type Width = 'NONE' | 'SHORT' | 'MEDIUM' | 'LONG';

/** Marks a key as required: there is no default, and a missing value is an error. */
export const NO_DEFAULT_VALUE: unique symbol = Symbol.for('sluice.config.noDefault');
export type NoDefault = typeof NO_DEFAULT_VALUE;

/** Checks one parsed value; throws a `ConfigError` made with `invalidValue` when it is not acceptable. */
export interface Validator {
  ensureValid(name: string, value: unknown): void;
  /** Describes the accepted values, for documentation (e.g. `[1,...,10]`). */
  toString(): string;
}

/** Suggests values for a key and whether it applies, from the other keys' parsed values. */
export interface Recommender {
  /** Values a UI may offer; a key with a recommender whose value is not among them is still accepted. */
  validValues(name: string, parsedConfig: Readonly<Record<string, unknown>>): unknown[];
  /** Whether the key matters given the others (e.g. SSL keys only when SSL is on). */
  visible(name: string, parsedConfig: Readonly<Record<string, unknown>>): boolean;
}

/** The raw default of a key of type T: a parsed value, its text, null, or {@link NO_DEFAULT_VALUE}. */
export type DefaultValue<T extends ConfigType> = ConfigValueTypes[T] | string | null | NoDefault;

/** What `ConfigDef.define` takes. */
export interface ConfigKeyDefinition<
  N extends string = string,
  T extends ConfigType = ConfigType,
  D = NoDefault,
> {
  name: N;
  type: T;
  /** Parsed with the type's rules and checked by the validator at definition time. @default NO_DEFAULT_VALUE (required) */
  defaultValue?: D;
  importance: Importance;
  documentation: string | null;
  validator?: Validator | null;
  /** @default null */
  group?: string | null;
  /** Position within the group, from 1. @default -1 */
  orderInGroup?: number;
  /** @default 'NONE' */
  width?: Width;
  /** @default the name */
  displayName?: string;
  /** Keys whose recommendations depend on this one. @default [] */
  dependents?: readonly string[];
  /** @default null */
  recommender?: Recommender | null;
}

/** A defined key, with defaults filled in and the default value parsed. */
export interface ConfigKey {
  readonly name: string;
  readonly type: ConfigType;
  /** The parsed default, null, or {@link NO_DEFAULT_VALUE} for a required key. */
  readonly defaultValue: unknown;
  readonly importance: Importance;
  readonly documentation: string | null;
  readonly validator: Validator | null;
  readonly group: string | null;
  readonly orderInGroup: number;
  readonly width: Width;
  readonly displayName: string;
  readonly dependents: readonly string[];
  readonly recommender: Recommender | null;
}

/** The outcome of validating one key (Kafka's `ConfigValue`). */
export interface ConfigValue {
  name: string;
  /** The parsed value; null when missing or unparsable. */
  value: unknown;
  recommendedValues: unknown[];
  errorMessages: string[];
  visible: boolean;
}
