import { ConfigError } from '@sluice/errors';
import { GroupErrorCode, GroupRequestError } from '@sluice/kafka-client';
import { describe, expect, it } from 'vitest';
import { isRefusedCommit, sinkFetchSettings, sinkGroupTiming, viewDigest } from './sink-group.js';

const worker = { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 3_000, rebalanceTimeoutMs: 60_000 };

describe('sinkGroupTiming', () => {
  it("takes the worker's group settings by default, not a Java consumer's 45 s session", () => {
    expect(sinkGroupTiming(worker, new Map(), {})).toEqual(worker);
    expect(sinkGroupTiming({}, new Map(), {})).toEqual(worker);
  });

  it("lets the worker's consumer.* and the connector's consumer.override.* settings win, in that order", () => {
    const originals = new Map([
      ['consumer.session.timeout.ms', '45000'],
      ['consumer.max.poll.interval.ms', '300000'],
    ]);
    expect(sinkGroupTiming(worker, originals, {})).toEqual({
      sessionTimeoutMs: 45_000,
      heartbeatIntervalMs: 3_000,
      rebalanceTimeoutMs: 300_000,
    });
    expect(
      sinkGroupTiming(worker, originals, {
        'consumer.override.session.timeout.ms': ' 6000 ',
        'consumer.override.heartbeat.interval.ms': '1000',
      }),
    ).toEqual({ sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000, rebalanceTimeoutMs: 300_000 });
  });

  it('refuses values that are not positive integers, naming the key that held them', () => {
    const cases: Array<[Map<string, string>, Record<string, string>, string, string]> = [
      [
        new Map(),
        { 'consumer.override.session.timeout.ms': 'soon' },
        'consumer.override.session.timeout.ms',
        "consumer.override.session.timeout.ms must be a positive integer of milliseconds, got 'soon'",
      ],
      [
        new Map([['consumer.heartbeat.interval.ms', '0']]),
        {},
        'consumer.heartbeat.interval.ms',
        "consumer.heartbeat.interval.ms must be a positive integer of milliseconds, got '0'",
      ],
      [
        new Map(),
        { 'consumer.override.max.poll.interval.ms': '' },
        'consumer.override.max.poll.interval.ms',
        "consumer.override.max.poll.interval.ms must be a positive integer of milliseconds, got ''",
      ],
      [
        new Map(),
        { 'consumer.override.heartbeat.interval.ms': '10000' },
        'consumer.override.heartbeat.interval.ms',
        "a sink task's heartbeat.interval.ms (10000) must be lower than its session.timeout.ms (10000)",
      ],
      [
        new Map([['consumer.session.timeout.ms', '2000']]),
        {},
        'heartbeat.interval.ms',
        "a sink task's heartbeat.interval.ms (3000) must be lower than its session.timeout.ms (2000)",
      ],
    ];
    for (const [originals, connector, key, message] of cases) {
      let thrown: unknown;
      try {
        sinkGroupTiming(worker, originals, connector);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect(thrown).toMatchObject({ key, message });
    }
  });
});

describe('sinkFetchSettings', () => {
  it("takes Kafka's consumer defaults, then the worker's consumer.* and the connector's consumer.override.*", () => {
    expect(sinkFetchSettings(new Map(), {})).toEqual({ maxWaitMs: 500, minBytes: 1 });
    const originals = new Map([
      ['consumer.fetch.max.wait.ms', '250'],
      ['consumer.fetch.min.bytes', '1024'],
    ]);
    expect(sinkFetchSettings(originals, {})).toEqual({ maxWaitMs: 250, minBytes: 1024 });
    expect(sinkFetchSettings(originals, { 'consumer.override.fetch.max.wait.ms': ' 0 ' })).toEqual({
      maxWaitMs: 0,
      minBytes: 1024,
    });
  });

  it('names the setting that is not an integer >= 0', () => {
    const cases: Array<[Map<string, string>, Record<string, string>, string, string]> = [
      [
        new Map(),
        { 'consumer.override.fetch.max.wait.ms': '-1' },
        'consumer.override.fetch.max.wait.ms',
        "consumer.override.fetch.max.wait.ms must be an integer >= 0 (milliseconds), got '-1'",
      ],
      [
        new Map([['consumer.fetch.min.bytes', '1.5']]),
        {},
        'consumer.fetch.min.bytes',
        "consumer.fetch.min.bytes must be an integer >= 0 (bytes), got '1.5'",
      ],
    ];
    for (const [originals, connector, key, message] of cases) {
      let thrown: unknown;
      try {
        sinkFetchSettings(originals, connector);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect(thrown).toMatchObject({ key, message });
    }
  });
});

describe('viewDigest', () => {
  const counts = new Map([
    ['a', 4],
    ['b', 2],
  ]);

  it('carries a Sluice marker and depends on the topics and their partition counts, not on their order', () => {
    const digest = viewDigest(['b', 'a'], counts);
    expect([...digest.subarray(0, 3)]).toEqual([0x53, 0x4c, 0x01]);
    expect(digest.length).toBe(19);
    expect(viewDigest(['a', 'b', 'a'], counts)).toEqual(digest);
    expect(viewDigest(['a', 'b'], new Map([...counts, ['a', 5]]))).not.toEqual(digest);
    expect(viewDigest(['a'], counts)).not.toEqual(digest);
    // A missing topic counts as 0 partitions, as the leader counts one it cannot find.
    expect(viewDigest(['a', 'c'], counts)).toEqual(viewDigest(['a', 'c'], new Map([...counts, ['c', 0]])));
  });
});

describe('isRefusedCommit', () => {
  it('is true for the errors of a member the coordinator no longer counts, false for others', () => {
    const error = (code: GroupErrorCode) =>
      new GroupRequestError(code, 'OffsetCommit', code, { retriable: true });
    for (const code of [
      GroupErrorCode.ILLEGAL_GENERATION,
      GroupErrorCode.UNKNOWN_MEMBER_ID,
      GroupErrorCode.FENCED_INSTANCE_ID,
      GroupErrorCode.REBALANCE_IN_PROGRESS,
    ])
      expect(isRefusedCommit(error(code))).toBe(true);
    expect(isRefusedCommit(error(GroupErrorCode.COORDINATOR_UNAVAILABLE))).toBe(false);
    expect(isRefusedCommit(new Error('UNKNOWN_MEMBER_ID'))).toBe(false);
  });
});
