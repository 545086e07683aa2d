import { InvalidTopicError } from './errors.js';

/** Kafka's limit: a partition directory is `<topic>-<partition>` and must fit in 255 bytes. */
export const MAX_TOPIC_NAME_LENGTH = 249;
const legalTopicName = /^[a-zA-Z0-9._-]+$/;

/** Throws `SLUICE_INVALID_TOPIC` unless `name` is a legal Kafka topic name. */
export function validateTopicName(name: string): void {
  if (typeof name !== 'string' || name.length === 0)
    throw new InvalidTopicError('topic name must not be empty');
  if (name === '.' || name === '..') throw new InvalidTopicError(`topic name cannot be '${name}'`);
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    throw new InvalidTopicError(
      `topic name is ${name.length} characters long; the maximum is ${MAX_TOPIC_NAME_LENGTH}`,
    );
  }
  if (!legalTopicName.test(name)) {
    throw new InvalidTopicError(
      `topic name '${name}' is illegal: it may contain only ASCII letters, digits, '.', '_' and '-'`,
    );
  }
}
