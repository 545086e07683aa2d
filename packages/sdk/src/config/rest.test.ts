import { describe, expect, it } from 'vitest';
import { ConfigDef } from './config-def.js';
import { configInfos, configKeyInfos, mergeConfigInfos, validateConfig } from './rest.js';
import { NonEmptyString, Range, ValidString } from './validators.js';

// The expected bodies are what Apache Kafka Connect 3.9.1 returns for the same ConfigDef and properties
// (AbstractHerder.generateResult / convertConfigKey serialized by Jackson), captured from the real jars.
function fileSourceDef() {
  return new ConfigDef()
    .define({
      name: 'file',
      type: 'STRING',
      validator: new NonEmptyString(),
      importance: 'HIGH',
      documentation: 'File to read.',
      group: 'Source',
      orderInGroup: 1,
      width: 'LONG',
      displayName: 'File',
      dependents: ['batch.size'],
    })
    .define({
      name: 'batch.size',
      type: 'INT',
      defaultValue: 2000,
      validator: Range.atLeast(1),
      importance: 'MEDIUM',
      documentation: 'Records per poll.',
      group: 'Source',
      orderInGroup: 2,
      width: 'SHORT',
      displayName: 'Batch size',
    })
    .define({
      name: 'mode',
      type: 'STRING',
      defaultValue: 'append',
      validator: ValidString.in('append', 'overwrite'),
      importance: 'LOW',
      documentation: 'Write mode.',
      group: 'Sink',
      orderInGroup: 1,
      width: 'MEDIUM',
      displayName: 'Mode',
      recommender: {
        validValues: () => ['append', 'overwrite'],
        visible: (_name, parsed) => parsed.file !== 'x',
      },
    })
    .define({
      name: 'topics',
      type: 'LIST',
      defaultValue: ['a', 'b'],
      importance: 'HIGH',
      documentation: 'Topics.',
    })
    .define({
      name: 'secret',
      type: 'PASSWORD',
      defaultValue: null,
      importance: 'MEDIUM',
      documentation: 'A secret.',
    })
    .define({ name: 'ratio', type: 'DOUBLE', defaultValue: 1.0, importance: 'LOW', documentation: 'Ratio.' })
    .define({
      name: 'big',
      type: 'LONG',
      defaultValue: 9223372036854775807n,
      importance: 'LOW',
      documentation: 'Big.',
    })
    .define({ name: 'flag', type: 'BOOLEAN', defaultValue: true, importance: 'LOW', documentation: 'Flag.' });
}

const PLUGIN_CONFIG =
  '[{"name":"file","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"File to read.","group":"Source","width":"LONG","display_name":"File","dependents":["batch.size"],"order":1},{"name":"batch.size","type":"INT","required":false,"default_value":"2000","importance":"MEDIUM","documentation":"Records per poll.","group":"Source","width":"SHORT","display_name":"Batch size","dependents":[],"order":2},{"name":"mode","type":"STRING","required":false,"default_value":"append","importance":"LOW","documentation":"Write mode.","group":"Sink","width":"MEDIUM","display_name":"Mode","dependents":[],"order":1},{"name":"topics","type":"LIST","required":false,"default_value":"a,b","importance":"HIGH","documentation":"Topics.","group":null,"width":"NONE","display_name":"topics","dependents":[],"order":-1},{"name":"secret","type":"PASSWORD","required":false,"default_value":null,"importance":"MEDIUM","documentation":"A secret.","group":null,"width":"NONE","display_name":"secret","dependents":[],"order":-1},{"name":"ratio","type":"DOUBLE","required":false,"default_value":"1.0","importance":"LOW","documentation":"Ratio.","group":null,"width":"NONE","display_name":"ratio","dependents":[],"order":-1},{"name":"big","type":"LONG","required":false,"default_value":"9223372036854775807","importance":"LOW","documentation":"Big.","group":null,"width":"NONE","display_name":"big","dependents":[],"order":-1},{"name":"flag","type":"BOOLEAN","required":false,"default_value":"true","importance":"LOW","documentation":"Flag.","group":null,"width":"NONE","display_name":"flag","dependents":[],"order":-1}]';

