import { CaseInsensitiveValidString } from '../../config/validators.js';
import type { ConfigDef } from '../../config/config-def.js';
import { DataError } from '../../errors.js';
import type { Schema } from '../../data/schema.js';
import { SchemaAndValue } from '../../data/schema-and-value.js';
import type { ConnectHeaders } from '../../header/headers.js';
import type { Converter, HeaderConverter } from '../../storage/converter.js';
import { converterConfigDef, withConverterType } from '../converter-config.js';
import { toConnect, toJson, type JsonDataOptions } from './json-data.js';
import { asConnectSchema, asJsonSchema } from './json-schema.js';
import { parseJson, writeJson, type JsonNode } from './json-text.js';

/** The keys JsonConverter accepts, with Connect's names, types, defaults and groups. */
export function jsonConverterConfigDef() {
  return converterConfigDef()
    .define({
      name: 'schemas.enable',
      type: 'BOOLEAN',
      defaultValue: true,
      importance: 'HIGH',
      documentation: 'Whether each message is an envelope with the schema and the payload.',
      group: 'Schemas',
      orderInGroup: 0,
      width: 'MEDIUM',
      displayName: 'Enable Schemas',
    })
    .define({
      name: 'schemas.cache.size',
      type: 'INT',
      defaultValue: 1000,
      importance: 'HIGH',
      documentation: 'How many schemas the converter keeps converted (accepted for compatibility).',
      group: 'Schemas',
      orderInGroup: 1,
      width: 'MEDIUM',
      displayName: 'Schema Cache Size',
    })
    .define({
      name: 'decimal.format',
      type: 'STRING',
      defaultValue: 'BASE64',
      validator: CaseInsensitiveValidString.in('BASE64', 'NUMERIC'),
      importance: 'LOW',
      documentation:
        "How decimals are written: 'BASE64' (the unscaled bytes) or 'NUMERIC' (a JSON number); any case.",
      group: 'Serialization',
      orderInGroup: 0,
      width: 'MEDIUM',
      displayName: 'Decimal Format',
    })
    .define({
      name: 'replace.null.with.default',
      type: 'BOOLEAN',
      defaultValue: true,
      importance: 'LOW',
      documentation: 'Whether a null value whose schema has a default is written and read as that default.',
      group: 'Serialization',
      orderInGroup: 1,
      width: 'MEDIUM',
      displayName: 'Replace null with default',
    });
}

const ENVELOPE_ERROR =
  'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields.' +
  ' If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.';

/**
 * Connect's JSON format (`org.apache.kafka.connect.json.JsonConverter`). With `schemas.enable` (the default)
 * each message is `{"schema": …, "payload": …}`, the schema in Connect's JSON schema form; without, plain JSON
 * whose types are inferred when read (integers INT64, other numbers FLOAT64, objects MAP). Bytes are base64;
 * Decimal is base64 of its unscaled value or, with `decimal.format=NUMERIC`, a JSON number; Date is days,
 * Time and Timestamp milliseconds. Also usable as a header converter.
 */
export class JsonConverter implements Converter, HeaderConverter {
  #schemasEnabled = true;
  #options: JsonDataOptions = { decimalFormat: 'BASE64', replaceNullWithDefault: true };

  config(): ConfigDef {
    return jsonConverterConfigDef();
  }

  /** `isKey` is left out when configured as a header converter. */
  configure(configs: Record<string, unknown>, isKey?: boolean): void {
    const config = jsonConverterConfigDef().parse(withConverterType(configs, isKey));
    this.#schemasEnabled = config.get('schemas.enable');
    this.#options = {
      decimalFormat: config.get('decimal.format').toUpperCase() as JsonDataOptions['decimalFormat'],
      replaceNullWithDefault: config.get('replace.null.with.default'),
    };
  }

  fromConnectData(
    topic: string,
    headers: ConnectHeaders | null,
    schema: Schema | null,
    value: unknown,
  ): Buffer | null {
    if (schema === null && (value === null || value === undefined)) return null;
    const toJsonWithOptions = (s: Schema | null, v: unknown) => toJson(s, v, this.#options);
    const payload = toJsonWithOptions(schema, value);
    const json: JsonNode = this.#schemasEnabled
      ? new Map<string, JsonNode>([
          ['schema', asJsonSchema(schema, toJsonWithOptions)],
          ['payload', payload],
        ])
      : payload;
    return Buffer.from(writeJson(json), 'utf8');
  }

  toConnectData(topic: string, headers: ConnectHeaders | null, value: Buffer | null): SchemaAndValue {
    if (value === null) return SchemaAndValue.NULL;
    let json: JsonNode | undefined;
    try {
      json = parseJson(value.toString('utf8'));
    } catch (cause) {
      throw new DataError('Converting byte[] to Kafka Connect data failed due to serialization error: ', {
        cause,
      });
    }
    const read = (s: Schema | null, node: JsonNode | undefined) => toConnect(s, node, this.#options);
    if (!this.#schemasEnabled) return new SchemaAndValue(null, read(null, json));
    if (!(json instanceof Map) || json.size !== 2 || !json.has('schema') || !json.has('payload')) {
      throw new DataError(ENVELOPE_ERROR);
    }
    const schema = asConnectSchema(json.get('schema'), read);
    return new SchemaAndValue(schema, read(schema, json.get('payload')));
  }

  fromConnectHeader(topic: string, headerKey: string, schema: Schema | null, value: unknown): Buffer | null {
    return this.fromConnectData(topic, null, schema, value);
  }

  toConnectHeader(topic: string, headerKey: string, value: Buffer | null): SchemaAndValue {
    return this.toConnectData(topic, null, value);
  }

  close(): void {}
}
