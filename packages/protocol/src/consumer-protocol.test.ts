import { describe, expect, it } from 'vitest';
import {
  consumerProtocol,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  ProtocolDecodeError,
  ProtocolEncodeError,
  type ConsumerAssignment,
  type ConsumerSubscription,
} from './index.js';

// Golden vectors: the hex output of Kafka's own
// `org.apache.kafka.clients.consumer.internals.ConsumerProtocol` from kafka-clients-3.9.1.jar, made by a
// throwaway Java 17 program (not committed) that called `serializeSubscription(subscription, version)` and
// `serializeAssignment(assignment, version)` for versions 0 to 3 on the inputs written next to each vector,
// and, for the Java consumer's own metadata, `serializeSubscription(new Subscription(topics,
// assignor.subscriptionUserData(topics), ownedPartitions, generation, rack))` as 3.9's
// `ConsumerCoordinator.metadata()` does, with a `RangeAssignor` and a `CooperativeStickyAssignor`.
// The same program decoded `FORWARD_V4` with `ConsumerProtocol.deserializeSubscription` and printed
// topics=[t] owned=[] gen=3 rack=r userData=null.

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (text: string) => new Uint8Array(Buffer.from(text, 'hex'));
const tp = (topic: string, partition: number) => ({ topic, partition });

interface SubscriptionCase {
  name: string;
  /** What Kafka was given (topics and owned partitions unsorted, as a caller may pass them). */
  input: ConsumerSubscription;
  /** What Kafka decodes at each version: fields the version lacks take their defaults. */
  decoded: (version: number) => ConsumerSubscription;
  vectors: [string, string, string, string];
}

const subscriptions: SubscriptionCase[] = [
  {
    name: 'topics only (new Subscription(["beta", "alpha"]))',
    input: { topics: ['beta', 'alpha'], userData: null, ownedPartitions: [], generationId: -1, rackId: null },
    decoded: () => ({
      topics: ['alpha', 'beta'],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    }),
    vectors: [
      '0000000000020005616c706861000462657461ffffffff',
      '0001000000020005616c706861000462657461ffffffff00000000',
      '0002000000020005616c706861000462657461ffffffff00000000ffffffff',
      '0003000000020005616c706861000462657461ffffffff00000000ffffffffffff',
    ],
  },
  {
    name: 'every field: user data, owned partitions, generation 7, rack "rack-a"',
    input: {
      topics: ['payments', 'orders'],
      userData: new Uint8Array([1, 2, 3]),
      ownedPartitions: [tp('payments', 1), tp('orders', 2), tp('orders', 0)],
      generationId: 7,
      rackId: 'rack-a',
    },
    decoded: (version) => ({
      topics: ['orders', 'payments'],
      userData: new Uint8Array([1, 2, 3]),
      ownedPartitions: version >= 1 ? [tp('orders', 0), tp('orders', 2), tp('payments', 1)] : [],
      generationId: version >= 2 ? 7 : -1,
      rackId: version >= 3 ? 'rack-a' : null,
    }),
    vectors: [
      '00000000000200066f726465727300087061796d656e747300000003010203',
      '00010000000200066f726465727300087061796d656e7473000000030102030000000200066f726465727300000002000000000000000200087061796d656e74730000000100000001',
      '00020000000200066f726465727300087061796d656e7473000000030102030000000200066f726465727300000002000000000000000200087061796d656e7473000000010000000100000007',
      '00030000000200066f726465727300087061796d656e7473000000030102030000000200066f726465727300000002000000000000000200087061796d656e747300000001000000010000000700067261636b2d61',
    ],
  },
  {
    name: 'no topics, empty (not null) user data, an empty rack id (read back as none)',
    input: { topics: [], userData: new Uint8Array(), ownedPartitions: [], generationId: -1, rackId: '' },
    decoded: () => ({
      topics: [],
      userData: new Uint8Array(),
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    }),
    vectors: [
      '00000000000000000000',
      '0001000000000000000000000000',
      '0002000000000000000000000000ffffffff',
      '0003000000000000000000000000ffffffff0000',
    ],
  },
  {
    name: 'the largest generation and a rack id outside ASCII ("zürich-✓", 11 bytes of UTF-8)',
    input: {
      topics: ['t'],
      userData: null,
      ownedPartitions: [],
      generationId: 2 ** 31 - 1,
      rackId: 'zürich-✓',
    },
    decoded: (version) => ({
      topics: ['t'],
      userData: null,
      ownedPartitions: [],
      generationId: version >= 2 ? 2 ** 31 - 1 : -1,
      rackId: version >= 3 ? 'zürich-✓' : null,
    }),
    vectors: [
      '000000000001000174ffffffff',
      '000100000001000174ffffffff00000000',
      '000200000001000174ffffffff000000007fffffff',
      '000300000001000174ffffffff000000007fffffff000b7ac3bc726963682de29c93',
    ],
  },
];

