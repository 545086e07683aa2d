import type { ConnectHeader, ConnectRecord, Schema } from '@sluice/sdk';

/**
 * The part of a record a `$Key` or `$Value` transform works on: Connect's `operatingSchema`,
 * `operatingValue` and `newRecord`, shared instead of written twice per transform.
 */
export interface Operand {
  /** The nested class name Apache uses: `Key` or `Value`. */
  readonly variant: 'Key' | 'Value';
  schema(record: ConnectRecord): Schema | null;
  value(record: ConnectRecord): unknown;
  /** A copy of the record with this part (and, when given, the headers) replaced. */
  replace<R extends ConnectRecord>(
    record: R,
    schema: Schema | null,
    value: unknown,
    headers?: Iterable<ConnectHeader>,
  ): R;
}

export const KEY: Operand = Object.freeze({
  variant: 'Key',
  schema: (record: ConnectRecord) => record.keySchema,
  value: (record: ConnectRecord) => record.key,
  replace: <R extends ConnectRecord>(
    record: R,
    schema: Schema | null,
    value: unknown,
    headers?: Iterable<ConnectHeader>,
  ) =>
    record.newRecord(
      headers === undefined ? { keySchema: schema, key: value } : { keySchema: schema, key: value, headers },
    ),
});

export const VALUE: Operand = Object.freeze({
  variant: 'Value',
  schema: (record: ConnectRecord) => record.valueSchema,
  value: (record: ConnectRecord) => record.value,
  replace: <R extends ConnectRecord>(
    record: R,
    schema: Schema | null,
    value: unknown,
    headers?: Iterable<ConnectHeader>,
  ) =>
    record.newRecord(
      headers === undefined ? { valueSchema: schema, value } : { valueSchema: schema, value, headers },
    ),
});
