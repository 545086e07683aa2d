import { describe, expect, it } from 'vitest';
import * as sdk from './index.js';

describe('@sluice/sdk entry', () => {
  it('exposes the connector API from one module', () => {
    for (const name of [
      'Schema',
      'SchemaBuilder',
      'Struct',
      'Decimal',
      'ConnectDate',
      'ConnectTime',
      'ConnectTimestamp',
      'SourceRecord',
      'SinkRecord',
      'ConnectHeaders',
      'SourceConnector',
      'SinkConnector',
      'SourceTask',
      'SinkTask',
      'ConfigDef',
      'configInfos',
      'configKeyInfos',
      'definePlugin',
      'JsonConverter',
      'StringConverter',
      'ByteArrayConverter',
      'SimpleHeaderConverter',
      'converterPlugins',
      'ConnectError',
      'DataError',
      'RetriableError',
    ]) {
      expect(sdk, name).toHaveProperty(name);
    }
    expect(sdk.Schema.INT64_SCHEMA.type).toBe('INT64');
  });

  it('gives errors stable codes and retriability that survive a thread boundary', () => {
    const retriable = new sdk.RetriableError('later');
    const data = new sdk.DataError('bad');
    expect([retriable.code, retriable.retriable, retriable instanceof sdk.ConnectError]).toEqual([
      'SLUICE_CONNECT_RETRIABLE',
      true,
      true,
    ]);
    expect([data.code, data.retriable, data instanceof sdk.ConnectError]).toEqual([
      'SLUICE_CONNECT_DATA',
      false,
      true,
    ]);
    expect(structuredClone(retriable.toJSON())).toMatchObject({
      code: 'SLUICE_CONNECT_RETRIABLE',
      retriable: true,
    });
  });
});
