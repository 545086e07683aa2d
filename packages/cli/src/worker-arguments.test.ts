import { describe, expect, it } from 'vitest';
import { collectWorkerProperties, parseWorkerArguments, withEnvOrigins } from './worker-arguments.js';
import { resolveWorkerConfig } from './worker-config.js';

describe('parseWorkerArguments', () => {
  it('takes a file, --env-prefix and --override pairs in any order', () => {
    expect(
      parseWorkerArguments([
        '--override',
        'a=1',
        'w.properties',
        '--env-prefix',
        'CONNECT_',
        '--override',
        'b=x=y',
      ]),
    ).toEqual({
      file: 'w.properties',
      envPrefix: 'CONNECT_',
      overrides: [
        ['a', '1'],
        ['b', 'x=y'],
      ],
    });
    expect(parseWorkerArguments(['--env-prefix', 'CONNECT_'])).toEqual({
      file: undefined,
      envPrefix: 'CONNECT_',
      overrides: [],
    });
  });

  it.each([
    [[], /missing worker properties file \(or --env-prefix\)/],
    [['--override', 'a=1'], /missing worker properties file/],
    [['w.properties', '--override'], /expected --override key=value, got '--override'/],
    [['w.properties', '--override', '=1'], /expected --override key=value, got '--override =1'/],
    [['w.properties', '--env-prefix'], /expected --env-prefix PREFIX/],
    [['--env-prefix', '--override', 'a=1'], /expected --env-prefix PREFIX/],
    [['--env-prefix', 'A_', '--env-prefix', 'B_'], /--env-prefix is given twice/],
    [['w.properties', '--envprefix', 'A_'], /unknown option '--envprefix'/],
    [
      ['a.properties', 'b.properties'],
      /one worker properties file only, got 'a.properties' and 'b.properties'/,
    ],
  ])('refuses %j', (args, message) => {
    expect(() => parseWorkerArguments(args)).toThrow(expect.objectContaining({ code: 'SLUICE_USAGE' }));
    expect(() => parseWorkerArguments(args)).toThrow(message);
  });
});

describe('collectWorkerProperties', () => {
  const file = ['group.id=from-file', 'session.timeout.ms=30000', 'listeners=http://127.0.0.1:8083'].join(
    '\n',
  );
  const env = {
    CONNECT_GROUP_ID: 'from-env',
    CONNECT_SESSION_TIMEOUT_MS: '20000',
    CONNECT_INTERNAL_KEY_CONVERTER: 'org.apache.kafka.connect.json.JsonConverter',
    GROUP_ID: 'not prefixed',
  };
  const read = (name: string) => {
    if (name !== 'w.properties') throw new Error('ENOENT: no such file');
    return file;
  };

  it('puts the environment over the file and --override over both', () => {
    const { properties, fromEnv, skipped } = collectWorkerProperties(
      parseWorkerArguments([
        'w.properties',
        '--env-prefix',
        'CONNECT_',
        '--override',
        'session.timeout.ms=9000',
      ]),
      env,
      read,
    );
    expect(Object.fromEntries(properties)).toEqual({
      'group.id': 'from-env',
      'session.timeout.ms': '9000',
      listeners: 'http://127.0.0.1:8083',
    });
    // What --override set no longer came from the environment.
    expect([...fromEnv]).toEqual([['group.id', 'CONNECT_GROUP_ID']]);
    expect(skipped.map((s) => s.variable)).toEqual(['CONNECT_INTERNAL_KEY_CONVERTER']);
  });

  it('reads no variable without --env-prefix', () => {
    const { properties, skipped } = collectWorkerProperties(
      parseWorkerArguments(['w.properties']),
      env,
      read,
    );
    expect(properties.get('group.id')).toBe('from-file');
    expect(skipped).toEqual([]);
  });

  it('runs from the environment alone', () => {
    const { properties } = collectWorkerProperties(
      parseWorkerArguments(['--env-prefix', 'CONNECT_']),
      env,
      read,
    );
    expect(Object.fromEntries(properties)).toEqual({ 'group.id': 'from-env', 'session.timeout.ms': '20000' });
  });

  it('names a file it cannot read', () => {
    expect(() => collectWorkerProperties(parseWorkerArguments(['gone.properties']), env, read)).toThrow(
      expect.objectContaining({ message: 'cannot read gone.properties: ENOENT: no such file' }),
    );
  });
});

describe('withEnvOrigins', () => {
  const resolveFromEnv = (variables: Record<string, string>) => {
    const { properties, fromEnv } = collectWorkerProperties(
      parseWorkerArguments(['--env-prefix', 'CONNECT_']),
      variables,
    );
    try {
      resolveWorkerConfig(properties);
    } catch (error) {
      return withEnvOrigins((error as Error).message, fromEnv);
    }
    throw new Error('expected the configuration to be refused');
  };

  it('names the variable behind a refused setting', () => {
    expect(resolveFromEnv({ CONNECT_GROUP__ID: 'g' })).toBe(
      'group_id is not a worker setting (from the environment: group_id is CONNECT_GROUP__ID)',
    );
    expect(
      resolveFromEnv({ CONNECT_HEARTBEAT_INTERVAL_MS: 'soon', CONNECT_SESSION_TIMEOUT_MS: '6000' }),
    ).toBe(
      "heartbeat.interval.ms must be an integer from 1 to 9007199254740991, got 'soon' (from the environment: heartbeat.interval.ms is CONNECT_HEARTBEAT_INTERVAL_MS)",
    );
  });

  it('names only whole setting names', () => {
    const fromEnv = new Map([
      ['group.id', 'CONNECT_GROUP_ID'],
      ['status.storage.topic', 'CONNECT_STATUS_STORAGE_TOPIC'],
    ]);
    expect(withEnvOrigins('group.id.extra is not a worker setting', fromEnv)).toBe(
      'group.id.extra is not a worker setting',
    );
    expect(withEnvOrigins('status.storage.topic is required when bootstrap.servers is set.', fromEnv)).toBe(
      'status.storage.topic is required when bootstrap.servers is set. (from the environment: status.storage.topic is CONNECT_STATUS_STORAGE_TOPIC)',
    );
  });
});
