import { SluiceError } from '@sluice/errors';
import { HttpError } from '@sluice/rest';

/**
 * Confluent REST Proxy's errors (`io.confluent.kafkarest.Errors` and rest-utils' `KafkaExceptionMapper`):
 * the HTTP status, the five-digit `error_code` and the message clients see.
 */
export const Errors = {
  topicNotFound: () => new HttpError(404, 'Topic not found.', { errorCode: 40401 }),
  partitionNotFound: () => new HttpError(404, 'Partition not found.', { errorCode: 40402 }),
  consumerInstanceNotFound: (detail?: string) =>
    new HttpError(
      404,
      detail === undefined ? 'Consumer instance not found.' : `Consumer instance not found. ${detail}`,
      {
        errorCode: 40403,
      },
    ),
  /** v3's answer for a topic or partition that does not exist (Kafka's UnknownTopicOrPartitionException). */
  unknownTopicOrPartition: () =>
    new HttpError(404, 'This server does not host this topic-partition.', { errorCode: 40403 }),
  consumerAlreadySubscribed: () =>
    new HttpError(
      409,
      'Consumer cannot subscribe the the specified target because it has already subscribed to other topics.',
      { errorCode: 40901 },
    ),
  consumerAlreadyExists: () =>
    new HttpError(
      409,
      'Consumer with specified consumer ID already exists in the specified consumer group.',
      {
        errorCode: 40902,
      },
    ),
  illegalState: (message: string) => new HttpError(409, `Illegal state: ${message}`, { errorCode: 40903 }),
  keySchemaMissing: (detail: string) =>
    new HttpError(422, `Request includes keys but does not include key schema. ${detail}`, {
      errorCode: 42201,
    }),
  valueSchemaMissing: (detail: string) =>
    new HttpError(422, `Request includes values but does not include value schema. ${detail}`, {
      errorCode: 42202,
    }),
  invalidConsumerConfig: (message: string) =>
    new HttpError(422, `Invalid consumer configuration: ${message}`, { errorCode: 42204 }),
  invalidConsumerConfigConstraint: (message: string) =>
    new HttpError(422, `Invalid consumer configuration. It does not abide by the constraints: ${message}`, {
      errorCode: 40001,
    }),
  invalidPayload: (message: string) => new HttpError(422, `Payload error. ${message}`, { errorCode: 42206 }),
  serialization: (message: string) =>
    new HttpError(422, `Error serializing message. ${message}`, { errorCode: 42207 }),
  /** A constraint on the request's entity (a required field missing), as Jersey's validation answers it. */
  unprocessable: (message: string) => new HttpError(422, message, { errorCode: 422 }),
  /** rest-utils' `BadRequestException` as the v2 and v3 mappers write it: `Bad Request: <detail>`. */
  badRequest: (detail: string) => new HttpError(400, `Bad Request: ${detail}`),
  /** A request Kafka refuses as it is (`KAFKA_BAD_REQUEST_ERROR_CODE`). */
  kafkaBadRequest: (message: string) => new HttpError(400, message, { errorCode: 40002 }),
  kafka: (message: string, retriable: boolean) =>
    new HttpError(500, `Kafka error: ${message}`, { errorCode: retriable ? 50003 : 50002 }),
  /** Kafka's SerializationException, which Confluent answers 408 (a JSON consumer reading bytes that are not JSON). */
  deserialization: (message: string) => new HttpError(408, message, { errorCode: 40801 }),
  notFound: (message = 'HTTP 404 Not Found') => new HttpError(404, message),
};

/** The sentence every schema-format error ends with, so that nobody is left guessing. */
export const NO_SCHEMA_REGISTRY =
  'Sluice has no schema registry yet, so Avro, Protobuf and JSON Schema data cannot be used; use the binary or json format.';

/**
 * The HttpError for an error of the layers below (the log, Kafka), or undefined for anything else (500).
 * `v3` picks the answer of API v3 where the two differ (a topic that does not exist).
 */
export function mapLogError(error: unknown, v3: boolean): HttpError | undefined {
  if (!SluiceError.is(error)) return undefined;
  switch (error.code) {
    case 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION':
      if (v3) return Errors.unknownTopicOrPartition();
      return /^partition /.test(error.message) ? Errors.partitionNotFound() : Errors.topicNotFound();
    case 'SLUICE_TOPIC_EXISTS':
      return Errors.kafkaBadRequest(`Topic '${topicOf(error.message)}' already exists.`);
    case 'SLUICE_INVALID_TOPIC':
      return Errors.invalidPayload('Invalid topic name.');
    case 'SLUICE_INVALID_TOPIC_CONFIG':
    case 'SLUICE_KAFKA_INVALID_REQUEST':
    case 'SLUICE_INVALID_PARTITIONS':
      return Errors.kafkaBadRequest(error.message);
    case 'SLUICE_UNKNOWN_BROKER':
      return Errors.notFound(error.message);
    case 'SLUICE_KAFKA_ERROR':
    case 'SLUICE_KAFKA_UNREACHABLE':
    case 'SLUICE_LOG_CLOSED':
      return Errors.kafka(kafkaMessage(error.message), error.retriable);
    default:
      return undefined;
  }
}

/**
 * A failed produce as v2 reports it in each record's `offsets[]` entry (`Errors.codeFromProducerException`):
 * 50003 when Kafka says asking again may succeed, 50002 otherwise, with the Kafka error's message.
 */
export function producerError(error: SluiceError): { error_code: 50002 | 50003; error: string } {
  return { error_code: error.retriable ? 50003 : 50002, error: kafkaMessage(error.message) };
}

/** The Kafka client's message, without the log layer's preamble. */
function kafkaMessage(message: string): string {
  return message.replace(/^Kafka request failed: /, '');
}

function topicOf(message: string): string {
  return /'([^']*)'/.exec(message)?.[1] ?? '';
}
