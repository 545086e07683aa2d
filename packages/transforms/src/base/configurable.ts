import { ConnectError, type ConfigDef } from '@sluice/sdk';

/**
 * What every transform and predicate shares: `configure` turns the props into typed settings once (throwing
 * a `ConfigError` that names the key), and the record-handling code reads them from {@link settings}.
 */
export abstract class Configurable<S> {
  #settings: { readonly value: S } | null = null;

  abstract config(): ConfigDef;

  /** The settings for these props; throws a `ConfigError` naming the offending key. */
  protected abstract settingsFrom(props: Readonly<Record<string, unknown>>): S;

  configure(configs: Record<string, unknown>): void {
    this.#settings = { value: this.settingsFrom(configs) };
  }

  protected get settings(): S {
    if (this.#settings === null)
      throw new ConnectError(`${this.constructor.name} was used before configure()`);
    return this.#settings.value;
  }

  close(): void {
    // Nothing to release: schema caches are weak.
  }
}