interface AssignmentCase {
  name: string;
  input: ConsumerAssignment;
  decoded: ConsumerAssignment;
  /** The layout is the same in every version; only the version prefix differs. */
  body: string;
}

const assignments: AssignmentCase[] = [
  {
    name: 'no partitions, no user data',
    input: { partitions: [], userData: null },
    decoded: { partitions: [], userData: null },
    body: '00000000ffffffff',
  },
  {
    name: 'partitions grouped by topic in order of first appearance, user data',
    input: { partitions: [tp('t1', 2), tp('t0', 0), tp('t1', 0), tp('t0', 1)], userData: bytes('dead') },
    decoded: { partitions: [tp('t1', 2), tp('t1', 0), tp('t0', 0), tp('t0', 1)], userData: bytes('dead') },
    body: '00000002000274310000000200000002000000000002743000000002000000000000000100000002dead',
  },
  {
    name: 'one partition, empty (not null) user data',
    input: { partitions: [tp('sink-topic', 3)], userData: new Uint8Array() },
    decoded: { partitions: [tp('sink-topic', 3)], userData: new Uint8Array() },
    body: '00000001000a73696e6b2d746f706963000000010000000300000000',
  },
];

describe("Kafka's ConsumerProtocol Subscription (golden vectors from kafka-clients 3.9.1)", () => {
  for (const c of subscriptions) {
    for (const version of [0, 1, 2, 3]) {
      it(`v${version}, ${c.name}: encodes as Kafka does and decodes Kafka's bytes`, () => {
        const golden = c.vectors[version]!;
        expect(hex(encodeSubscription(c.input, version))).toBe(golden);
        expect(decodeSubscription(bytes(golden))).toEqual({ version, ...c.decoded(version) });
      });
    }
  }

  it('writes version 3 by default', () => {
    expect(hex(encodeSubscription(subscriptions[1]!.input))).toBe(subscriptions[1]!.vectors[3]);
  });

  it('decodes what a Java 3.9 consumer sends in JoinGroup with its default assignors, range and cooperative-sticky', () => {
    // RangeAssignor: no user data; eager, so no owned partitions; generation -1 on the first join.
    expect(
      decodeSubscription(
        bytes('00030000000200066f726465727300087061796d656e7473ffffffff00000000ffffffffffff'),
      ),
    ).toEqual({
      version: 3,
      topics: ['orders', 'payments'],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
    // CooperativeStickyAssignor: its generation as user data (int32), -1 before the first assignment…
    expect(
      decodeSubscription(
        bytes('00030000000200066f726465727300087061796d656e747300000004ffffffff00000000ffffffffffff'),
      ),
    ).toMatchObject({ userData: bytes('ffffffff'), ownedPartitions: [], generationId: -1 });
    // … and, rejoining, the partitions it owns, generation 5 and client.rack=us-east-1a.
    expect(
      decodeSubscription(
        bytes(
          '00030000000200066f726465727300087061796d656e747300000004000000050000000200066f7264657273000000010000000000087061796d656e7473000000010000000100000005000a75732d656173742d3161',
        ),
      ),
    ).toEqual({
      version: 3,
      topics: ['orders', 'payments'],
      userData: bytes('00000005'),
      ownedPartitions: [tp('orders', 0), tp('payments', 1)],
      generationId: 5,
      rackId: 'us-east-1a',
    });
  });

  it('reads a newer version as version 3, ignoring the fields it does not know, as Kafka does', () => {
    const FORWARD_V4 = '000400000001000174ffffffff0000000000000003000172ff00';
    expect(decodeSubscription(bytes(FORWARD_V4))).toEqual({
      version: 4,
      topics: ['t'],
      userData: null,
      ownedPartitions: [],
      generationId: 3,
      rackId: 'r',
    });
  });

  it('refuses bytes that are cut short, a negative version, or a null where Kafka allows none', () => {
    const golden = subscriptions[1]!.vectors[3];
    for (let cut = 0; cut < golden.length / 2; cut++) {
      expect(() => decodeSubscription(bytes(golden.slice(0, cut * 2)))).toThrow(ProtocolDecodeError);
    }
    expect(() => decodeSubscription(bytes('ffff00000000ffffffff'))).toThrow(/unsupported version -1/);
    expect(() => decodeSubscription(bytes('0000ffffffffffffffff'))).toThrow(
      /non-nullable field topics was serialized as null/,
    );
    expect(() => decodeSubscription(bytes('000000000001ffffffffffff'))).toThrow(
      /non-nullable field topics\[\] was serialized as null/,
    );
    // A count far beyond the bytes left is refused before anything is allocated for it.
    expect(() => decodeSubscription(bytes('00007fffffff'))).toThrow(/buffer underflow/);
    expect(() => decodeSubscription('0000' as unknown as Uint8Array)).toThrow(/not a Uint8Array/);
  });

  it('refuses to encode what Kafka cannot carry, naming the field', () => {
    const base = subscriptions[0]!.input;
    expect(() => encodeSubscription(base, 4)).toThrow(ProtocolEncodeError);
    expect(() => encodeSubscription({ ...base, generationId: 2 ** 31 }, 2)).toThrow(
      /generationId must be an int32/,
    );
    expect(() => encodeSubscription({ ...base, topics: ['x'.repeat(32_768)] })).toThrow(
      /topics\[\] is longer than 32767 bytes/,
    );
    expect(() => encodeSubscription({ ...base, ownedPartitions: [tp('t', 1.5)] }, 1)).toThrow(
      /ownedPartitions.partitions\[\] must be an int32/,
    );
  });
});

describe("Kafka's ConsumerProtocol Assignment (golden vectors from kafka-clients 3.9.1)", () => {
  for (const c of assignments) {
    for (const version of [0, 1, 2, 3]) {
      it(`v${version}, ${c.name}: encodes as Kafka does and decodes Kafka's bytes`, () => {
        const golden = `000${version}${c.body}`;
        expect(hex(encodeAssignment(c.input, version))).toBe(golden);
        expect(decodeAssignment(bytes(golden))).toEqual({ version, ...c.decoded });
      });
    }
  }

  it('refuses bytes that are cut short', () => {
    const golden = `0003${assignments[1]!.body}`;
    for (let cut = 0; cut < golden.length / 2; cut++) {
      expect(() => decodeAssignment(bytes(golden.slice(0, cut * 2)))).toThrow(ProtocolDecodeError);
    }
  });
});

describe('consumerProtocol (a GroupProtocol per assignor name)', () => {
  it('carries its name, writes the chosen version and reads any', () => {
    const range = consumerProtocol('range');
    expect(range.name).toBe('range');
    const subscription = subscriptions[1]!;
    expect(hex(range.encodeMetadata(subscription.input))).toBe(subscription.vectors[3]);
    expect(range.decodeMetadata(bytes(subscription.vectors[0]))).toEqual(subscription.decoded(0));
    const v0 = consumerProtocol('range', { version: 0 });
    expect(hex(v0.encodeMetadata(subscription.input))).toBe(subscription.vectors[0]);
    const assignment = assignments[1]!;
    expect(hex(v0.encodeAssignment(assignment.input))).toBe(`0000${assignment.body}`);
    expect(range.decodeAssignment(bytes(`0002${assignment.body}`))).toEqual(assignment.decoded);
    expect(() => consumerProtocol('range', { version: 9 })).toThrow(/version must be 0 to 3, got 9/);
  });
});
