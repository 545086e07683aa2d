import { ConfigError } from '@sluice/errors';

/**
 * The worker property an environment variable names, once its prefix is stripped, as Confluent's images
 * derive it (`ub`'s `ConvertKey`, confluentinc/common-docker `base-java/ub/ub.go`), in the same order:
 *
 * 1. an underscore between two other characters becomes `.` (`BOOTSTRAP_SERVERS` → `BOOTSTRAP.SERVERS`);
 *    the three-character matches do not overlap, so of `A_B_C` only the first underscore is converted
 *    (`a.b_c`), as in `ub`;
 * 2. `___` becomes `-`;
 * 3. `__` becomes `_`;
 * 4. the whole name is lower-cased.
 *
 * Four or more underscores in a row are left to these rules (`ub` calls them undefined).
 */
export function envNameToProperty(name: string): string {
  return name
    .replace(/[^_]_[^_]/g, (match) => match.replace('_', '.'))
    .replaceAll('___', '-')
    .replaceAll('__', '_')
    .toLowerCase();
}

/** A variable the mapping leaves out: a setting of Confluent's image, not of a Connect worker. */
export interface SkippedVariable {
  variable: string;
  property: string;
  /** Why Sluice does not use it, for the warning. */
  reason: string;
}

/** Worker properties taken from environment variables. */
export interface EnvProperties {
  /** Property name → value, in the variables' name order. */
  properties: Map<string, string>;
  /** Property name → the variable it came from, for error messages. */
  variables: Map<string, string>;
  /** Variables that name settings only Confluent's image reads; not passed on, warned about. */
  skipped: SkippedVariable[];
}

/**
 * Settings that `cp-kafka-connect` compose files carry and that are not Sluice worker settings: Sluice warns
 * and goes on, so that such a file starts after changing only the image. Any other unknown setting is an
 * error, as it is in a properties file.
 */
const CP_IMAGE_SETTINGS: ReadonlyArray<{ matches: (property: string) => boolean; reason: string }> = [
  {
    // cp-kafka-connect's `configure` still exports the schemas.enable pair when these are JsonConverter.
    matches: (p) => /^internal\.(key|value)\.converter(\.|$)/.test(p),
    reason:
      'internal converters were removed from Kafka Connect in 3.0 (KIP-738); the internal topics hold JSON',
  },
  {
    matches: (p) => p.startsWith('log4j.'),
    reason:
      "it configures log4j in Confluent's image; Sluice logs to stderr, and PUT /admin/loggers/<logger> sets levels",
  },
  {
    matches: (p) => p === 'zookeeper.connect',
    reason: 'Connect workers do not use ZooKeeper',
  },
];

const PREFIX = /^[A-Za-z][A-Za-z0-9_]*_$/;

/**
 * The worker properties that environment variables starting with `prefix` give (`CONNECT_` for the names
 * `cp-kafka-connect` reads): `CONNECT_BOOTSTRAP_SERVERS` → `bootstrap.servers`, `CONNECT_GROUP__ID` →
 * `group_id`, `CONNECT_A___B` → `a-b` ({@link envNameToProperty}). Variables are read in name order; two that
 * name one property are an error.
 */
export function workerPropertiesFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  prefix: string,
): EnvProperties {
  if (!PREFIX.test(prefix)) {
    throw new ConfigError(
      '--env-prefix',
      `--env-prefix must be letters, digits and underscores ending with '_' (such as CONNECT_), got '${prefix}'`,
    );
  }
  const properties = new Map<string, string>();
  const variables = new Map<string, string>();
  const skipped: SkippedVariable[] = [];
  const names = Object.keys(env)
    .filter((name) => name.startsWith(prefix) && name.length > prefix.length && env[name] !== undefined)
    .sort();
  for (const variable of names) {
    const property = envNameToProperty(variable.slice(prefix.length));
    const cpOnly = CP_IMAGE_SETTINGS.find((setting) => setting.matches(property));
    if (cpOnly !== undefined) {
      skipped.push({ variable, property, reason: cpOnly.reason });
      continue;
    }
    const earlier = variables.get(property);
    if (earlier !== undefined) {
      throw new ConfigError(property, `${earlier} and ${variable} both set ${property}; keep one of them`);
    }
    properties.set(property, env[variable]!);
    variables.set(property, variable);
  }
  return { properties, variables, skipped };
}