const VALIDATE =
  '{"name":"org.example.FileSource","error_count":4,"groups":["Source","Sink"],"configs":[{"definition":{"name":"file","type":"STRING","required":true,"default_value":null,"importance":"HIGH","documentation":"File to read.","group":"Source","width":"LONG","display_name":"File","dependents":["batch.size"],"order":1},"value":{"name":"file","value":null,"recommended_values":[],"errors":["Missing required configuration \\"file\\" which has no default value."],"visible":true}},{"definition":{"name":"batch.size","type":"INT","required":false,"default_value":"2000","importance":"MEDIUM","documentation":"Records per poll.","group":"Source","width":"SHORT","display_name":"Batch size","dependents":[],"order":2},"value":{"name":"batch.size","value":"0","recommended_values":[],"errors":["Invalid value 0 for configuration batch.size: Value must be at least 1"],"visible":true}},{"definition":{"name":"mode","type":"STRING","required":false,"default_value":"append","importance":"LOW","documentation":"Write mode.","group":"Sink","width":"MEDIUM","display_name":"Mode","dependents":[],"order":1},"value":{"name":"mode","value":"bogus","recommended_values":["append","overwrite"],"errors":["Invalid value bogus for configuration mode: String must be one of: append, overwrite"],"visible":true}},{"definition":{"name":"topics","type":"LIST","required":false,"default_value":"a,b","importance":"HIGH","documentation":"Topics.","group":null,"width":"NONE","display_name":"topics","dependents":[],"order":-1},"value":{"name":"topics","value":"x,y","recommended_values":[],"errors":[],"visible":true}},{"definition":{"name":"secret","type":"PASSWORD","required":false,"default_value":null,"importance":"MEDIUM","documentation":"A secret.","group":null,"width":"NONE","display_name":"secret","dependents":[],"order":-1},"value":{"name":"secret","value":"[hidden]","recommended_values":[],"errors":[],"visible":true}},{"definition":{"name":"ratio","type":"DOUBLE","required":false,"default_value":"1.0","importance":"LOW","documentation":"Ratio.","group":null,"width":"NONE","display_name":"ratio","dependents":[],"order":-1},"value":{"name":"ratio","value":null,"recommended_values":[],"errors":["Invalid value nope for configuration ratio: Not a number of type DOUBLE"],"visible":true}},{"definition":{"name":"big","type":"LONG","required":false,"default_value":"9223372036854775807","importance":"LOW","documentation":"Big.","group":null,"width":"NONE","display_name":"big","dependents":[],"order":-1},"value":{"name":"big","value":"9223372036854775807","recommended_values":[],"errors":[],"visible":true}},{"definition":{"name":"flag","type":"BOOLEAN","required":false,"default_value":"true","importance":"LOW","documentation":"Flag.","group":null,"width":"NONE","display_name":"flag","dependents":[],"order":-1},"value":{"name":"flag","value":"true","recommended_values":[],"errors":[],"visible":true}}]}';

const PROPS = {
  'batch.size': '0',
  secret: 's3cr3t',
  mode: 'bogus',
  topics: 'x, y',
  ratio: 'nope',
  unknown: '1',
};

describe('Connect REST bodies', () => {
  it('GET /connector-plugins/{p}/config lists every key as Connect 3.9 does', () => {
    expect(JSON.stringify(configKeyInfos(fileSourceDef()))).toBe(PLUGIN_CONFIG);
  });

  it('PUT …/config/validate reports values, errors and recommendations as Connect 3.9 does', () => {
    expect(JSON.stringify(validateConfig('org.example.FileSource', fileSourceDef(), PROPS))).toBe(VALIDATE);
  });

  it('hides a key a recommender makes invisible and counts only remaining errors', () => {
    const body = validateConfig('org.example.FileSource', fileSourceDef(), { ...PROPS, file: 'x' });
    expect(body.error_count).toBe(3);
    const mode = body.configs.find((c) => c.definition?.name === 'mode');
    expect(mode?.value).toEqual({
      name: 'mode',
      value: 'bogus',
      recommended_values: ['append', 'overwrite'],
      errors: ['Invalid value bogus for configuration mode: String must be one of: append, overwrite'],
      visible: false,
    });
  });

  it('reports a missing required key and its failed validator, as Connect does', () => {
    const def = new ConfigDef().define({
      name: 'r',
      type: 'INT',
      validator: Range.atLeast(1),
      importance: 'HIGH',
      documentation: 'doc',
    });
    expect(JSON.stringify(validateConfig('X', def, {}))).toBe(
      '{"name":"X","error_count":2,"groups":[],"configs":[{"definition":{"name":"r","type":"INT","required":true,"default_value":null,"importance":"HIGH","documentation":"doc","group":null,"width":"NONE","display_name":"r","dependents":[],"order":-1},"value":{"name":"r","value":null,"recommended_values":[],"errors":["Missing required configuration \\"r\\" which has no default value.","Invalid value null for configuration r: Value must be non-null"],"visible":true}}]}',
    );
  });

  it('puts outcomes of undefined dependents first, without a definition', () => {
    const def = new ConfigDef().define({
      name: 'a',
      type: 'STRING',
      defaultValue: '',
      importance: 'LOW',
      documentation: null,
      dependents: ['ghost'],
    });
    const body = configInfos('X', def, def.validate({}));
    expect(body.error_count).toBe(1);
    expect(body.configs[0]).toEqual({
      definition: null,
      value: {
        name: 'ghost',
        value: null,
        recommended_values: [],
        errors: ['ghost is referred in the dependents, but not defined.'],
        visible: false,
      },
    });
  });

  it('merges responses, adding up errors and groups', () => {
    const a = validateConfig('X', fileSourceDef(), PROPS);
    const b = validateConfig('X', fileSourceDef(), { ...PROPS, file: 'x' });
    const merged = mergeConfigInfos('X', a, b);
    expect(merged.error_count).toBe(7);
    expect(merged.groups).toEqual(['Source', 'Sink', 'Source', 'Sink']);
    expect(merged.configs).toHaveLength(16);
  });
});
