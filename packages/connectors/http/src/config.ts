import type { OAuth2Settings } from './auth.js';
import {
  CaseInsensitiveValidString,
  ConfigDef,
  ConnectError,
  LambdaValidator,
  NonEmptyString,
  Range,
  ValidString,
  type ConfigValue,
  type Password,
} from '@sluice/sdk';
import { ALLOW_METADATA_IPS_CONFIG, bareHost, blockedReason, type AddressPolicy } from './address-guard.js';
import { JsonPointer } from './json-pointer.js';
import { partitionUrl } from './request.js';
import type { RetryPolicy } from './retry.js';
import { StatusCodes } from './status-codes.js';
import { ENTITY_NAME_VARIABLE, OFFSET_VARIABLE, render, unknownVariables, usesVariable } from './template.js';
import { StoreError, TLS_PROTOCOLS, tlsOptions, type TlsSettings } from './tls.js';

// Keys of the reference (Confluent's HTTP Source connector), in its order.
export const KAFKA_AUTH_MODE_CONFIG = 'kafka.auth.mode';
export const KAFKA_API_KEY_CONFIG = 'kafka.api.key';
export const KAFKA_SERVICE_ACCOUNT_ID_CONFIG = 'kafka.service.account.id';
export const KAFKA_API_SECRET_CONFIG = 'kafka.api.secret';
export const TOPIC_NAME_PATTERN_CONFIG = 'topic.name.pattern';
export const SCHEMA_CONTEXT_NAME_CONFIG = 'schema.context.name';
export const URL_CONFIG = 'url';
export const METHOD_CONFIG = 'http.request.method';
export const HEADERS_CONFIG = 'http.request.headers';
export const PARAMETERS_CONFIG = 'http.request.parameters';
export const BODY_CONFIG = 'http.request.body';
export const INITIAL_OFFSET_CONFIG = 'http.initial.offset';
export const OFFSET_MODE_CONFIG = 'http.offset.mode';
export const DATA_POINTER_CONFIG = 'http.response.data.json.pointer';
export const OFFSET_POINTER_CONFIG = 'http.offset.json.pointer';
export const OFFSET_AS_STRING_CONFIG = 'use.http.offset.json.pointer.as.string';
export const NEXT_PAGE_POINTER_CONFIG = 'http.next.page.json.pointer';
export const REQUEST_INTERVAL_CONFIG = 'request.interval.ms';
export const ENTITY_NAMES_CONFIG = 'entity.names';
export const MAX_RETRIES_CONFIG = 'max.retries';
export const RETRY_BACKOFF_CONFIG = 'retry.backoff.ms';
export const RETRY_CODES_CONFIG = 'retry.on.status.codes';
export const HEADERS_SEPARATOR_CONFIG = 'http.request.headers.separator';
export const SENSITIVE_HEADERS_CONFIG = 'http.request.sensitive.headers';
export const PARAMETERS_SEPARATOR_CONFIG = 'http.request.parameters.separator';
export const AUTH_TYPE_CONFIG = 'auth.type';
export const USER_CONFIG = 'connection.user';
export const PASSWORD_CONFIG = 'connection.password';
export const BEARER_TOKEN_CONFIG = 'bearer.token';
export const OAUTH2_TOKEN_URL_CONFIG = 'oauth2.token.url';
export const OAUTH2_CLIENT_ID_CONFIG = 'oauth2.client.id';
export const OAUTH2_CLIENT_SECRET_CONFIG = 'oauth2.client.secret';
export const OAUTH2_TOKEN_PROPERTY_CONFIG = 'oauth2.token.property';
export const OAUTH2_SCOPE_CONFIG = 'oauth2.client.scope';
export const OAUTH2_MODE_CONFIG = 'oauth2.client.mode';
export const SSL_ENABLED_CONFIG = 'https.ssl.enabled';
export {
  KEYSTORE_CONFIG,
  KEYSTORE_PASSWORD_CONFIG,
  KEY_PASSWORD_CONFIG,
  PROTOCOL_CONFIG as SSL_PROTOCOL_CONFIG,
  TRUSTSTORE_CONFIG,
  TRUSTSTORE_PASSWORD_CONFIG,
} from './tls.js';
export const OUTPUT_FORMAT_CONFIG = 'output.data.format';
export const AUTO_RESTART_CONFIG = 'auto.restart.on.user.error';
export const VALUE_CONNECT_META_DATA_CONFIG = 'value.converter.connect.meta.data';
export const KEY_SCHEMA_ID_SERIALIZER_CONFIG = 'key.converter.key.schema.id.serializer';
export const KEY_SUBJECT_NAME_STRATEGY_CONFIG = 'key.converter.key.subject.name.strategy';
export const VALUE_DECIMAL_FORMAT_CONFIG = 'value.converter.decimal.format';
export const VALUE_REFERENCE_STRATEGY_CONFIG = 'value.converter.reference.subject.name.strategy';
export const VALUE_SCHEMA_ID_SERIALIZER_CONFIG = 'value.converter.value.schema.id.serializer';
export const VALUE_SUBJECT_NAME_STRATEGY_CONFIG = 'value.converter.value.subject.name.strategy';

// Sluice extensions.
export const CONNECT_TIMEOUT_CONFIG = 'http.connect.timeout.ms';
export const REQUEST_TIMEOUT_CONFIG = 'http.request.timeout.ms';
export const MAX_RESPONSE_BYTES_CONFIG = 'http.response.max.bytes';
export const RETRY_BACKOFF_MAX_CONFIG = 'retry.backoff.max.ms';
export const RETRY_AFTER_MAX_CONFIG = 'retry.after.max.ms';
export const OAUTH2_REFRESH_CODES_CONFIG = 'oauth2.refresh.on.status.codes';
export const DISALLOW_LOCAL_IPS_CONFIG = 'connection.disallow.local.ips';
export const DISALLOW_PRIVATE_IPS_CONFIG = 'connection.disallow.private.ips';
export { ALLOW_METADATA_IPS_CONFIG };

export const OFFSET_MODES = Object.freeze(['SIMPLE_INCREMENTING', 'CHAINING', 'CURSOR_PAGINATION'] as const);
export type OffsetModeName = (typeof OFFSET_MODES)[number];
export const AUTH_TYPES = Object.freeze(['none', 'basic', 'bearer', 'oauth2'] as const);
export type AuthType = (typeof AUTH_TYPES)[number];
/** Formats the reference lists; all but JSON need a schema registry. */
export const OUTPUT_FORMATS = Object.freeze(['AVRO', 'JSON_SR', 'PROTOBUF', 'JSON'] as const);
const REFERENCE_STRATEGIES = ['DefaultReferenceSubjectNameStrategy', 'QualifiedReferenceSubjectNameStrategy'];
const PREFIX_SCHEMA_ID_SERIALIZER = 'io.confluent.kafka.serializers.schema.id.PrefixSchemaIdSerializer';

