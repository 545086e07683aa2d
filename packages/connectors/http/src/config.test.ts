import { describe, expect, it } from 'vitest';
import { ConnectError, NO_DEFAULT_VALUE, Password } from '@sluice/sdk';
import { HTTP_SOURCE_CONFIG_DEF, parseHttpSourceConfig, validateHttpSourceConfig } from './config.js';

const BASE = { 'topic.name.pattern': 'http-data', url: 'http://api.example/items' };

/** Each key with errors → its messages. */
async function errors(props: Record<string, string>): Promise<Record<string, string[]>> {
  return Object.fromEntries(
    (await validateHttpSourceConfig(props))
      .filter((v) => v.errorMessages.length > 0)
      .map((v) => [v.name, v.errorMessages]),
  );
}

describe('HTTP source ConfigDef', () => {
  it('defines every key of the reference with its type and default, then the Sluice extensions', () => {
    const shown = [...HTTP_SOURCE_CONFIG_DEF.configKeys().values()].map((key) => {
      const value = key.defaultValue;
      return [
        key.name,
        key.type,
        value === NO_DEFAULT_VALUE ? 'required' : value instanceof Password ? 'password' : value,
      ];
    });
    expect(shown).toEqual([
      ['kafka.auth.mode', 'STRING', 'KAFKA_API_KEY'],
      ['kafka.api.key', 'PASSWORD', null],
      ['kafka.service.account.id', 'STRING', null],
      ['kafka.api.secret', 'PASSWORD', null],
      ['topic.name.pattern', 'STRING', 'required'],
      ['schema.context.name', 'STRING', 'default'],
      ['url', 'STRING', 'required'],
      ['http.request.method', 'STRING', 'GET'],
      ['http.request.headers', 'STRING', null],
      ['http.request.parameters', 'STRING', null],
      ['http.request.body', 'STRING', null],
      ['http.initial.offset', 'STRING', null],
      ['http.offset.mode', 'STRING', 'SIMPLE_INCREMENTING'],
      ['http.response.data.json.pointer', 'STRING', null],
      ['http.offset.json.pointer', 'STRING', null],
      ['use.http.offset.json.pointer.as.string', 'BOOLEAN', true],
      ['http.next.page.json.pointer', 'STRING', null],
      ['request.interval.ms', 'INT', 15000],
      ['entity.names', 'LIST', []],
      ['max.retries', 'INT', 10],
      ['retry.backoff.ms', 'INT', 3000],
      ['retry.on.status.codes', 'STRING', '400-'],
      ['http.request.headers.separator', 'STRING', '|'],
      ['http.request.sensitive.headers', 'PASSWORD', null],
      ['http.request.parameters.separator', 'STRING', '&'],
      ['auth.type', 'STRING', 'none'],
      ['connection.user', 'STRING', null],
      ['connection.password', 'PASSWORD', null],
      ['bearer.token', 'PASSWORD', null],
      ['oauth2.token.url', 'STRING', null],
      ['oauth2.client.id', 'STRING', null],
      ['oauth2.client.secret', 'PASSWORD', null],
      ['oauth2.token.property', 'STRING', 'access_token'],
      ['oauth2.client.scope', 'STRING', 'any'],
      ['oauth2.client.mode', 'STRING', 'header'],
      ['https.ssl.enabled', 'BOOLEAN', false],
      ['https.ssl.keystorefile', 'PASSWORD', null],
      ['https.ssl.keystore.password', 'PASSWORD', null],
      ['https.ssl.key.password', 'PASSWORD', null],
      ['https.ssl.truststorefile', 'PASSWORD', null],
      ['https.ssl.truststore.password', 'PASSWORD', null],
      ['https.ssl.protocol', 'STRING', 'TLSv1.3'],
      ['output.data.format', 'STRING', 'JSON'],
      ['auto.restart.on.user.error', 'BOOLEAN', true],
      ['value.converter.connect.meta.data', 'BOOLEAN', null],
      [
        'key.converter.key.schema.id.serializer',
        'STRING',
        'io.confluent.kafka.serializers.schema.id.PrefixSchemaIdSerializer',
      ],
      ['key.converter.key.subject.name.strategy', 'STRING', 'TopicNameStrategy'],
      ['value.converter.decimal.format', 'STRING', 'BASE64'],
      ['value.converter.reference.subject.name.strategy', 'STRING', 'DefaultReferenceSubjectNameStrategy'],
      [
        'value.converter.value.schema.id.serializer',
        'STRING',
        'io.confluent.kafka.serializers.schema.id.PrefixSchemaIdSerializer',
      ],
      ['value.converter.value.subject.name.strategy', 'STRING', 'TopicNameStrategy'],
      ['http.connect.timeout.ms', 'INT', 30000],
      ['http.request.timeout.ms', 'INT', 30000],
      ['http.response.max.bytes', 'INT', 16777216],
      ['retry.backoff.max.ms', 'INT', 60000],
      ['retry.after.max.ms', 'INT', 300000],
      ['oauth2.refresh.on.status.codes', 'STRING', '401'],
      ['connection.disallow.local.ips', 'BOOLEAN', false],
      ['connection.disallow.private.ips', 'BOOLEAN', false],
      ['connection.allow.metadata.ips', 'BOOLEAN', false],
    ]);
    for (const key of HTTP_SOURCE_CONFIG_DEF.configKeys().values())
      expect(key.documentation, key.name).toBeTruthy();
  });

  it('accepts the configs of the reference: the CLI example and the three worked examples', async () => {
    const examples: Record<string, string>[] = [
      {
        'connector.class': 'HttpSource',
        name: 'HttpSourceConnector_0',
        'kafka.api.key': '****',
        'kafka.api.secret': '****',
        'topic.name.pattern': '${entityName}',
        'entity.names': 'AppName, User',
        url: 'http://example.com/api/v1/${entityName}/${offset}',
        'http.initial.offset': '1000',
        'http.offset.mode': 'SIMPLE_INCREMENTING',
        'output.data.format': 'JSON',
        'tasks.max': '1',
      },
      {
        ...BASE,
        url: 'https://confluentinc.atlassian.net/wiki/rest/api/space',
        'http.request.parameters': 'start=${offset}&limit=1',
        'http.offset.mode': 'SIMPLE_INCREMENTING',
        'http.initial.offset': '0',
        'http.response.data.json.pointer': '/results',
        'auth.type': 'basic',
        'connection.user': 'username',
        'connection.password': '*****',
      },
      {
        ...BASE,
        url: 'http://domain/test-index/_search',
        'http.offset.mode': 'CHAINING',
        'http.request.body': '{"size": 100, "sort": [{"@time": "asc"}], "search_after": [${offset}]}',
        'http.request.method': 'POST',
        'http.initial.offset': '1647948000000',
        'http.response.data.json.pointer': '/hits/hits',
        'http.offset.json.pointer': '/sort/0',
        'auth.type': 'basic',
        'connection.user': 'username',
        'connection.password': '*****',
      },
      {
        ...BASE,
        url: 'https://storage.googleapis.com/storage/v1/b/test-bucket/o',
        'http.offset.mode': 'CURSOR_PAGINATION',
        'http.request.method': 'GET',
        'http.request.parameters': 'pageToken=${offset}',
        'http.response.data.json.pointer': '/items',
        'http.next.page.json.pointer': '/nextPageToken',
        'auth.type': 'bearer',
        'bearer.token': '*****',
      },
    ];
    for (const example of examples) expect(await errors(example)).toEqual({});
  });

  it('resolves a config into its typed form', () => {
    const config = parseHttpSourceConfig({
      ...BASE,
      url: 'http://api.example/${entityName}',
      'entity.names': 'a,b',
      'http.request.method': 'post',
      'http.request.body': '{"after": ${offset}}',
      'http.request.parameters': 'ignored=1',
      'http.offset.mode': 'chaining',
      'http.offset.json.pointer': '/id',
      'http.initial.offset': '0',
      'http.request.headers': 'X-A: 1 | X-B:two:parts|',
      'http.request.sensitive.headers': 'X-Key:k',
      'auth.type': 'OAuth2',
      'oauth2.token.url': 'http://idp.example/token',
      'oauth2.client.id': 'id',
      'oauth2.client.secret': 'secret',
      'oauth2.client.mode': 'URL',
      'retry.on.status.codes': '429,500-',
    });
    expect(config).toMatchObject({
      method: 'POST',
      offsetMode: 'CHAINING',
      entityNames: ['a', 'b'],
      body: '{"after": ${offset}}',
      parameters: [],
      headers: [
        { name: 'X-A', value: '1' },
        { name: 'X-B', value: 'two:parts' },
      ],
      sensitiveHeaders: [{ name: 'X-Key', value: 'k' }],
      auth: {
        type: 'oauth2',
        tokenUrl: 'http://idp.example/token',
        clientId: 'id',
        clientSecret: 'secret',
        mode: 'url',
        scope: 'any',
      },
      tls: null,
      requestIntervalMs: 15000,
      retry: { maxRetries: 10, backoffMs: 3000, backoffMaxMs: 60000, retryAfterMaxMs: 300000 },
    });
    expect(config.offsetPointer?.tokens).toEqual(['id']);
    expect(config.dataPointer.tokens).toEqual([]);
    expect(config.retry.retryOn.has(503)).toBe(true);
    expect(config.retry.retryOn.has(404)).toBe(false);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every rule on its key', async () => {
    const cases: [Record<string, string>, Record<string, string[]>][] = [
      [
        {},
        {
          'topic.name.pattern': [
            'Missing required configuration "topic.name.pattern" which has no default value.',
          ],
          url: ['Missing required configuration "url" which has no default value.'],
        },
      ],
      [
        { ...BASE, 'http.offset.mode': 'PAGED' },
        {
          'http.offset.mode': [
            'Invalid value PAGED for configuration http.offset.mode: String must be one of (case insensitive): SIMPLE_INCREMENTING, CHAINING, CURSOR_PAGINATION',
          ],
        },
      ],
      [
        { ...BASE, 'http.offset.mode': 'CHAINING' },
        {
          'http.offset.json.pointer': [
            'http.offset.json.pointer is required when http.offset.mode is CHAINING',
          ],
        },
      ],
      [
        { ...BASE, 'http.offset.json.pointer': '/id' },
        {
          'http.offset.json.pointer': [
            'http.offset.json.pointer is set only when http.offset.mode is CHAINING, not SIMPLE_INCREMENTING',
          ],
        },
      ],
      [
        { ...BASE, 'http.offset.mode': 'CURSOR_PAGINATION' },
        {
          'http.next.page.json.pointer': [
            'http.next.page.json.pointer is required when http.offset.mode is CURSOR_PAGINATION',
          ],
        },
      ],
      [
        { ...BASE, 'http.next.page.json.pointer': '/next' },
        {
          'http.next.page.json.pointer': [
            'http.next.page.json.pointer is set only when http.offset.mode is CURSOR_PAGINATION, not SIMPLE_INCREMENTING',
          ],
        },
      ],
      [
        { ...BASE, url: 'http://api.example/items/${offset}' },
        {
          'http.initial.offset': ['http.initial.offset is required because url uses ${offset}'],
        },
      ],
      [
        {
          ...BASE,
          url: '${offset}',
          'http.offset.mode': 'CURSOR_PAGINATION',
          'http.next.page.json.pointer': '/next',
        },
        {
          'http.initial.offset': ['http.initial.offset is required because url uses ${offset}'],
        },
      ],
      [
        { ...BASE, 'http.request.parameters': 'from=${offset}' },
        {
          'http.initial.offset': [
            'http.initial.offset is required because http.request.parameters uses ${offset}',
          ],
        },
      ],
      [
        { ...BASE, 'http.request.method': 'POST', 'http.request.body': '{"from":${offset}}' },
        {
          'http.initial.offset': ['http.initial.offset is required because http.request.body uses ${offset}'],
        },
      ],
      [
        { ...BASE, 'http.initial.offset': 'ten' },
        {
          'http.initial.offset': [
            "http.initial.offset must be an integer in SIMPLE_INCREMENTING mode, not 'ten'",
          ],
        },
      ],
      [
        { ...BASE, 'http.response.data.json.pointer': 'items' },
        {
          'http.response.data.json.pointer': [
            "Invalid value items for configuration http.response.data.json.pointer: JSON pointer 'items' must be empty or start with '/'",
          ],
        },
      ],
      [
        { ...BASE, 'retry.on.status.codes': '404,5xx' },
        {
          'retry.on.status.codes': [
            "Invalid value 404,5xx for configuration retry.on.status.codes: retry.on.status.codes: '5xx' is not a status code (100-599) or a range of them such as 400-500 or 500-",
          ],
        },
      ],
      [
        { ...BASE, 'oauth2.refresh.on.status.codes': '403-401' },
        {
          'oauth2.refresh.on.status.codes': [
            "Invalid value 403-401 for configuration oauth2.refresh.on.status.codes: oauth2.refresh.on.status.codes: range '403-401' ends before it starts",
          ],
        },
      ],
      [
        { ...BASE, 'request.interval.ms': '99', 'retry.backoff.ms': '50' },
        {
          'request.interval.ms': [
            'Invalid value 99 for configuration request.interval.ms: Value must be at least 100',
          ],
          'retry.backoff.ms': [
            'Invalid value 50 for configuration retry.backoff.ms: Value must be at least 100',
          ],
        },
      ],
      [
        { ...BASE, 'retry.backoff.ms': '5000', 'retry.backoff.max.ms': '1000' },
        {
          'retry.backoff.max.ms': ['retry.backoff.max.ms (1000) must be at least retry.backoff.ms (5000)'],
        },
      ],
      [
        { ...BASE, 'http.request.method': 'PUT' },
        {
          'http.request.method': [
            'Invalid value PUT for configuration http.request.method: String must be one of (case insensitive): GET, POST',
          ],
        },
      ],
      [
        { ...BASE, url: 'ftp://files.example/x' },
        { url: ["url must be an http:// or https:// URL, not 'ftp://files.example/x'"] },
      ],
      [
        { ...BASE, url: 'api.example/items' },
        { url: ["url must be an http:// or https:// URL, not 'api.example/items'"] },
      ],
      [
        { ...BASE, url: 'http://api.example/${entity}' },
        {
          url: ['url uses ${entity}; the template variables are ${offset} and ${entityName}'],
        },
      ],
      [
        { ...BASE, 'topic.name.pattern': 'topic-${entityName}' },
        {
          'entity.names': ['entity.names is required because topic.name.pattern uses ${entityName}'],
        },
      ],
      [
        { ...BASE, 'entity.names': 'a,b' },
        {
          'entity.names': [
            'entity.names is set but none of url, http.request.parameters, http.request.body, topic.name.pattern uses ${entityName}, so every entity would fetch the same data into the same topic',
          ],
        },
      ],
      [
        { ...BASE, 'topic.name.pattern': '${entityName}', 'entity.names': 'a,b,a' },
        {
          'entity.names': ['entity.names lists a more than once'],
        },
      ],
      [
        { ...BASE, 'http.request.headers': 'X-Ok:1|Bad Header:2|NoColon' },
        {
          'http.request.headers': [
            "http.request.headers: header 'Bad Header' is not name:value with a valid header name (headers are separated by '|')",
            "http.request.headers: header 3 is not name:value with a valid header name (headers are separated by '|')",
          ],
        },
      ],
      [
        { ...BASE, 'http.request.sensitive.headers': 'Authorization Bearer x' },
        {
          'http.request.sensitive.headers': [
            "http.request.sensitive.headers: header 1 is not name:value with a valid header name (headers are separated by '|')",
          ],
        },
      ],
      [
        { ...BASE, 'http.request.parameters': 'a=1&=2&flag' },
        {
          'http.request.parameters': [
            "http.request.parameters: parameter 2 is not name=value (parameters are separated by '&')",
            "http.request.parameters: parameter 3 is not name=value (parameters are separated by '&')",
          ],
        },
      ],
      [
        { ...BASE, 'auth.type': 'digest' },
        {
          'auth.type': [
            'Invalid value digest for configuration auth.type: String must be one of (case insensitive): NONE, BASIC, BEARER, OAUTH2',
          ],
        },
      ],
      [
        { ...BASE, 'auth.type': 'basic' },
        {
          'connection.user': ['connection.user is required when auth.type is basic'],
          'connection.password': ['connection.password is required when auth.type is basic'],
        },
      ],
      [
        { ...BASE, 'auth.type': 'bearer' },
        { 'bearer.token': ['bearer.token is required when auth.type is bearer'] },
      ],
      [
        { ...BASE, 'auth.type': 'oauth2' },
        {
          'oauth2.token.url': ['oauth2.token.url is required when auth.type is oauth2'],
          'oauth2.client.id': ['oauth2.client.id is required when auth.type is oauth2'],
          'oauth2.client.secret': ['oauth2.client.secret is required when auth.type is oauth2'],
        },
      ],
      [
        {
          ...BASE,
          'auth.type': 'oauth2',
          'oauth2.token.url': 'idp/token',
          'oauth2.client.id': 'i',
          'oauth2.client.secret': 's',
          'oauth2.client.mode': 'body',
        },
        {
          'oauth2.token.url': ['oauth2.token.url must be an http:// or https:// URL'],
          'oauth2.client.mode': [
            'Invalid value body for configuration oauth2.client.mode: String must be one of (case insensitive): HEADER, URL',
          ],
        },
      ],
      [
        { ...BASE, 'https.ssl.enabled': 'true' },
        {
          'https.ssl.enabled': [
            'https.ssl.enabled is true but url is not an https:// URL',
            'https.ssl.enabled is true: set https.ssl.keystorefile and/or https.ssl.truststorefile',
          ],
        },
      ],
      [
        {
          ...BASE,
          url: 'https://api.example',
          'https.ssl.enabled': 'true',
          'https.ssl.truststorefile': 'data:text/plain;base64,AAAA',
        },
        {
          'https.ssl.truststorefile': [
            'https.ssl.truststorefile: the trust store is neither PKCS12 nor PEM (nor JKS)',
          ],
        },
      ],
      [
        { ...BASE, 'https.ssl.protocol': 'SSLv3' },
        {
          'https.ssl.protocol': [
            'Invalid value SSLv3 for configuration https.ssl.protocol: String must be one of: TLSv1.3, TLSv1.2, TLS',
          ],
        },
      ],
      [
        { ...BASE, 'output.data.format': 'AVRO' },
        {
          'output.data.format': [
            "Invalid value AVRO for configuration output.data.format: AVRO needs a schema registry, which Sluice does not support yet; use JSON (set the worker's value.converter to choose how records are written)",
          ],
        },
      ],
      [
        { ...BASE, 'output.data.format': 'json_sr' },
        {
          'output.data.format': [
            "Invalid value json_sr for configuration output.data.format: JSON_SR needs a schema registry, which Sluice does not support yet; use JSON (set the worker's value.converter to choose how records are written)",
          ],
        },
      ],
      [
        { ...BASE, 'output.data.format': 'XML' },
        {
          'output.data.format': [
            'Invalid value XML for configuration output.data.format: String must be one of (case insensitive): AVRO, JSON_SR, PROTOBUF, JSON',
          ],
        },
      ],
      [
        {
          ...BASE,
          'value.converter.reference.subject.name.strategy': 'QualifiedReferenceSubjectNameStrategy',
        },
        {
          'value.converter.reference.subject.name.strategy': [
            'value.converter.reference.subject.name.strategy can be set only when output.data.format is PROTOBUF',
          ],
        },
      ],
      [
        { ...BASE, 'kafka.auth.mode': 'OAUTH' },
        {
          'kafka.auth.mode': [
            'Invalid value OAUTH for configuration kafka.auth.mode: String must be one of: SERVICE_ACCOUNT, KAFKA_API_KEY',
          ],
        },
      ],
      [
        { ...BASE, url: 'http://127.0.0.1:8080/x', 'connection.disallow.local.ips': 'true' },
        {
          url: ['url: address 127.0.0.1 is a loopback address, which connection.disallow.local.ips forbids'],
        },
      ],
      [
        { ...BASE, url: 'http://localhost/x', 'connection.disallow.local.ips': 'true' },
        {
          url: [
            'url: address 127.0.0.1 of localhost is a loopback address, which connection.disallow.local.ips forbids',
          ],
        },
      ],
      [
        {
          ...BASE,
          'auth.type': 'oauth2',
          'oauth2.token.url': 'http://[fd00::1]/token',
          'oauth2.client.id': 'i',
          'oauth2.client.secret': 's',
          'connection.disallow.private.ips': 'true',
        },
        {
          'oauth2.token.url': [
            'oauth2.token.url: address fd00::1 is a private address, which connection.disallow.private.ips forbids',
          ],
        },
      ],
    ];
    for (const [props, expected] of cases)
      expect(await errors(props), JSON.stringify(props)).toEqual(expected);
  });

  it('refuses metadata addresses in url and oauth2.token.url by default, in any spelling', async () => {
    const refused = (address: string) =>
      `address ${address} is a link-local or cloud metadata address, which is refused unless connection.allow.metadata.ips is true`;
    const spellings: [string, string][] = [
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
      ['http://2852039166/', '169.254.169.254'],
      ['http://0xa9.0xfe.0xa9.0xfe/', '169.254.169.254'],
      ['http://[::ffff:169.254.169.254]/', '::ffff:a9fe:a9fe'],
      ['http://[64:ff9b::169.254.169.254]/', '64:ff9b::a9fe:a9fe'],
      ['http://[fd00:ec2::254]/latest/api/token', 'fd00:ec2::254'],
      ['http://100.100.100.200/latest/meta-data/', '100.100.100.200'],
    ];
    for (const [url, address] of spellings) {
      expect(await errors({ ...BASE, url }), url).toEqual({ url: [`url: ${refused(address)}`] });
      expect(await errors({ ...BASE, url, 'connection.allow.metadata.ips': 'true' }), url).toEqual({});
    }
    const oauth2 = {
      ...BASE,
      'auth.type': 'oauth2',
      'oauth2.token.url': 'http://169.254.169.254/token',
      'oauth2.client.id': 'i',
      'oauth2.client.secret': 's',
    };
    expect(await errors(oauth2)).toEqual({
      'oauth2.token.url': [`oauth2.token.url: ${refused('169.254.169.254')}`],
    });
  });

  it("takes the reference's header example, leaving out the Content-Length it sets", () => {
    const config = parseHttpSourceConfig({
      ...BASE,
      'http.request.headers': 'From:abcxyz@confluent.io|Content-Length:348',
    });
    expect(config.headers).toEqual([{ name: 'From', value: 'abcxyz@confluent.io' }]);
  });

  it('lets CURSOR_PAGINATION start with an empty token in parameters, as the reference example does', async () => {
    expect(
      await errors({
        ...BASE,
        'http.offset.mode': 'CURSOR_PAGINATION',
        'http.next.page.json.pointer': '/n',
        'http.request.parameters': 'pageToken=${offset}',
      }),
    ).toEqual({});
  });

  it('ignores parameters with POST and the body with GET, as the reference says', async () => {
    expect(await errors({ ...BASE, 'http.request.body': '{"from": ${offset}}' })).toEqual({});
    expect(
      await errors({ ...BASE, 'http.request.method': 'POST', 'http.request.parameters': 'from=${offset}' }),
    ).toEqual({});
  });

  it('throws one ConnectError listing every problem when parsing', () => {
    expect(() =>
      parseHttpSourceConfig({ url: 'http://x/${offset}', 'http.offset.mode': 'CHAINING' }),
    ).toThrow(ConnectError);
    expect(() =>
      parseHttpSourceConfig({ url: 'http://x/${offset}', 'http.offset.mode': 'CHAINING' }),
    ).toThrow(
      'Invalid HTTP source configuration: Missing required configuration "topic.name.pattern" which has no default value.; ' +
        'http.initial.offset is required because url uses ${offset}; ' +
        'http.offset.json.pointer is required when http.offset.mode is CHAINING',
    );
  });
});
