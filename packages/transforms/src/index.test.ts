import { readFile } from 'node:fs/promises';
import { SourceRecord, type Transformation } from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import {
  ExtractField,
  InsertField,
  plugins,
  RegexRouter,
  TopicNameMatches,
  TRANSFORMS_VERSION,
} from './index.js';

const T = 'org.apache.kafka.connect.transforms';

function transformation(simpleName: string): Transformation {
  const plugin = plugins.find((p) => p.className === `${T}.${simpleName}`);
  if (plugin?.kind !== 'transformation') throw new Error(`No transformation ${simpleName}`);
  return plugin.create();
}

describe('plugins', () => {
  it("declares every transform and predicate under Apache's class names", () => {
    expect(plugins.map((p) => [p.kind, p.className])).toEqual([
      ...['Cast$Key', 'Cast$Value', 'DropHeaders', 'ExtractField$Key', 'ExtractField$Value', 'Filter'].map(
        (n) => ['transformation', `${T}.${n}`],
      ),
      ...[
        'Flatten$Key',
        'Flatten$Value',
        'HeaderFrom$Key',
        'HeaderFrom$Value',
        'HoistField$Key',
        'HoistField$Value',
      ].map((n) => ['transformation', `${T}.${n}`]),
      ...[
        'InsertField$Key',
        'InsertField$Value',
        'InsertHeader',
        'MaskField$Key',
        'MaskField$Value',
        'RegexRouter',
      ].map((n) => ['transformation', `${T}.${n}`]),
      ...[
        'ReplaceField$Key',
        'ReplaceField$Value',
        'SetSchemaMetadata$Key',
        'SetSchemaMetadata$Value',
        'TimestampConverter$Key',
        'TimestampConverter$Value',
        'TimestampRouter',
        'ValueToKey',
      ].map((n) => ['transformation', `${T}.${n}`]),
      ...['HasHeaderKey', 'RecordIsTombstone', 'TopicNameMatches'].map((n) => [
        'predicate',
        `${T}.predicates.${n}`,
      ]),
    ]);
  });

  it('creates a new instance of the right class and variant each time', () => {
    const insertKey = transformation('InsertField$Key');
    const insertValue = transformation('InsertField$Value');
    expect(insertKey).toBeInstanceOf(InsertField);
    expect(insertValue).toBeInstanceOf(InsertField);
    expect(transformation('InsertField$Value')).not.toBe(insertValue);
    expect(transformation('ExtractField$Key')).toBeInstanceOf(ExtractField);
    expect(transformation('RegexRouter')).toBeInstanceOf(RegexRouter);
    const predicate = plugins.find((p) => p.className === `${T}.predicates.TopicNameMatches`);
    expect(predicate?.create()).toBeInstanceOf(TopicNameMatches);

    const record = new SourceRecord({ topic: 't', key: {}, value: {} });
    insertKey.configure({ 'topic.field': 'topic' });
    insertValue.configure({ 'topic.field': 'topic' });
    const keyed = insertKey.apply(record);
    expect([keyed?.key, keyed?.value]).toEqual([{ topic: 't' }, {}]);
    const valued = insertValue.apply(record);
    expect([valued?.key, valued?.value]).toEqual([{}, { topic: 't' }]);
  });

  it('aliases top-level classes by their simple names', () => {
    const regexRouter = plugins.find((p) => p.className === `${T}.RegexRouter`);
    expect(regexRouter?.aliases).toEqual(['RegexRouter']);
  });

  it('reports the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(TRANSFORMS_VERSION).toBe(pkg.version);
    for (const plugin of plugins) expect(plugin.version).toBe(pkg.version);
  });

  it('gives every plugin a documented config', () => {
    for (const plugin of plugins) {
      for (const key of plugin.create().config().configKeys().values()) {
        expect(key.documentation, `${plugin.className} ${key.name}`).toMatch(/\w/);
      }
    }
  });
});
