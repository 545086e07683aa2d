import type { PluginRegistry } from '@sluice/plugins';
import type { ConfigKeys } from '@sluice/sdk';

/** What a hidden value is replaced by, as Connect prints a password. */
export const HIDDEN = '[hidden]';

/**
 * Shorter values are not hidden: replacing every `1` or `on` in a trace would garble it, and a secret that
 * short protects nothing anyway.
 */
export const MIN_HIDDEN_LENGTH = 4;

/**
 * Hides secret values in text that leaves a connector (status traces, error messages, log lines): each
 * value, and its URL- and JSON-escaped forms, becomes `[hidden]`. Longer values first, so a secret that
 * contains another is hidden whole.
 */
export class Redactor {
  static readonly NONE = new Redactor([]);
  readonly #secrets: readonly string[];
  readonly #forms: string[];

  constructor(secrets: Iterable<string>) {
    this.#secrets = [...new Set(secrets)].filter((secret) => secret.length >= MIN_HIDDEN_LENGTH);
    const forms = new Set<string>();
    for (const secret of this.#secrets) {
      forms.add(secret);
      forms.add(encodeURIComponent(secret));
      forms.add(encodeURI(secret));
      forms.add(JSON.stringify(secret).slice(1, -1));
    }
    this.#forms = [...forms].sort((a, b) => b.length - a.length);
  }

  /** A redactor hiding this one's values and `secrets` too. */
  with(secrets: Iterable<string>): Redactor {
    return new Redactor([...this.#secrets, ...secrets]);
  }

  /** The values hidden (at least `MIN_HIDDEN_LENGTH` long). */
  get secrets(): readonly string[] {
    return this.#secrets;
  }

  get empty(): boolean {
    return this.#forms.length === 0;
  }

  redact(text: string): string;
  redact(text: string | undefined): string | undefined;
  redact(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    let out = text;
    for (const form of this.#forms) if (out.includes(form)) out = out.split(form).join(HIDDEN);
    return out;
  }
}

/**
 * The secrets of a connector config: what its variables resolved to (`secrets` of the transform), and the
 * values of keys the connector's config definition types PASSWORD.
 */
export function configSecrets(
  plugins: PluginRegistry,
  resolved: Readonly<Record<string, string>>,
  variableValues: readonly string[],
): Redactor {
  const passwords: string[] = [];
  const keys = passwordKeys(plugins, resolved['connector.class']);
  for (const key of keys) {
    const value = resolved[key];
    if (value !== undefined) passwords.push(value);
  }
  return new Redactor([...variableValues, ...passwords]);
}

/** The PASSWORD-typed keys of a connector class (none when it is unknown or its definition fails). */
export function passwordKeys(plugins: PluginRegistry, connectorClass: string | undefined): string[] {
  const plugin =
    connectorClass === undefined ? undefined : plugins.find(connectorClass.trim(), ['source', 'sink']);
  if (plugin === undefined) return [];
  let def: ConfigKeys;
  try {
    def = (plugin.descriptor.create() as { config(): ConfigKeys }).config();
  } catch {
    return [];
  }
  return [...def.configKeys().values()].filter((key) => key.type === 'PASSWORD').map((key) => key.name);
}
