import kafkajs from 'kafkajs';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BrokerClient } from './broker-client.js';
import { GroupErrorCode } from './errors.js';
import { toGroupRequestError } from './group-client.js';
import { describeKafkaError } from './internals.js';
import { createKafka } from './kafka.js';

/** The error kafkajs throws when a broker answers with `type` (protocol/error.js). */
function protocolError(type: string, retriable: boolean, extra: Record<string, unknown> = {}): Error {
  // kafkajs builds these from its error-code table entries ({ type, code, retriable, message }).
  const entry = { message: type.toLowerCase(), type, code: 0, retriable };
  return Object.assign(new kafkajs.KafkaJSProtocolError(entry as unknown as Error), extra);
}

describe('kafkajs internals', () => {
  it('reaches the private cluster factory of a real kafkajs instance', () => {
    expect(() => new BrokerClient(createKafka({ brokers: ['127.0.0.1:1'] }))).not.toThrow();
  });

  it('fails loudly when the Kafka instance is not shaped as expected', () => {
    expect(() => new BrokerClient({} as Kafka)).toThrow(
      expect.objectContaining({
        code: 'SLUICE_KAFKA_INTERNALS_CHANGED',
        message: expect.stringContaining(
          'the Kafka instance has no private:Kafka:createCluster factory',
        ) as unknown,
      }),
    );
    const fake = {
      [Symbol('private:Kafka:createCluster')]: () => ({ connect: () => undefined }),
    } as unknown as Kafka;
    expect(() => new BrokerClient(fake)).toThrow('Cluster has no metadata()');
  });
});

describe('kafkajs error translation', () => {
  it('finds the broker error under kafkajs retry wrappers', () => {
    const exhausted = new kafkajs.KafkaJSNumberOfRetriesExceeded(
      protocolError('GROUP_COORDINATOR_NOT_AVAILABLE', true),
      {
        retryCount: 5,
        retryTime: 100,
      },
    );
    expect(describeKafkaError(exhausted)).toMatchObject({
      type: 'GROUP_COORDINATOR_NOT_AVAILABLE',
      retriable: true,
    });
    expect(describeKafkaError(new kafkajs.KafkaJSConnectionError('Connection error'))).toMatchObject({
      network: true,
      retriable: true,
    });
  });

  it.each([
    ['REBALANCE_IN_PROGRESS', false, GroupErrorCode.REBALANCE_IN_PROGRESS, true],
    ['UNKNOWN_MEMBER_ID', false, GroupErrorCode.UNKNOWN_MEMBER_ID, true],
    ['ILLEGAL_GENERATION', false, GroupErrorCode.ILLEGAL_GENERATION, true],
    ['NOT_COORDINATOR_FOR_GROUP', true, GroupErrorCode.COORDINATOR_UNAVAILABLE, true],
    ['GROUP_LOAD_IN_PROGRESS', true, GroupErrorCode.COORDINATOR_UNAVAILABLE, true],
    ['FENCED_INSTANCE_ID', false, GroupErrorCode.FENCED_INSTANCE_ID, false],
    ['INCONSISTENT_GROUP_PROTOCOL', false, GroupErrorCode.GROUP_REQUEST_FAILED, false],
    ['UNKNOWN_SERVER_ERROR', true, GroupErrorCode.GROUP_REQUEST_FAILED, true],
  ])('maps %s to a group error code', (type, kafkaRetriable, code, retriable) => {
    const error = toGroupRequestError('Heartbeat', protocolError(type, kafkaRetriable));
    expect(error).toMatchObject({ code, retriable, kafkaError: type, request: 'Heartbeat' });
  });

  it('carries the member id of MEMBER_ID_REQUIRED', () => {
    const required = Object.assign(protocolError('MEMBER_ID_REQUIRED', false), {
      name: 'KafkaJSMemberIdRequired',
      memberId: 'sluice-42',
    });
    expect(toGroupRequestError('JoinGroup', required)).toMatchObject({
      code: GroupErrorCode.MEMBER_ID_REQUIRED,
      memberId: 'sluice-42',
    });
  });

  it('treats an unreachable coordinator as retriable', () => {
    const error = toGroupRequestError('JoinGroup', new kafkajs.KafkaJSConnectionError('Connection timeout'));
    expect(error).toMatchObject({ code: GroupErrorCode.COORDINATOR_UNAVAILABLE, retriable: true });
  });
});