/** @default 15000, the reference's */
export const DEFAULT_REQUEST_INTERVAL_MS = 15_000;
/** @default 30000: the 30 seconds the reference's FAQ gives for the OAuth2 token request */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** @default 16 MiB */
export const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

const pointerValidator = LambdaValidator.with((_name, value) => {
  if (value === null || value === undefined) return undefined;
  try {
    JsonPointer.parse(value as string);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}, 'a JSON pointer (RFC 6901): empty, or /-separated tokens with ~0 for ~ and ~1 for /');

const statusCodesValidator = LambdaValidator.with((name, value) => {
  try {
    StatusCodes.parse(name, value as string);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}, 'comma-separated status codes and ranges, such as 404,408,500- or 400-500');

const outputFormatValidator = LambdaValidator.with((name, value) => {
  const format = String(value).toUpperCase();
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) {
    return `String must be one of (case insensitive): ${OUTPUT_FORMATS.join(', ')}`;
  }
  if (format !== 'JSON') {
    return `${format} needs a schema registry, which Sluice does not support yet; use JSON (set the worker's value.converter to choose how records are written)`;
  }
  return undefined;
}, '[JSON] (AVRO, JSON_SR and PROTOBUF need a schema registry, not supported yet)');

const CREDENTIALS = 'Kafka Cluster credentials';
const TOPICS = 'Which topic(s) do you want to send data to?';
const SCHEMA = 'Schema Config';
const CONNECTION = 'Connection details';
const AUTH = 'Authentication and SSL';
const OUTPUT = 'Output messages';
const RESTART = 'Auto-restart policy';
const ADDITIONAL = 'Additional Configs';
const SLUICE = 'Sluice extensions';

const ACCEPTED =
  ' Accepted for Confluent Cloud config compatibility; Sluice ignores it (the worker decides).';

/**
 * Every key of the HTTP Source connector: the reference's keys with its types, defaults and rules, then the
 * Sluice extensions. `name` and `tasks.max` are the worker's common connector keys and are validated there.
 */
export const HTTP_SOURCE_CONFIG_DEF = new ConfigDef()
  .define({
    name: KAFKA_AUTH_MODE_CONFIG,
    type: 'STRING',
    defaultValue: 'KAFKA_API_KEY',
    validator: ValidString.in('SERVICE_ACCOUNT', 'KAFKA_API_KEY'),
    importance: 'HIGH',
    documentation: `Kafka authentication mode: KAFKA_API_KEY or SERVICE_ACCOUNT.${ACCEPTED}`,
    group: CREDENTIALS,
    orderInGroup: 1,
  })
  .define({
    name: KAFKA_API_KEY_CONFIG,
    type: 'PASSWORD',
    defaultValue: null,
    importance: 'HIGH',
    documentation: `Kafka API key.${ACCEPTED}`,
    group: CREDENTIALS,
    orderInGroup: 2,
  })
  .define({
    name: KAFKA_SERVICE_ACCOUNT_ID_CONFIG,
    type: 'STRING',
    defaultValue: null,
    importance: 'HIGH',
    documentation: `The service account used to make Kafka API keys.${ACCEPTED}`,
    group: CREDENTIALS,
    orderInGroup: 3,
  })
  .define({
    name: KAFKA_API_SECRET_CONFIG,
    type: 'PASSWORD',
    defaultValue: null,
    importance: 'HIGH',
    documentation: `Secret of the Kafka API key.${ACCEPTED}`,
    group: CREDENTIALS,
    orderInGroup: 4,
  })
  .define({
    name: TOPIC_NAME_PATTERN_CONFIG,
    type: 'STRING',
    validator: new NonEmptyString(),
    importance: 'HIGH',
    documentation:
      'The Kafka topic to publish to. ${entityName} is replaced by each value of entity.names, for a topic per entity.',
    group: TOPICS,
    orderInGroup: 1,
  })
  .define({
    name: SCHEMA_CONTEXT_NAME_CONFIG,
    type: 'STRING',
    defaultValue: 'default',
    importance: 'MEDIUM',
    documentation: `Schema Registry context of schema-based formats.${ACCEPTED}`,
    group: SCHEMA,
    orderInGroup: 1,
  })
  .define({
    name: URL_CONFIG,
    type: 'STRING',
    validator: new NonEmptyString(),
    importance: 'HIGH',
    documentation:
      'The HTTP API URL, http:// or https://. ${offset} is replaced as is by the current offset (http.initial.offset at first) and ${entityName} by each value of entity.names, e.g. http://example.com/api/v1/${entityName}/${offset}.',
    group: CONNECTION,
    orderInGroup: 1,
  })
  .define({
    name: METHOD_CONFIG,
    type: 'STRING',
    defaultValue: 'GET',
    validator: CaseInsensitiveValidString.in('GET', 'POST'),
    importance: 'HIGH',
    documentation:
      'HTTP request method: GET (with http.request.parameters) or POST (with http.request.body).',
    group: CONNECTION,
    orderInGroup: 2,
  })
  .define({
    name: HEADERS_CONFIG,
    type: 'STRING',
    defaultValue: null,
    importance: 'MEDIUM',
    documentation:
      'Headers of each request, name:value, separated by http.request.headers.separator, e.g. From:abcxyz@confluent.io|X-Api-Version:2. A Content-Length here is ignored: it is computed from the body.',
    group: CONNECTION,
    orderInGroup: 3,
  })
  .define({
    name: PARAMETERS_CONFIG,
    type: 'STRING',
    defaultValue: null,
    importance: 'MEDIUM',
    documentation:
      'Query parameters of each GET request, name=value, separated by http.request.parameters.separator, e.g. entity=${entityName}&search_after=${offset}. Values are templated, then percent-encoded. Ignored for POST.',
    group: CONNECTION,
    orderInGroup: 4,
  })
  .define({
    name: BODY_CONFIG,
    type: 'STRING',
    defaultValue: null,
    importance: 'MEDIUM',
    documentation:
      'The body of each POST request (sent as application/json unless a header says otherwise), templated with ${offset} and ${entityName}. Ignored for GET.',
    group: CONNECTION,
    orderInGroup: 5,
  })
  .define({
    name: INITIAL_OFFSET_CONFIG,
    type: 'STRING',
    defaultValue: null,
    importance: 'HIGH',
    documentation:
      'The offset of the first request. Required when url, http.request.parameters or http.request.body uses ${offset} (in CURSOR_PAGINATION mode the first page may go without: parameters and body then get an empty ${offset}). An integer in SIMPLE_INCREMENTING mode.',
    group: CONNECTION,
    orderInGroup: 6,
  })
  .define({
    name: OFFSET_MODE_CONFIG,
    type: 'STRING',
    defaultValue: 'SIMPLE_INCREMENTING',
    validator: CaseInsensitiveValidString.in(...OFFSET_MODES),
    importance: 'HIGH',
    documentation:
      'How offsets are computed. SIMPLE_INCREMENTING: the offset grows by one per record. CHAINING: the offset is the value at http.offset.json.pointer in the last record. CURSOR_PAGINATION: the offset is the next page reference at http.next.page.json.pointer.',
    group: CONNECTION,
    orderInGroup: 7,
  })
  .define({
    name: DATA_POINTER_CONFIG,
    type: 'STRING',
    defaultValue: null,
    validator: pointerValidator,
    importance: 'HIGH',
    documentation:
      'JSON pointer to the data in the response: an array is one record per element, an object or scalar one record. Unset: the whole response. A response without it, or with null there, has no records.',
    group: CONNECTION,
    orderInGroup: 8,
  })
  .define({
    name: OFFSET_POINTER_CONFIG,
    type: 'STRING',
    defaultValue: null,
    validator: pointerValidator,
    importance: 'MEDIUM',
    documentation:
      "JSON pointer, relative to each record, to the record's offset. Required in CHAINING mode and set only then.",
    group: CONNECTION,
    orderInGroup: 9,
  })
  .define({
    name: OFFSET_AS_STRING_CONFIG,
    type: 'BOOLEAN',
    defaultValue: true,
    importance: 'MEDIUM',
    documentation:
      'Whether the CHAINING offset is converted to a string (numbers as digits, objects and arrays as JSON). When false the offset keeps its JSON type and ${offset} is its JSON text (strings quoted); http.initial.offset is then read as JSON when it is JSON.',
    group: CONNECTION,
    orderInGroup: 10,
  })
  .define({
    name: NEXT_PAGE_POINTER_CONFIG,
    type: 'STRING',
    defaultValue: null,
    validator: pointerValidator,
    importance: 'MEDIUM',
    documentation:
      'JSON pointer, relative to the response, to the next page reference, a JSON string: a token (the next ${offset}), a full URL or a URL fragment starting with / or ? (the next request goes there when url does not use ${offset}). Required in CURSOR_PAGINATION mode and set only then.',
    group: CONNECTION,
    orderInGroup: 11,
  })
  .define({
    name: REQUEST_INTERVAL_CONFIG,
    type: 'INT',
    defaultValue: DEFAULT_REQUEST_INTERVAL_MS,
    validator: Range.atLeast(100),
    importance: 'MEDIUM',
    documentation:
      'The time in milliseconds to wait between consecutive requests: after a page that brought no new records ' +
      '(or a failed request). A page with records is followed by the next request at once.',
    group: CONNECTION,
    orderInGroup: 12,
  })
  .define({
    name: ENTITY_NAMES_CONFIG,
    type: 'LIST',
    defaultValue: '',
    importance: 'MEDIUM',
    documentation:
      'Entities to poll, each with its own offset; they replace ${entityName} and are shared out among the tasks. Needed exactly when a templated key uses ${entityName}.',
    group: CONNECTION,
    orderInGroup: 13,
  })
  .define({
    name: MAX_RETRIES_CONFIG,
    type: 'INT',
    defaultValue: 10,
    validator: Range.atLeast(0),
    importance: 'MEDIUM',
    documentation: 'Retries of a failed request before the task fails.',
    group: CONNECTION,
    orderInGroup: 14,
  })
  .define({
    name: RETRY_BACKOFF_CONFIG,
    type: 'INT',
    defaultValue: 3000,
    validator: Range.atLeast(100),
    importance: 'MEDIUM',
    documentation:
      'Milliseconds to wait before the first retry; each further retry waits twice as long (up to retry.backoff.max.ms), with jitter.',
    group: CONNECTION,
    orderInGroup: 15,
  })
  .define({
    name: RETRY_CODES_CONFIG,
    type: 'STRING',
    defaultValue: '400-',
    validator: statusCodesValidator,
    importance: 'MEDIUM',
    documentation:
      'Statuses to retry: codes and inclusive ranges, e.g. 404,408,500- or 400-500. 401, 408, 429 and 504 are always retried, as are timeouts and connection failures.',
    group: CONNECTION,
    orderInGroup: 16,
  })
  .define({
    name: HEADERS_SEPARATOR_CONFIG,
    type: 'STRING',
    defaultValue: '|',
    validator: new NonEmptyString(),
    importance: 'MEDIUM',
    documentation: 'What separates headers in http.request.headers and http.request.sensitive.headers.',
    group: CONNECTION,
    orderInGroup: 17,
  })
  .define({
    name: SENSITIVE_HEADERS_CONFIG,
    type: 'PASSWORD',
    defaultValue: null,
    importance: 'HIGH',
    documentation:
      'Headers with credentials, as http.request.headers (which they override); hidden in the REST API.',
    group: CONNECTION,
    orderInGroup: 18,
  })
  .define({
    name: PARAMETERS_SEPARATOR_CONFIG,
    type: 'STRING',
    defaultValue: '&',
    validator: new NonEmptyString(),
    importance: 'MEDIUM',
    documentation: 'What separates parameters in http.request.parameters.',
    group: CONNECTION,
    orderInGroup: 19,
  })
  .define({
    name: AUTH_TYPE_CONFIG,
    type: 'STRING',
    defaultValue: 'none',
    validator: CaseInsensitiveValidString.in(...AUTH_TYPES),
    importance: 'HIGH',
    documentation:
      'Endpoint authentication: none, basic (connection.user, connection.password), bearer (bearer.token) or oauth2 (client credentials grant).',
    group: AUTH,
    orderInGroup: 1,
  })
  .define({
    name: USER_CONFIG,
    type: 'STRING',
    defaultValue: null,
    importance: 'MEDIUM',
    documentation: 'User name of basic authentication.',
    group: AUTH,
    orderInGroup: 2,
  })
  .define({
    name: PASSWORD_CONFIG,
    type: 'PASSWORD',
    defaultValue: null,
    importance: 'MEDIUM',
    documentation: 'Password of basic authentication.',
    group: AUTH,
    orderInGroup: 3,
  })
  .define({
    name: BEARER_TOKEN_CONFIG,
    type: 'PASSWORD',
    defaultValue: null,
    importance: 'MEDIUM',
    documentation: 'Token of bearer authentication, sent as Authorization: Bearer <token>.',
    group: AUTH,
    orderInGroup: 4,
  })
  .define({
    name: OAUTH2_TOKEN_URL_CONFIG,
    type: 'STRING',
    defaultValue: null,
    importance: 'MEDIUM',
    documentation: 'URL to fetch OAuth2 tokens from (client credentials grant only).',
    group: AUTH,
    orderInGroup: 5,
  })
  .define({
    name: OAUTH2_CLIENT_ID_CONFIG,
    type: 'STRING',
    defaultValue: null,
    importance: 'MEDIUM',
    documentation: 'OAuth2 client id.',
    group: AUTH,
    orderInGroup: 6,
  })
  .define({
    name: OAUTH2_CLIENT_SECRET_CONFIG,
    type: 'PASSWORD',
    defaultValue: null,
    importance: 'MEDIUM',
    documentation: 'OAuth2 client secret.',
    group: AUTH,
    orderInGroup: 7,
  })
  .define({
    name: OAUTH2_TOKEN_PROPERTY_CONFIG,
    type: 'STRING',
    defaultValue: 'access_token',
    validator: new NonEmptyString(),
    importance: 'MEDIUM',
    documentation:
      'Member of the token response holding the token (a JSON pointer when it starts with /). expires_in, when given, sets how long the token is used.',
    group: AUTH,
    orderInGroup: 8,
  })
  .define({
    name: OAUTH2_SCOPE_CONFIG,
    type: 'STRING',
    defaultValue: 'any',
    importance: 'MEDIUM',
    documentation: 'scope parameter of the token request; empty: none is sent.',
    group: AUTH,
    orderInGroup: 9,
  })
  .define({
    name: OAUTH2_MODE_CONFIG,
    type: 'STRING',
    defaultValue: 'header',
    validator: CaseInsensitiveValidString.in('header', 'url'),
    importance: 'MEDIUM',
    documentation:
      'How the token request carries client_id and client_secret: header (Authorization: Basic base64(client_id:client_secret)) or url (URL-encoded form parameters).',
    group: AUTH,
    orderInGroup: 10,
  })
  .define({
    name: SSL_ENABLED_CONFIG,
    type: 'BOOLEAN',
    defaultValue: false,
    importance: 'MEDIUM',
    documentation:
      "Whether to use the key store (client certificate, for mutual TLS), the trust store and https.ssl.protocol; at least one store is then required and url must be https://. Without it https:// URLs are checked against Node's CAs.",
    group: AUTH,
    orderInGroup: 11,
  })
  .define({
    name: 'https.ssl.keystorefile',
    type: 'PASSWORD',
    defaultValue: null,
    importance: 'LOW',
    documentation:
      'Key store with the client certificate and key: a file path or data:text/plain;base64,<base64 of the file>; PKCS12 or PEM (JKS must be converted to PKCS12).',
    group: AUTH,
    orderInGroup: 12,
  })
  .define({
    name: 'https.ssl.keystore.password',
    type: 'PASSWORD',
    defaultValue: null,
    importance: 'HIGH',
    documentation: 'Password of the key store (required for PKCS12).',
    group: AUTH,
    orderInGroup: 13,
  })
  .define({
    name: 'https.ssl.key.password',
    type: 'PASSWORD',
    defaultValue: null,
    importance: 'HIGH',
    documentation:
      'Password of the private key (an encrypted PEM key; PKCS12 uses the key store password, this one if that is unset).',
    group: AUTH,
    orderInGroup: 14,
  })
  .define({
    name: 'https.ssl.truststorefile',
    type: 'PASSWORD',
    defaultValue: null,
    importance: 'HIGH',
    documentation:
      'Trust store with the CA certificates the server must chain to, replacing the default CAs: a file path or data:…;base64, value; PKCS12, PEM or one DER certificate.',
    group: AUTH,
    orderInGroup: 15,
  })
  .define({
    name: 'https.ssl.truststore.password',
    type: 'PASSWORD',
    defaultValue: null,
    importance: 'HIGH',
    documentation: 'Password of the trust store (required for PKCS12).',
    group: AUTH,
    orderInGroup: 16,
  })
  .define({
    name: 'https.ssl.protocol',
    type: 'STRING',
    defaultValue: 'TLSv1.3',
    validator: ValidString.in(...TLS_PROTOCOLS),
    importance: 'MEDIUM',
    documentation:
      'Highest TLS version, as a Java SSLContext of that name: TLSv1.3 (TLS 1.2 or 1.3), TLSv1.2 (TLS 1.2 only) or TLS (Node defaults).',
    group: AUTH,
    orderInGroup: 17,
  })
  .define({
    name: OUTPUT_FORMAT_CONFIG,
    type: 'STRING',
    defaultValue: 'JSON',
    validator: outputFormatValidator,
    importance: 'HIGH',
    documentation:
      "Record value format. JSON: values are the JSON data, schemaless, written by the worker's value.converter (JsonConverter writes them verbatim). AVRO, JSON_SR and PROTOBUF need a schema registry and are rejected for now.",
    group: OUTPUT,
    orderInGroup: 1,
  })
  .define({
    name: AUTO_RESTART_CONFIG,
    type: 'BOOLEAN',
    defaultValue: true,
    importance: 'MEDIUM',
    documentation: `Restart automatically on user-actionable errors.${ACCEPTED}`,
    group: RESTART,
    orderInGroup: 1,
  })
  .define({
    name: VALUE_CONNECT_META_DATA_CONFIG,
    type: 'BOOLEAN',
    defaultValue: null,
    importance: 'LOW',
    documentation: `Whether Avro converters add Connect metadata to the schema.${ACCEPTED}`,
    group: ADDITIONAL,
    orderInGroup: 1,
  })
  .define({
    name: KEY_SCHEMA_ID_SERIALIZER_CONFIG,
    type: 'STRING',
    defaultValue: PREFIX_SCHEMA_ID_SERIALIZER,
    importance: 'LOW',
    documentation: `Class serializing key schema ids.${ACCEPTED}`,
    group: ADDITIONAL,
    orderInGroup: 2,
  })
  .define({
    name: KEY_SUBJECT_NAME_STRATEGY_CONFIG,
    type: 'STRING',
    defaultValue: 'TopicNameStrategy',
    importance: 'LOW',
    documentation: `How key schema subjects are named.${ACCEPTED}`,
    group: ADDITIONAL,
    orderInGroup: 3,
  })
  .define({
    name: VALUE_DECIMAL_FORMAT_CONFIG,
    type: 'STRING',
    defaultValue: 'BASE64',
    validator: ValidString.in('BASE64', 'NUMERIC'),
    importance: 'LOW',
    documentation:
      'JSON form of DECIMAL values: BASE64 or NUMERIC. The worker passes value.converter.* keys to the value converter.',
    group: ADDITIONAL,
    orderInGroup: 4,
  })
  .define({
    name: VALUE_REFERENCE_STRATEGY_CONFIG,
    type: 'STRING',
    defaultValue: 'DefaultReferenceSubjectNameStrategy',
    validator: ValidString.in(...REFERENCE_STRATEGIES),
    importance: 'LOW',
    documentation: `Subject name strategy of schema references, PROTOBUF only.${ACCEPTED}`,
    group: ADDITIONAL,
    orderInGroup: 5,
  })
  .define({
    name: VALUE_SCHEMA_ID_SERIALIZER_CONFIG,
    type: 'STRING',
    defaultValue: PREFIX_SCHEMA_ID_SERIALIZER,
    importance: 'LOW',
    documentation: `Class serializing value schema ids.${ACCEPTED}`,
    group: ADDITIONAL,
    orderInGroup: 6,
  })
  .define({
    name: VALUE_SUBJECT_NAME_STRATEGY_CONFIG,
    type: 'STRING',
    defaultValue: 'TopicNameStrategy',
    importance: 'LOW',
    documentation: `How value schema subjects are named.${ACCEPTED}`,
    group: ADDITIONAL,
    orderInGroup: 7,
  })
  .define({
    name: CONNECT_TIMEOUT_CONFIG,
    type: 'INT',
    defaultValue: DEFAULT_TIMEOUT_MS,
    validator: Range.atLeast(1),
    importance: 'MEDIUM',
    documentation:
      'Most milliseconds to open a connection (TCP and TLS handshake); a timeout is retried. Also used for OAuth2 token requests.',
    group: SLUICE,
    orderInGroup: 1,
  })
  .define({
    name: REQUEST_TIMEOUT_CONFIG,
    type: 'INT',
    defaultValue: DEFAULT_TIMEOUT_MS,
    validator: Range.atLeast(1),
    importance: 'MEDIUM',
    documentation:
      'Most milliseconds from an open connection to the end of the response; a timeout is retried. Also used for OAuth2 token requests.',
    group: SLUICE,
    orderInGroup: 2,
  })
  .define({
    name: MAX_RESPONSE_BYTES_CONFIG,
    type: 'INT',
    defaultValue: DEFAULT_MAX_RESPONSE_BYTES,
    validator: Range.atLeast(1),
    importance: 'MEDIUM',
    documentation:
      'Largest response body accepted; a larger one fails the task (retrying would get it again).',
    group: SLUICE,
    orderInGroup: 3,
  })
  .define({
    name: RETRY_BACKOFF_MAX_CONFIG,
    type: 'INT',
    defaultValue: 60_000,
    validator: Range.atLeast(100),
    importance: 'LOW',
    documentation: 'Longest wait between retries; at least retry.backoff.ms.',
    group: SLUICE,
    orderInGroup: 4,
  })
  .define({
    name: RETRY_AFTER_MAX_CONFIG,
    type: 'INT',
    defaultValue: 300_000,
    validator: Range.atLeast(0),
    importance: 'LOW',
    documentation:
      'Longest wait a Retry-After header (seconds or an HTTP date, on 429 and 503) is honoured for; longer asks wait this long.',
    group: SLUICE,
    orderInGroup: 5,
  })
  .define({
    name: OAUTH2_REFRESH_CODES_CONFIG,
    type: 'STRING',
    defaultValue: '401',
    validator: statusCodesValidator,
    importance: 'LOW',
    documentation:
      'API statuses, as retry.on.status.codes, on which the OAuth2 token is fetched again and the request retried at once (some APIs say 403 for an expired token). 401 always is.',
    group: SLUICE,
    orderInGroup: 6,
  })
  .define({
    name: DISALLOW_LOCAL_IPS_CONFIG,
    type: 'BOOLEAN',
    defaultValue: false,
    importance: 'MEDIUM',
    documentation:
      'Refuse requests (API and OAuth2 token) to loopback, link-local and unspecified addresses, including host names that resolve to one.',
    group: SLUICE,
    orderInGroup: 7,
  })
  .define({
    name: DISALLOW_PRIVATE_IPS_CONFIG,
    type: 'BOOLEAN',
    defaultValue: false,
    importance: 'MEDIUM',
    documentation:
      'Refuse requests (API and OAuth2 token) to private addresses (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), including host names that resolve to one.',
    group: SLUICE,
    orderInGroup: 8,
  })
  .define({
    name: ALLOW_METADATA_IPS_CONFIG,
    type: 'BOOLEAN',
    defaultValue: false,
    importance: 'MEDIUM',
    documentation:
      'Allow requests (API and OAuth2 token) to link-local and cloud metadata addresses: 169.254.0.0/16, fe80::/10, fd00:ec2::254, 100.100.100.200, 168.63.129.16, in any IPv6 spelling of the IPv4 ones, including host names that resolve to one. They serve instance credentials, so they are refused unless this is true; connection.disallow.local.ips and connection.disallow.private.ips still apply.',
    group: SLUICE,
    orderInGroup: 9,
  });

/** A request header from http.request.headers or http.request.sensitive.headers. */
export interface HeaderEntry {
  readonly name: string;
  readonly value: string;
}

/** A request parameter; both parts are templates. */
export interface ParameterEntry {
  readonly name: string;
  readonly value: string;
}

export type AuthSettings =
  | { readonly type: 'none' }
  | { readonly type: 'basic'; readonly user: string; readonly password: string }
  | { readonly type: 'bearer'; readonly token: string }
  | ({ readonly type: 'oauth2' } & OAuth2Settings);

/** The resolved config of the connector and its tasks. */
export interface HttpSourceConfig {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly headers: readonly HeaderEntry[];
  readonly sensitiveHeaders: readonly HeaderEntry[];
  /** GET only; empty for POST. */
  readonly parameters: readonly ParameterEntry[];
  /** POST only; null for GET. */
  readonly body: string | null;
  readonly initialOffset: string | null;
  readonly offsetMode: OffsetModeName;
  readonly dataPointer: JsonPointer;
  readonly offsetPointer: JsonPointer | null;
  readonly offsetAsString: boolean;
  readonly nextPagePointer: JsonPointer | null;
  readonly requestIntervalMs: number;
  /** Empty when the config has none: then one unnamed entity. */
  readonly entityNames: readonly string[];
  readonly topicPattern: string;
  readonly retry: RetryPolicy;
  readonly auth: AuthSettings;
  /** Null unless https.ssl.enabled. */
  readonly tls: TlsSettings | null;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly addressPolicy: AddressPolicy;
}

/**
 * Each key's value and errors, the reference's cross-key rules included, and the TLS stores read (the
 * connector's `validate`), so that a bad store file, password or format is reported on its key.
 */
export async function validateHttpSourceConfig(
  props: Readonly<Record<string, string>>,
): Promise<ConfigValue[]> {
  const { results, values } = validateSettings(props);
  const tls = tlsSettings(values);
  if (tls !== null && (tls.keystore !== null || tls.truststore !== null)) {
    try {
      await tlsOptions(tls);
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      const result = results.get(error.key);
      if (result !== undefined && !result.errorMessages.includes(error.message)) {
        result.errorMessages.push(error.message);
      }
    }
  }
  return [...results.values()];
}

/**
 * Each key's value and errors with the cross-key rules, without reading the TLS stores; `values` holds each
 * key's parsed value, undefined for a key the ConfigDef refused.
 */
function validateSettings(props: Readonly<Record<string, string>>): {
  results: Map<string, ConfigValue>;
  values: Map<string, unknown>;
} {
  const results = HTTP_SOURCE_CONFIG_DEF.validateAll(props);
  const values = new Map(
    [...results].map(([name, result]) => [
      name,
      result.errorMessages.length === 0 ? result.value : undefined,
    ]),
  );
  resolve(values, (key, message) => {
    const result = results.get(key);
    if (result !== undefined && !result.errorMessages.includes(message)) result.errorMessages.push(message);
  });
  return { results, values };
}

/**
 * The resolved config; throws a `ConnectError` listing every problem, each with its key. The TLS stores are
 * not read here: {@link tlsOptions} reads them, asynchronously.
 */
export function parseHttpSourceConfig(props: Readonly<Record<string, string>>): HttpSourceConfig {
  const problems = [...validateSettings(props).results.values()].flatMap((value) =>
    value.errorMessages.map((message) =>
      message.includes(value.name) ? message : `${value.name}: ${message}`,
    ),
  );
  if (problems.length > 0) {
    throw new ConnectError(`Invalid HTTP source configuration: ${problems.join('; ')}`);
  }
  const values = new Map(Object.entries(HTTP_SOURCE_CONFIG_DEF.parse(props).values()));
  const config = resolve(values, (key, message) => {
    throw new ConnectError(`Invalid HTTP source configuration: ${key}: ${message}`);
  });
  if (config === null) throw new ConnectError('Invalid HTTP source configuration');
  return config;
}

/**
 * Applies the rules across keys and builds the resolved config. `values` holds each key's parsed value, or
 * undefined when the key already has an error (rules needing it are then skipped). Problems go to `report`
 * with the key they belong to; the result is null when there was one.
 */
function resolve(
  values: ReadonlyMap<string, unknown>,
  report: (key: string, message: string) => void,
): HttpSourceConfig | null {
  let failed = false;
  const problem = (key: string, message: string) => {
    failed = true;
    report(key, message);
  };
  const string = (key: string) => values.get(key) as string | null | undefined;
  const secret = (key: string) => {
    const value = values.get(key) as Password | null | undefined;
    return value === undefined ? undefined : value === null ? null : value.value();
  };
  const number = (key: string) => values.get(key) as number | undefined;
  const flag = (key: string) => values.get(key) as boolean | undefined;

  const method = string(METHOD_CONFIG)?.toUpperCase() as 'GET' | 'POST' | undefined;
  const mode = string(OFFSET_MODE_CONFIG)?.toUpperCase() as OffsetModeName | undefined;
  const url = string(URL_CONFIG);
  const initialOffset = string(INITIAL_OFFSET_CONFIG);
  const topicPattern = string(TOPIC_NAME_PATTERN_CONFIG);
  const entityNames = values.get(ENTITY_NAMES_CONFIG) as string[] | undefined;
  const rawParameters = string(PARAMETERS_CONFIG);
  const rawBody = string(BODY_CONFIG);
  // Parameters are sent with GET only and the body with POST only (as the reference says): the other is ignored.
  const parametersUsed = method === 'GET' ? rawParameters : null;
  const bodyUsed = method === 'POST' ? rawBody : null;

  // Template variables.
  const templated: [string, string | null | undefined][] = [
    [URL_CONFIG, url],
    [PARAMETERS_CONFIG, rawParameters],
    [BODY_CONFIG, rawBody],
    [TOPIC_NAME_PATTERN_CONFIG, topicPattern],
  ];
  for (const [key, template] of templated) {
    const unknown = unknownVariables(template ?? null);
    if (unknown.length > 0) {
      problem(
        key,
        `${key} uses ${unknown.join(', ')}; the template variables are \${offset} and \${entityName}`,
      );
    }
  }

  // Entities.
  if (entityNames !== undefined) {
    const effective: [string, string | null | undefined][] = [
      [URL_CONFIG, url],
      [PARAMETERS_CONFIG, parametersUsed],
      [BODY_CONFIG, bodyUsed],
      [TOPIC_NAME_PATTERN_CONFIG, topicPattern],
    ];
    const users = effective
      .filter(([, template]) => usesVariable(template ?? null, ENTITY_NAME_VARIABLE))
      .map(([key]) => key);
    if (entityNames.length === 0 && users.length > 0) {
      problem(
        ENTITY_NAMES_CONFIG,
        `${ENTITY_NAMES_CONFIG} is required because ${users.join(', ')} uses \${entityName}`,
      );
    }
    const known = url !== undefined && topicPattern !== undefined && method !== undefined;
    if (entityNames.length > 0 && users.length === 0 && known) {
      problem(
        ENTITY_NAMES_CONFIG,
        `${ENTITY_NAMES_CONFIG} is set but none of ${URL_CONFIG}, ${PARAMETERS_CONFIG}, ${BODY_CONFIG}, ${TOPIC_NAME_PATTERN_CONFIG} uses \${entityName}, so every entity would fetch the same data into the same topic`,
      );
    }
    if (entityNames.some((name) => name === ''))
      problem(ENTITY_NAMES_CONFIG, `${ENTITY_NAMES_CONFIG} has an empty name`);
    const duplicates = entityNames.filter((name, i) => entityNames.indexOf(name) !== i);
    if (duplicates.length > 0)
      problem(
        ENTITY_NAMES_CONFIG,
        `${ENTITY_NAMES_CONFIG} lists ${[...new Set(duplicates)].join(', ')} more than once`,
      );
  }

  // Offsets.
  const offsetPointer = string(OFFSET_POINTER_CONFIG);
  const nextPagePointer = string(NEXT_PAGE_POINTER_CONFIG);
  if (mode !== undefined && offsetPointer !== undefined) {
    if (mode === 'CHAINING' && offsetPointer === null) {
      problem(
        OFFSET_POINTER_CONFIG,
        `${OFFSET_POINTER_CONFIG} is required when ${OFFSET_MODE_CONFIG} is CHAINING`,
      );
    }
    if (mode !== 'CHAINING' && offsetPointer !== null) {
      problem(
        OFFSET_POINTER_CONFIG,
        `${OFFSET_POINTER_CONFIG} is set only when ${OFFSET_MODE_CONFIG} is CHAINING, not ${mode}`,
      );
    }
  }
  if (mode !== undefined && nextPagePointer !== undefined) {
    if (mode === 'CURSOR_PAGINATION' && nextPagePointer === null) {
      problem(
        NEXT_PAGE_POINTER_CONFIG,
        `${NEXT_PAGE_POINTER_CONFIG} is required when ${OFFSET_MODE_CONFIG} is CURSOR_PAGINATION`,
      );
    }
    if (mode !== 'CURSOR_PAGINATION' && nextPagePointer !== null) {
      problem(
        NEXT_PAGE_POINTER_CONFIG,
        `${NEXT_PAGE_POINTER_CONFIG} is set only when ${OFFSET_MODE_CONFIG} is CURSOR_PAGINATION, not ${mode}`,
      );
    }
  }
  if (mode === 'SIMPLE_INCREMENTING' && initialOffset != null && !/^[+-]?\d+$/.test(initialOffset)) {
    problem(
      INITIAL_OFFSET_CONFIG,
      `${INITIAL_OFFSET_CONFIG} must be an integer in SIMPLE_INCREMENTING mode, not '${initialOffset}'`,
    );
  }
  if (mode !== undefined && initialOffset === null) {
    // The reference's CURSOR_PAGINATION example sends pageToken=${offset} without an initial offset: the first
    // page gets an empty token. A URL, though, cannot be built from an empty offset.
    const needers = [
      [URL_CONFIG, url],
      [PARAMETERS_CONFIG, mode === 'CURSOR_PAGINATION' ? null : parametersUsed],
      [BODY_CONFIG, mode === 'CURSOR_PAGINATION' ? null : bodyUsed],
    ]
      .filter(([, template]) => usesVariable(template ?? null, OFFSET_VARIABLE))
      .map(([key]) => key);
    if (needers.length > 0) {
      problem(
        INITIAL_OFFSET_CONFIG,
        `${INITIAL_OFFSET_CONFIG} is required because ${needers.join(', ')} uses \${offset}`,
      );
    }
  }

  // Headers and parameters.
  const headerSeparator = string(HEADERS_SEPARATOR_CONFIG);
  const headers = headerSeparator
    ? parseHeaders(HEADERS_CONFIG, string(HEADERS_CONFIG), headerSeparator, problem)
    : [];
  const sensitiveHeaders = headerSeparator
    ? parseHeaders(SENSITIVE_HEADERS_CONFIG, secret(SENSITIVE_HEADERS_CONFIG), headerSeparator, problem)
    : [];
  const parameterSeparator = string(PARAMETERS_SEPARATOR_CONFIG);
  const parameters =
    parameterSeparator && parametersUsed ? parseParameters(parametersUsed, parameterSeparator, problem) : [];

  // Addresses.
  const addressPolicy: AddressPolicy = {
    disallowLocal: flag(DISALLOW_LOCAL_IPS_CONFIG) ?? false,
    disallowPrivate: flag(DISALLOW_PRIVATE_IPS_CONFIG) ?? false,
    allowMetadata: flag(ALLOW_METADATA_IPS_CONFIG) ?? false,
  };
  const sslEnabled = flag(SSL_ENABLED_CONFIG);
  const offsetMissing = usesVariable(url ?? null, OFFSET_VARIABLE) && initialOffset === null;
  if (url != null && initialOffset !== undefined && entityNames !== undefined && !offsetMissing) {
    // A URL made the way the first request makes it: a problem here is one in every request.
    const sample = render(url, { offset: initialOffset ?? '', entityName: entityNames[0] ?? 'entity' });
    const parsed = httpUrl(sample);
    if (parsed === null) {
      // Without user info and fixed query values: a key there may be resolved from a variable.
      problem(URL_CONFIG, `${URL_CONFIG} must be an http:// or https:// URL, not '${partitionUrl(sample)}'`);
    } else {
      const blocked = literalBlocked(addressPolicy, parsed);
      if (blocked !== null) problem(URL_CONFIG, `${URL_CONFIG}: ${blocked}`);
      if (sslEnabled === true && parsed.protocol !== 'https:') {
        problem(SSL_ENABLED_CONFIG, `${SSL_ENABLED_CONFIG} is true but ${URL_CONFIG} is not an https:// URL`);
      }
    }
  }

  // Authentication.
  const authType = string(AUTH_TYPE_CONFIG)?.toLowerCase() as AuthType | undefined;
  let auth: AuthSettings = { type: 'none' };
  const required = (key: string, value: string | null | undefined, allowEmpty = false) => {
    if (value === null || (!allowEmpty && value === '')) {
      problem(key, `${key} is required when ${AUTH_TYPE_CONFIG} is ${authType}`);
    }
    return value ?? '';
  };
  if (authType === 'basic') {
    auth = {
      type: 'basic',
      user: required(USER_CONFIG, string(USER_CONFIG)),
      password: required(PASSWORD_CONFIG, secret(PASSWORD_CONFIG), true),
    };
  } else if (authType === 'bearer') {
    auth = { type: 'bearer', token: required(BEARER_TOKEN_CONFIG, secret(BEARER_TOKEN_CONFIG)) };
  } else if (authType === 'oauth2') {
    const tokenUrl = required(OAUTH2_TOKEN_URL_CONFIG, string(OAUTH2_TOKEN_URL_CONFIG));
    if (tokenUrl !== '') {
      const parsed = httpUrl(tokenUrl);
      if (parsed === null)
        problem(OAUTH2_TOKEN_URL_CONFIG, `${OAUTH2_TOKEN_URL_CONFIG} must be an http:// or https:// URL`);
      const blocked = parsed === null ? null : literalBlocked(addressPolicy, parsed);
      if (blocked !== null) problem(OAUTH2_TOKEN_URL_CONFIG, `${OAUTH2_TOKEN_URL_CONFIG}: ${blocked}`);
    }
    const tokenProperty = string(OAUTH2_TOKEN_PROPERTY_CONFIG) ?? 'access_token';
    if (tokenProperty.startsWith('/')) {
      try {
        JsonPointer.parse(tokenProperty);
      } catch (error) {
        problem(OAUTH2_TOKEN_PROPERTY_CONFIG, `${OAUTH2_TOKEN_PROPERTY_CONFIG}: ${(error as Error).message}`);
      }
    }
    const refreshCodes = string(OAUTH2_REFRESH_CODES_CONFIG);
    auth = {
      type: 'oauth2',
      tokenUrl,
      clientId: required(OAUTH2_CLIENT_ID_CONFIG, string(OAUTH2_CLIENT_ID_CONFIG)),
      clientSecret: required(OAUTH2_CLIENT_SECRET_CONFIG, secret(OAUTH2_CLIENT_SECRET_CONFIG), true),
      tokenProperty,
      scope: string(OAUTH2_SCOPE_CONFIG) ?? '',
      mode: (string(OAUTH2_MODE_CONFIG)?.toLowerCase() ?? 'header') as 'header' | 'url',
      refreshOn: StatusCodes.parse(OAUTH2_REFRESH_CODES_CONFIG, refreshCodes ?? ''),
    };
  }

  // TLS: the stores themselves are read by validateHttpSourceConfig and when the connector or a task starts.
  const tls = tlsSettings(values);
  if (tls !== null && tls.keystore === null && tls.truststore === null) {
    problem(
      SSL_ENABLED_CONFIG,
      `${SSL_ENABLED_CONFIG} is true: set https.ssl.keystorefile and/or https.ssl.truststorefile`,
    );
  }

  // Output and retries.
  const format = string(OUTPUT_FORMAT_CONFIG)?.toUpperCase();
  const strategy = string(VALUE_REFERENCE_STRATEGY_CONFIG);
  if (
    format !== undefined &&
    strategy != null &&
    strategy !== REFERENCE_STRATEGIES[0] &&
    format !== 'PROTOBUF'
  ) {
    problem(
      VALUE_REFERENCE_STRATEGY_CONFIG,
      `${VALUE_REFERENCE_STRATEGY_CONFIG} can be set only when ${OUTPUT_FORMAT_CONFIG} is PROTOBUF`,
    );
  }
  const backoff = number(RETRY_BACKOFF_CONFIG);
  const backoffMax = number(RETRY_BACKOFF_MAX_CONFIG);
  if (backoff !== undefined && backoffMax !== undefined && backoffMax < backoff) {
    problem(
      RETRY_BACKOFF_MAX_CONFIG,
      `${RETRY_BACKOFF_MAX_CONFIG} (${backoffMax}) must be at least ${RETRY_BACKOFF_CONFIG} (${backoff})`,
    );
  }

  if (failed || [...values.values()].includes(undefined)) return null;
  const pointer = (key: string) => {
    const text = string(key);
    return text == null ? null : JsonPointer.parse(text);
  };
  return Object.freeze({
    url: url!,
    method: method!,
    headers,
    sensitiveHeaders,
    parameters,
    body: bodyUsed ?? null,
    initialOffset: initialOffset ?? null,
    offsetMode: mode!,
    dataPointer: pointer(DATA_POINTER_CONFIG) ?? JsonPointer.parse(''),
    offsetPointer: pointer(OFFSET_POINTER_CONFIG),
    offsetAsString: flag(OFFSET_AS_STRING_CONFIG)!,
    nextPagePointer: pointer(NEXT_PAGE_POINTER_CONFIG),
    requestIntervalMs: number(REQUEST_INTERVAL_CONFIG)!,
    entityNames: Object.freeze([...entityNames!]),
    topicPattern: topicPattern!,
    retry: Object.freeze({
      maxRetries: number(MAX_RETRIES_CONFIG)!,
      backoffMs: backoff!,
      backoffMaxMs: backoffMax!,
      retryAfterMaxMs: number(RETRY_AFTER_MAX_CONFIG)!,
      retryOn: StatusCodes.parse(RETRY_CODES_CONFIG, string(RETRY_CODES_CONFIG)!),
    }),
    auth: Object.freeze(auth),
    tls: tls === null ? null : Object.freeze(tls),
    connectTimeoutMs: number(CONNECT_TIMEOUT_CONFIG)!,
    requestTimeoutMs: number(REQUEST_TIMEOUT_CONFIG)!,
    maxResponseBytes: number(MAX_RESPONSE_BYTES_CONFIG)!,
    addressPolicy: Object.freeze(addressPolicy),
  });
}

/** The TLS settings when https.ssl.enabled is true, else null. */
function tlsSettings(values: ReadonlyMap<string, unknown>): TlsSettings | null {
  if (values.get(SSL_ENABLED_CONFIG) !== true) return null;
  const secret = (key: string) => {
    const value = values.get(key) as Password | null | undefined;
    return value == null ? null : value.value();
  };
  return {
    // An empty store value is no store (config UIs send empty strings for unset fields).
    keystore: secret('https.ssl.keystorefile') || null,
    keystorePassword: secret('https.ssl.keystore.password'),
    keyPassword: secret('https.ssl.key.password'),
    truststore: secret('https.ssl.truststorefile') || null,
    truststorePassword: secret('https.ssl.truststore.password'),
    protocol: (values.get('https.ssl.protocol') as string | null | undefined) ?? 'TLSv1.3',
  };
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function parseHeaders(
  key: string,
  text: string | null | undefined,
  separator: string,
  problem: (key: string, message: string) => void,
): HeaderEntry[] {
  if (text == null) return [];
  const headers: HeaderEntry[] = [];
  let position = 0;
  for (const entry of text.split(separator)) {
    if (entry.trim() === '') continue;
    position++;
    const colon = entry.indexOf(':');
    const name = colon < 0 ? '' : entry.slice(0, colon).trim();
    const value = colon < 0 ? '' : entry.slice(colon + 1).trim();
    // Values are never echoed into messages: a value resolved from a `${file:…}` variable may be a key (and a
    // file's trailing newline is the line break most often reported). Sensitive headers keep their name too.
    const shown =
      key === SENSITIVE_HEADERS_CONFIG || colon < 0 || name === ''
        ? `header ${position}`
        : `header '${name}'`;
    if (colon < 0 || !HEADER_NAME.test(name)) {
      problem(
        key,
        `${key}: ${shown} is not name:value with a valid header name (headers are separated by '${separator}')`,
      );
    } else if (/[\r\n\0]/.test(value)) {
      problem(key, `${key}: ${shown} has a line break in its value`);
    } else if (name.toLowerCase() !== 'content-length') {
      // Content-Length is left out (the reference's own example sets one): it is computed from the body.
      headers.push({ name, value });
    }
  }
  return headers;
}

function parseParameters(
  text: string,
  separator: string,
  problem: (key: string, message: string) => void,
): ParameterEntry[] {
  const parameters: ParameterEntry[] = [];
  let position = 0;
  for (const entry of text.split(separator)) {
    if (entry.trim() === '') continue;
    position++;
    const equals = entry.indexOf('=');
    const name = equals < 0 ? '' : entry.slice(0, equals).trim();
    if (name === '') {
      // Not echoed: the entry may be a value resolved from a variable.
      problem(
        PARAMETERS_CONFIG,
        `${PARAMETERS_CONFIG}: parameter ${position} is not name=value (parameters are separated by '${separator}')`,
      );
    } else {
      parameters.push({ name, value: entry.slice(equals + 1).trim() });
    }
  }
  return parameters;
}

function httpUrl(text: string): URL | null {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' ? url : null;
  } catch {
    return null;
  }
}

/** Why a URL with a literal address (or localhost) is refused by the policy; names are checked when resolved. */
function literalBlocked(policy: AddressPolicy, url: URL): string | null {
  const host = bareHost(url.hostname);
  if (host === 'localhost' || host.endsWith('.localhost')) return blockedReason(policy, '127.0.0.1', host);
  return blockedReason(policy, host);
}
