import { ConfigError } from '@sluice/errors';
import {
  pickKeys,
  providerFailure,
  type ConfigData,
  type ConfigProvider,
  type ProviderParams,
} from '../config-provider.js';

export const ALLOWLIST_PATTERN_PARAM = 'allowlist.pattern';

/**
 * Kafka's EnvVarConfigProvider (KIP-887): `${env:<NAME>}` is the environment variable NAME, when the whole
 * name matches the `allowlist.pattern` regular expression (JavaScript syntax, which shares the common forms
 * with Java's; default: every name). The environment is read on
 * every lookup rather than once at start as in Kafka, so nothing is cached. As in Kafka, a variable with a
 * path fails the transform; a name that is unset or not allowed leaves the variable as written.
 */
export class EnvVarConfigProvider implements ConfigProvider {
  static readonly className = 'org.apache.kafka.common.config.provider.EnvVarConfigProvider';

  private constructor(private readonly allowlist: RegExp) {}

  static configure(params: ProviderParams): EnvVarConfigProvider {
    const key = params.key(ALLOWLIST_PATTERN_PARAM);
    const pattern = params.value(ALLOWLIST_PATTERN_PARAM) ?? '.*';
    try {
      // Compiled alone first so that a pattern like `)|(` cannot break out of the anchors that make it
      // match the whole name, as Java's Matcher.matches() does.
      new RegExp(pattern);
      return new EnvVarConfigProvider(new RegExp(`^(?:${pattern})$`));
    } catch (error) {
      throw new ConfigError(
        key,
        `${key}: invalid regular expression '${pattern}': ${(error as Error).message}`,
      );
    }
  }

  get(path: string, keys: ReadonlySet<string>): Promise<ConfigData> {
    if (path !== '') {
      return Promise.reject(
        providerFailure(`a path is not supported by EnvVarConfigProvider, got '${path}'`),
      );
    }
    return Promise.resolve(
      pickKeys(keys, (name) => (this.allowlist.test(name) ? environment(name) : undefined)),
    );
  }

  close(): void {}
}

// Own properties only: `process.env.toString` is a function, not a variable.
function environment(name: string): string | undefined {
  return Object.hasOwn(process.env, name) ? process.env[name] : undefined;
}
