/**
 * Parsed values of a `ConfigDef` (Kafka's `AbstractConfig`, minus the plugin loading): typed access to the
 * defined keys, and the original properties for families of keys a component passes on (`producer.*`).
 */
export class ParsedConfig<S extends Record<string, unknown> = Record<string, unknown>> {
  readonly #values: S;
  readonly #originals: Readonly<Record<string, unknown>>;

  constructor(values: S, originals: Readonly<Record<string, unknown>>) {
    this.#values = Object.freeze({ ...values });
    this.#originals = Object.freeze({ ...originals });
  }

  /** The parsed value of a defined key. */
  get<K extends keyof S & string>(name: K): S[K] {
    return this.#values[name];
  }

  /** Every defined key's parsed value. */
  values(): Readonly<S> {
    return this.#values;
  }

  /** The properties as given, defined or not. */
  originals(): Readonly<Record<string, unknown>> {
    return this.#originals;
  }

  /** The original properties starting with `prefix`, with the prefix removed unless `strip` is false. */
  originalsWithPrefix(prefix: string, strip = true): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(this.#originals)) {
      if (key.startsWith(prefix)) result[strip ? key.slice(prefix.length) : key] = value;
    }
    return result;
  }
}
