import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { BrokerClient } from './broker-client.js';
import { GroupErrorCode } from './errors.js';
import { groupRequestError, KafkaGroupClient, toGroupRequestError } from './group-client.js';
import { describeKafkaError, preloadKafkaProtocol } from './internals.js';
import { createKafka } from './kafka.js';

/** The error kafkajs throws when a broker answers with `type` (protocol/error.js). */
function protocolError(type: string, retriable: boolean, extra: Record<string, unknown> = {}): Error {
  // kafkajs builds these from its error-code table entries ({ type, code, retriable, message }).
  const entry = { message: type.toLowerCase(), type, code: 0, retriable };
  return Object.assign(new kafkajs.KafkaJSProtocolError(entry as unknown as Error), extra);
}

describe('kafkajs internals', () => {
  it('preloads the newest encoder and decoder of each request a task sends, which kafkajs requires lazily', () => {
    const load = createRequire(import.meta.url);
    const modules = ['metadata/v6', 'fetch/v11', 'joinGroup/v5', 'offsetCommit/v5', 'produce/v7'].flatMap(
      (request) =>
        ['request', 'response'].map((part) =>
          load.resolve(`kafkajs/src/protocol/requests/${request}/${part}.js`),
        ),
    );
    for (const module of modules) delete load.cache[module];
    preloadKafkaProtocol();
    expect(modules.filter((module) => load.cache[module] === undefined)).toEqual([]);
  });

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
    ['INCONSISTENT_GROUP_PROTOCOL', false, GroupErrorCode.INCONSISTENT_GROUP_PROTOCOL, false],
    ['GROUP_MAX_SIZE_REACHED', false, GroupErrorCode.GROUP_REQUEST_FAILED, false],
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

  it('builds the same errors from a Kafka error name, as the in-memory coordinator answers', () => {
    expect(groupRequestError('JoinGroup', 'INCONSISTENT_GROUP_PROTOCOL')).toMatchObject({
      code: GroupErrorCode.INCONSISTENT_GROUP_PROTOCOL,
      retriable: false,
      kafkaError: 'INCONSISTENT_GROUP_PROTOCOL',
      message: 'JoinGroup failed: INCONSISTENT_GROUP_PROTOCOL',
    });
    expect(groupRequestError('JoinGroup', 'MEMBER_ID_REQUIRED', { memberId: 'm-1' })).toMatchObject({
      code: GroupErrorCode.MEMBER_ID_REQUIRED,
      memberId: 'm-1',
      retriable: true,
    });
    expect(groupRequestError('Heartbeat', 'NOT_COORDINATOR_FOR_GROUP')).toMatchObject({
      code: GroupErrorCode.COORDINATOR_UNAVAILABLE,
      retriable: true,
    });
    expect(groupRequestError('Heartbeat', 'INVALID_SESSION_TIMEOUT')).toMatchObject({
      code: GroupErrorCode.GROUP_REQUEST_FAILED,
      retriable: false,
    });
  });

  it('treats an unreachable coordinator as retriable', () => {
    const error = toGroupRequestError('JoinGroup', new kafkajs.KafkaJSConnectionError('Connection timeout'));
    expect(error).toMatchObject({ code: GroupErrorCode.COORDINATOR_UNAVAILABLE, retriable: true });
  });
});

/** A Kafka instance whose private cluster has one broker (node 1) answering group requests with `versions`. */
function fakeKafka(maxVersions: Record<number, number>) {
  const calls: Array<[string, Record<string, unknown>]> = [];
  const record = (name: string, answer: unknown) => (request: Record<string, unknown>) => {
    calls.push([name, request]);
    return Promise.resolve(answer);
  };
  const broker = {
    nodeId: 1,
    versions: Object.fromEntries(
      Object.entries(maxVersions).map(([apiKey, maxVersion]) => [apiKey, { minVersion: 0, maxVersion }]),
    ),
    fetch: record('fetch', {}),
    joinGroup: record('joinGroup', {
      generationId: 1,
      groupProtocol: 'p',
      leaderId: 'm-1',
      memberId: 'm-1',
      members: [{ memberId: 'm-1', groupInstanceId: 'task-0', memberMetadata: Buffer.from('x') }],
    }),
    syncGroup: record('syncGroup', { memberAssignment: Buffer.from('a') }),
    heartbeat: record('heartbeat', {}),
    leaveGroup: record('leaveGroup', {}),
    offsetCommit: record('offsetCommit', {}),
  };
  const cluster = {
    metadata: () => Promise.resolve({}),
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    refreshMetadata: () => Promise.resolve(),
    addTargetTopic: () => Promise.resolve(),
    findTopicPartitionMetadata: () => [],
    findBroker: () => Promise.resolve(broker),
    findGroupCoordinator: () => Promise.resolve({ nodeId: 1 }),
  };
  const kafka = { [Symbol('private:Kafka:createCluster')]: () => cluster } as unknown as Kafka;
  return { kafka, calls };
}

describe('static membership through kafkajs', () => {
  const join = {
    groupId: 'g',
    memberId: '',
    groupInstanceId: 'task-0',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 60_000,
    protocolType: 'consumer',
    protocols: [{ name: 'p', metadata: Buffer.from('x') }],
  };

  it('hands the group.instance.id to the patched Broker methods, and reads it back from JoinGroup', async () => {
    // JoinGroup, Heartbeat, LeaveGroup, SyncGroup as Kafka 3.9 answers ApiVersions.
    const { kafka, calls } = fakeKafka({ 11: 9, 12: 4, 13: 5, 14: 5 });
    const client = new KafkaGroupClient(kafka);
    const joined = await client.joinGroup(join);
    expect(joined.members).toEqual([
      { memberId: 'm-1', groupInstanceId: 'task-0', metadata: Buffer.from('x') },
    ]);
    const identity = { groupId: 'g', memberId: 'm-1', groupInstanceId: 'task-0' };
    await client.syncGroup({ ...identity, generationId: 1, assignments: [] });
    await client.heartbeat({ ...identity, generationId: 1 });
    await client.leaveGroup(identity);
    await client.heartbeat({ groupId: 'g', memberId: 'm-2', generationId: 1 });
    expect(calls.map(([name, request]) => [name, request['groupInstanceId']])).toEqual([
      ['joinGroup', 'task-0'],
      ['syncGroup', 'task-0'],
      ['heartbeat', 'task-0'],
      ['leaveGroup', 'task-0'],
      // A dynamic member sends null, as the encoders expect.
      ['heartbeat', null],
    ]);
  });

  it('refuses a static member on a broker older than Kafka 2.3 rather than joining it as a dynamic one', async () => {
    const { kafka, calls } = fakeKafka({ 11: 4, 12: 2, 13: 2, 14: 2 });
    const client = new KafkaGroupClient(kafka);
    await expect(client.joinGroup(join)).rejects.toMatchObject({
      code: 'SLUICE_KAFKA_STATIC_MEMBERSHIP_UNSUPPORTED',
      message:
        'broker 1 answers JoinGroup up to version 4; a static member (group.instance.id) needs version 5 (Kafka 2.3 or later)',
    });
    expect(calls).toEqual([]);
    // A dynamic member joins as before.
    await expect(client.joinGroup({ ...join, groupInstanceId: undefined })).resolves.toMatchObject({
      memberId: 'm-1',
    });
  });
});
