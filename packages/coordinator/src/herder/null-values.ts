import type { ConfigDef, ConfigInfo, ConfigInfos, ConfigValueInfo } from '@sluice/sdk';

const NULL_VALUE_ERROR = 'Null value can not be supplied as the configuration value.';

/**
 * The validate outcome with Connect's error for each key sent as JSON null
 * (`AbstractHerder.validateConnectorConfig`); connectors and the SDK take strings, so `infos` was
 * computed without those keys. A key the framework defines is shown as validated with a null value, then
 * the error; a key nothing defines gets a new entry without a definition, first. A key the connector
 * itself defines keeps only the connector's outcome, as in Connect, where the connector's value replaces
 * the one carrying the error.
 */
export function withNullValueErrors(
  infos: ConfigInfos,
  nullKeys: readonly string[],
  defs: { framework: ConfigDef; connectorKeys: ReadonlySet<string> },
): ConfigInfos {
  const configs = [...infos.configs];
  const undefinedKeys: ConfigInfo[] = [];
  for (const key of nullKeys.filter((name) => !defs.connectorKeys.has(name))) {
    const at = configs.findIndex((config) => config.definition?.name === key && config.value !== null);
    const sent = configs[at]?.value;
    if (sent) configs[at] = { ...configs[at]!, value: nullOutcome(defs.framework, key, sent) };
    else undefinedKeys.push({ definition: null, value: undefinedNullOutcome(key) });
  }
  const all = [...undefinedKeys, ...configs];
  return {
    ...infos,
    error_count: errorCount(all) - errorCount(infos.configs) + infos.error_count,
    configs: all,
  };
}

/**
 * A defined key's outcome for a null value: what its definition says of null (no default applies), the
 * errors not owed to its absence (such as the sink rule on `topics`), then the null-value error.
 */
function nullOutcome(framework: ConfigDef, key: string, sent: ConfigValueInfo): ConfigValueInfo {
  if (!framework.configKeys().has(key)) return { ...sent, errors: [...sent.errors, NULL_VALUE_ERROR] };
  const asNull = framework.validateAll({ [key]: null }).get(key)!;
  const forAbsence = new Set(framework.validateAll({}).get(key)!.errorMessages);
  const others = sent.errors.filter((error) => !forAbsence.has(error));
  return { ...sent, value: null, errors: [...asNull.errorMessages, ...others, NULL_VALUE_ERROR] };
}

function undefinedNullOutcome(key: string): ConfigValueInfo {
  return { name: key, value: null, recommended_values: [], errors: [NULL_VALUE_ERROR], visible: true };
}

function errorCount(configs: readonly ConfigInfo[]): number {
  return configs.reduce((sum, config) => sum + (config.value?.errors.length ?? 0), 0);
}
