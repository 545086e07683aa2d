import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { JsonConverter, SourceRecord } from '@sluice/sdk';
import { HTTP_SOURCE_CLASS, HttpSourceConnector, HttpSourceTask, plugins, VERSION } from './index.js';
import { parseJsonBody } from './json.js';

describe('plugins', () => {
  it("declares the source under Confluent's class name, with the aliases HttpSourceConnector and HttpSource", () => {
    expect(plugins.map((p) => [p.kind, p.className, p.aliases])).toEqual([
      ['source', 'io.confluent.connect.http.HttpSourceConnector', ['HttpSourceConnector', 'HttpSource']],
    ]);
    expect(HTTP_SOURCE_CLASS).toBe('io.confluent.connect.http.HttpSourceConnector');
    expect(plugins[0]?.create()).toBeInstanceOf(HttpSourceConnector);
    expect(plugins[0]?.createTask()).toBeInstanceOf(HttpSourceTask);
  });

  it('reports the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
    expect(plugins[0]?.version).toBe(pkg.version);
    expect(new HttpSourceConnector().version()).toBe(pkg.version);
    expect(new HttpSourceTask().version()).toBe(pkg.version);
  });
});

describe('record values through JsonConverter', () => {
  const text =
    '{"id":9007199254740993,"price":12.5,"tags":["a","é"],"nested":{"ok":true,"none":null},"neg":-3}';
  const record = new SourceRecord({ topic: 't', value: parseJsonBody(Buffer.from(text)) });
  const converter = (schemas: boolean) => {
    const c = new JsonConverter();
    c.configure({ 'schemas.enable': schemas }, false);
    return c;
  };

  it('are written verbatim without schemas', () => {
    expect(converter(false).fromConnectData('t', null, record.valueSchema, record.value)?.toString()).toBe(
      text,
    );
  });

  it('are written in the schemaless envelope with schemas enabled', () => {
    expect(converter(true).fromConnectData('t', null, record.valueSchema, record.value)?.toString()).toBe(
      `{"schema":null,"payload":${text}}`,
    );
  });
});
