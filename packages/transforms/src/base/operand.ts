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

/** An operand over one part of the record: its schema field and its value field. */
function operand(
  variant: Operand['variant'],
  schemaField: 'keySchema' | 'valueSchema',
  valueField: 'key' | 'value',
): Operand {
  return Object.freeze({
    variant,
    schema: (record: ConnectRecord) => record[schemaField],
    value: (record: ConnectRecord) => record[valueField],
    replace: <R extends ConnectRecord>(
      record: R,
      schema: Schema | null,
      value: unknown,
      headers?: Iterable<ConnectHeader>,
    ) =>
      record.newRecord({
        [schemaField]: schema,
        [valueField]: value,
        ...(headers === undefined ? {} : { headers }),
      }),
  });
}

export const KEY: Operand = operand('Key', 'keySchema', 'key');
export const VALUE: Operand = operand('Value', 'valueSchema', 'value');
