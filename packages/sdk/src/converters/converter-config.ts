import { ConfigDef } from '../config/config-def.js';
import { ValidString } from '../config/validators.js';
import type { ConverterType } from '../storage/converter.js';

/** The key every converter receives, as Connect's `ConverterConfig`. */
export const CONVERTER_TYPE_CONFIG = 'converter.type';

/** A ConfigDef with `converter.type` (required: the runtime always sets it). */
export function converterConfigDef() {
  return new ConfigDef().define({
    name: CONVERTER_TYPE_CONFIG,
    type: 'STRING',
    validator: ValidString.in('key', 'value', 'header'),
    importance: 'LOW',
    documentation: 'Whether the converter handles record keys, record values or headers.',
  });
}

/** The configs a header converter or a key/value converter is configured with, `converter.type` included. */
export function withConverterType(
  configs: Record<string, unknown>,
  isKey: boolean | undefined,
): Record<string, unknown> {
  const type: ConverterType = isKey === undefined ? 'header' : isKey ? 'key' : 'value';
  return { ...configs, [CONVERTER_TYPE_CONFIG]: configs[CONVERTER_TYPE_CONFIG] ?? type };
}
