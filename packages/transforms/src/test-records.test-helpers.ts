// Test support: records to transform, and configured plugins.
import {
  SinkRecord,
  SourceRecord,
  type Schema,
  type SinkRecordInit,
  type SourceRecordInit,
} from '@sluice/sdk';
import { KEY, VALUE, type Operand } from './base/operand.js';

/** 2023-11-14T22:13:20.000Z */
export const TIMESTAMP = 1_700_000_000_000;

export function sourceRecord(init: Partial<SourceRecordInit> = {}): SourceRecord {
  return new SourceRecord({ topic: 'orders', kafkaPartition: 3, timestamp: TIMESTAMP, ...init });
}

export function sinkRecord(init: Partial<SinkRecordInit> = {}): SinkRecord {
  return new SinkRecord({
    topic: 'orders',
    kafkaPartition: 3,
    kafkaOffset: 42,
    timestamp: TIMESTAMP,
    ...init,
  });
}

/** Both parts a `$Key`/`$Value` transform may work on, for `describe.each`. */
export const OPERANDS: readonly (readonly [string, Operand])[] = [
  ['Key', KEY],
  ['Value', VALUE],
];

/** A source record with `schema` and `value` in the operand's place, and something else in the other. */
export function recordWith(
  operand: Operand,
  schema: Schema | null,
  value: unknown,
  init: Partial<SourceRecordInit> = {},
) {
  return operand === KEY
    ? sourceRecord({ keySchema: schema, key: value, value: 'untouched', ...init })
    : sourceRecord({ valueSchema: schema, value, key: 'untouched', ...init });
}

/** The plugin after `configure(config)`. */
export function configured<T extends { configure(configs: Record<string, unknown>): void }>(
  plugin: T,
  config: Record<string, unknown>,
): T {
  plugin.configure(config);
  return plugin;
}
