import { describe, expect, it } from 'vitest';
import { FileStreamSourceConnector, SINGLE_TOPIC_MESSAGE } from './source-connector.js';

const FILE = '/somefilename';
const props = { file: FILE, topic: 'test' };

function errors(
  connector: FileStreamSourceConnector,
  config: Record<string, string>,
): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const value of connector.validate(config) as { name: string; errorMessages: string[] }[]) {
    if (value.errorMessages.length > 0) result[value.name] = value.errorMessages;
  }
  return result;
}

describe('FileStreamSourceConnector config', () => {
  const connector = new FileStreamSourceConnector();

  it('defines file, topic and batch.size as Apache does', () => {
    const keys = [...connector.config().configKeys().values()];
    expect(keys.map((k) => [k.name, k.type, k.importance])).toEqual([
      ['file', 'STRING', 'HIGH'],
      ['topic', 'STRING', 'HIGH'],
      ['batch.size', 'INT', 'LOW'],
    ]);
    expect(keys.map((k) => k.defaultValue)).toEqual([null, expect.any(Symbol), 2000]);
    expect(errors(connector, props)).toEqual({});
  });

  it('requires topic, also when a sink-style topics list is given instead', () => {
    const missing = ['Missing required configuration "topic" which has no default value.'];
    expect(errors(connector, { file: FILE })).toEqual({ topic: missing });
    expect(errors(connector, { file: FILE, topics: 'a,b' })).toEqual({ topic: missing });
  });

  it('rejects a blank topic and a list of topics', () => {
    expect(errors(connector, { file: FILE, topic: '   ' })).toEqual({
      topic: ['Invalid value  for configuration topic: String must be non-empty'],
    });
    expect(errors(connector, { file: FILE, topic: 'test1,test2' })).toEqual({
      topic: [SINGLE_TOPIC_MESSAGE],
    });
  });

  it('requires batch.size to be an INT', () => {
    expect(errors(connector, { ...props, 'batch.size': 'abcd' })).toEqual({
      'batch.size': ['Invalid value abcd for configuration batch.size: Not a number of type INT'],
    });
    expect(errors(connector, { ...props, 'batch.size': '3000000000' })['batch.size']).toHaveLength(1);
  });

  it('fails to start with an invalid config', async () => {
    await expect(new FileStreamSourceConnector().start({ file: FILE })).rejects.toThrow(
      'Missing required configuration "topic"',
    );
    await expect(new FileStreamSourceConnector().start({ topic: 'a,b' })).rejects.toThrow(
      SINGLE_TOPIC_MESSAGE,
    );
    await expect(new FileStreamSourceConnector().start({ ...props, 'batch.size': 'x' })).rejects.toThrow(
      'batch.size',
    );
  });
});

describe('FileStreamSourceConnector', () => {
  it('gives one task the whole config, however many are allowed', async () => {
    const connector = new FileStreamSourceConnector();
    await connector.start({ ...props, transforms: 'insert' });
    expect(connector.taskConfigs(1)).toEqual([{ ...props, transforms: 'insert' }]);
    expect(connector.taskConfigs(3)).toEqual([{ ...props, transforms: 'insert' }]);
    await connector.start({ topic: 'test' });
    expect(connector.taskConfigs(1)).toEqual([{ topic: 'test' }]);
  });

  it('supports exactly once for a file, not for stdin', () => {
    const connector = new FileStreamSourceConnector();
    expect(connector.exactlyOnceSupport(props)).toBe('SUPPORTED');
    expect(connector.exactlyOnceSupport({ ...props, file: ' ' })).toBe('UNSUPPORTED');
    expect(connector.exactlyOnceSupport({ topic: 'test' })).toBe('UNSUPPORTED');
    expect(connector.canDefineTransactionBoundaries(props)).toBe('UNSUPPORTED');
  });
});

describe('FileStreamSourceConnector.alterOffsets', () => {
  const connector = new FileStreamSourceConnector();
  type Offsets = Map<Record<string, unknown>, Record<string, unknown> | null>;
  const alter = (offsets: Offsets, config: Record<string, string> = props) =>
    connector.alterOffsets(config, offsets);
  const one = (partition: unknown, offset: Record<string, unknown> | null): Offsets =>
    new Map([[partition as Record<string, unknown>, offset]]);

  it('refuses when reading stdin', async () => {
    await expect(alter(one({ filename: FILE }, { position: 0n }), { topic: 'test' })).rejects.toThrow(
      "Offsets cannot be modified if the 'file' configuration is unspecified. " +
        'This is because stdin is used for input and offsets are not tracked.',
    );
  });

  it('accepts valid offsets, an empty map, and partitions of other files', async () => {
    await expect(alter(one({ filename: FILE }, { position: 0n }))).resolves.toBe(true);
    await expect(alter(one({ filename: FILE }, { position: 10 }))).resolves.toBe(true);
    await expect(alter(new Map())).resolves.toBe(true);
    const several: Offsets = new Map([
      [{ filename: FILE }, { position: 0n }],
      [{ filename: '/someotherfilename' }, null],
    ]);
    await expect(alter(several)).resolves.toBe(true);
  });

  it('accepts a reset (null offset) of any partition', async () => {
    for (const partition of [null, {}, { filename: '/other' }, { garbage: 'value' }]) {
      await expect(alter(one(partition, null))).resolves.toBe(true);
    }
  });

  it('checks the offset key and position value', async () => {
    await expect(alter(one({ filename: FILE }, { other_offset_key: 0n }))).rejects.toThrow(
      "Offset objects should either be null or contain the key 'position'",
    );
    for (const bad of ['nan', null, {}, 3.14, '10', '-420']) {
      await expect(alter(one({ filename: FILE }, { position: bad }))).rejects.toThrow(
        "The value for the 'position' key in the offset is expected to be a Long value",
      );
    }
    for (const negative of [-420, -10n]) {
      await expect(alter(one({ filename: FILE }, { position: negative }))).rejects.toThrow(
        "The value for the 'position' key in the offset should be a non-negative value",
      );
    }
  });

  it('checks the partition', async () => {
    await expect(alter(one({ other_partition_key: FILE }, { position: 0n }))).rejects.toThrow(
      "Partition objects should contain the key 'filename'",
    );
    await expect(alter(one(null, { position: 0n }))).rejects.toThrow('Partition objects cannot be null');
  });
});
