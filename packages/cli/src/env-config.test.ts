import { describe, expect, it } from 'vitest';
import { envNameToProperty, workerPropertiesFromEnv } from './env-config.js';

describe('envNameToProperty', () => {
  // The cases of ub's own tests (confluentinc/common-docker base-java/ub/ub_test.go), then Connect's keys.
  it.each([
    ['KEY', 'key'],
    ['KEY_FOO', 'key.foo'],
    ['KEY__UNDERSCORE', 'key_underscore'],
    ['KEY_WITH__UNDERSCORE_AND__MORE', 'key.with_underscore.and_more'],
    ['KEY___DASH', 'key-dash'],
    ['KEY_WITH___DASH_AND___MORE__UNDERSCORE', 'key.with-dash.and-more_underscore'],
    ['BOOTSTRAP_SERVERS', 'bootstrap.servers'],
    ['REST_ADVERTISED_HOST_NAME', 'rest.advertised.host.name'],
    ['VALUE_CONVERTER_SCHEMAS_ENABLE', 'value.converter.schemas.enable'],
    ['LISTENERS_HTTPS_SSL_KEYSTORE_LOCATION', 'listeners.https.ssl.keystore.location'],
    ['CONFIG_PROVIDERS_FILE_CLASS', 'config.providers.file.class'],
    ['PRODUCER_CLIENT__RACK', 'producer.client_rack'],
    ['X___Y', 'x-y'],
    ['already.lower', 'already.lower'],
  ])('%s → %s', (name, property) => {
    expect(envNameToProperty(name)).toBe(property);
  });

  it('converts underscores by non-overlapping three-character matches, as ub does', () => {
    // "A_B" matches, then the scan goes on after "B": "_C" has no character before it in the scan.
    expect(envNameToProperty('A_B_C')).toBe('a.b_c');
    expect(envNameToProperty('AB_CD_EF')).toBe('ab.cd.ef');
    // Single underscores first, then triples, then doubles: four in a row are a triple and a single.
    expect(envNameToProperty('A____B')).toBe('a-_b');
    // A leading or trailing underscore has no neighbour on one side and stays.
    expect(envNameToProperty('_A_')).toBe('_a_');
  });
});

describe('workerPropertiesFromEnv', () => {
  it('maps the variables with the prefix, in name order, and leaves the rest', () => {
    const { properties, variables, skipped } = workerPropertiesFromEnv(
      {
        CONNECT_GROUP_ID: 'g',
        CONNECT_BOOTSTRAP_SERVERS: 'k1:9092,k2:9092',
        CONNECT_PRODUCER_CLIENT__RACK: 'r1',
        CONNECT_X___Y: 'dash',
        CONNECT_: 'no name: left out',
        CONNECTOR_THING: 'other prefix',
        PATH: '/usr/bin',
        CONNECT_UNSET: undefined,
      },
      'CONNECT_',
    );
    expect([...properties]).toEqual([
      ['bootstrap.servers', 'k1:9092,k2:9092'],
      ['group.id', 'g'],
      ['producer.client_rack', 'r1'],
      ['x-y', 'dash'],
    ]);
    expect(variables.get('group.id')).toBe('CONNECT_GROUP_ID');
    expect(skipped).toEqual([]);
  });

  it("leaves out Confluent's image settings with a reason, and keeps everything else for validation", () => {
    const { properties, skipped } = workerPropertiesFromEnv(
      {
        CONNECT_INTERNAL_KEY_CONVERTER: 'org.apache.kafka.connect.json.JsonConverter',
        CONNECT_INTERNAL_VALUE_CONVERTER_SCHEMAS_ENABLE: 'false',
        CONNECT_LOG4J_ROOT_LOGLEVEL: 'INFO',
        CONNECT_LOG4J_LOGGERS: 'org.reflections=ERROR',
        CONNECT_ZOOKEEPER_CONNECT: 'zk:2181',
        CONNECT_GROUP__ID: 'a typo stays, and fails validation',
      },
      'CONNECT_',
    );
    expect([...properties.keys()]).toEqual(['group_id']);
    expect(skipped.map((s) => [s.variable, s.property])).toEqual([
      ['CONNECT_INTERNAL_KEY_CONVERTER', 'internal.key.converter'],
      ['CONNECT_INTERNAL_VALUE_CONVERTER_SCHEMAS_ENABLE', 'internal.value.converter.schemas.enable'],
      ['CONNECT_LOG4J_LOGGERS', 'log4j.loggers'],
      ['CONNECT_LOG4J_ROOT_LOGLEVEL', 'log4j.root.loglevel'],
      ['CONNECT_ZOOKEEPER_CONNECT', 'zookeeper.connect'],
    ]);
    expect(skipped[0]!.reason).toMatch(/removed from Kafka Connect in 3\.0/);
    expect(skipped[2]!.reason).toMatch(/PUT \/admin\/loggers/);
  });

  it('refuses two variables that name one property', () => {
    expect(() =>
      workerPropertiesFromEnv({ CONNECT_GROUP_ID: 'a', CONNECT_group_id: 'b' }, 'CONNECT_'),
    ).toThrow(
      expect.objectContaining({
        code: 'SLUICE_CONFIG_INVALID',
        key: 'group.id',
        message: 'CONNECT_GROUP_ID and CONNECT_group_id both set group.id; keep one of them',
      }),
    );
  });

  it.each(['CONNECT', '', '_', 'CONNECT-', '1_'])('refuses the prefix %j', (prefix) => {
    expect(() => workerPropertiesFromEnv({}, prefix)).toThrow(
      /--env-prefix must be letters, digits and underscores ending with '_' \(such as CONNECT_\)/,
    );
  });

  it('takes any prefix of that form', () => {
    expect([...workerPropertiesFromEnv({ SLUICE_W_GROUP_ID: 'g' }, 'SLUICE_W_').properties]).toEqual([
      ['group.id', 'g'],
    ]);
  });
});
