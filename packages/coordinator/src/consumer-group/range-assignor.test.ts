import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rangeAssign, type RangeAssignorMember } from './range-assignor.js';

const member = (memberId: string, topics: string[], groupInstanceId?: string): RangeAssignorMember => ({
  memberId,
  topics,
  ...(groupInstanceId === undefined ? {} : { groupInstanceId }),
});

/** `{ member: ['t-0', …] }`, as the Java program below printed its results. */
function readable(assignment: Map<string, Array<{ topic: string; partition: number }>>) {
  return Object.fromEntries(
    [...assignment].map(([id, partitions]) => [id, partitions.map((p) => `${p.topic}-${p.partition}`)]),
  );
}

// Expected results printed by Kafka's own `org.apache.kafka.clients.consumer.RangeAssignor`
// (kafka-clients-3.9.1.jar, `assign(partitionsPerTopic, subscriptions)`, with `setGroupInstanceId` on the
// static members' subscriptions), by a throwaway Java 17 program (not committed), on the same inputs.
describe("rangeAssign (Kafka's RangeAssignor)", () => {
  it("splits each topic in ranges, the first members taking the extra partitions (RangeAssignor's javadoc example)", () => {
    const result = rangeAssign(
      [member('C1', ['t0', 't1']), member('C0', ['t0', 't1'])],
      new Map([
        ['t0', 3],
        ['t1', 3],
      ]),
    );
    expect(readable(result)).toEqual({ C1: ['t0-2', 't1-2'], C0: ['t0-0', 't0-1', 't1-0', 't1-1'] });
  });

  it('orders static members first, by group.instance.id, then dynamic ones by member id', () => {
    const result = rangeAssign(
      [member('z-1', ['t'], 'I1'), member('a-2', ['t']), member('m-3', ['t'], 'I0')],
      new Map([['t', 7]]),
    );
    expect(readable(result)).toEqual({
      'm-3': ['t-0', 't-1', 't-2'],
      'z-1': ['t-3', 't-4'],
      'a-2': ['t-5', 't-6'],
    });
  });

  it('splits a topic among its own subscribers only, and skips topics without partitions in metadata', () => {
    const result = rangeAssign(
      [member('A', ['t0', 't1']), member('B', ['t1']), member('C', ['t2', 't3'])],
      new Map([
        ['t0', 2],
        ['t1', 5],
        ['t3', 0],
      ]),
    );
    expect(readable(result)).toEqual({
      A: ['t0-0', 't0-1', 't1-0', 't1-1', 't1-2'],
      B: ['t1-3', 't1-4'],
      C: [],
    });
  });

  it('leaves the last members empty when there are more members than partitions', () => {
    const result = rangeAssign(
      ['e', 'd', 'c', 'b', 'a'].map((id) => member(id, ['t'])),
      new Map([['t', 3]]),
    );
    expect(readable(result)).toEqual({ a: ['t-0'], b: ['t-1'], c: ['t-2'], d: [], e: [] });
  });

  it('compares instance ids as Java strings: c-10 sorts between c-1 and c-2', () => {
    const members = Array.from({ length: 11 }, (_, i) =>
      member(`connector-consumer-c-${i}-uuid${11 - i}`, ['sink'], `c-${i}`),
    );
    const result = readable(rangeAssign(members, new Map([['sink', 12]])));
    expect(result).toEqual({
      'connector-consumer-c-0-uuid11': ['sink-0', 'sink-1'],
      'connector-consumer-c-1-uuid10': ['sink-2'],
      'connector-consumer-c-10-uuid1': ['sink-3'],
      'connector-consumer-c-2-uuid9': ['sink-4'],
      'connector-consumer-c-3-uuid8': ['sink-5'],
      'connector-consumer-c-4-uuid7': ['sink-6'],
      'connector-consumer-c-5-uuid6': ['sink-7'],
      'connector-consumer-c-6-uuid5': ['sink-8'],
      'connector-consumer-c-7-uuid4': ['sink-9'],
      'connector-consumer-c-8-uuid3': ['sink-10'],
      'connector-consumer-c-9-uuid2': ['sink-11'],
    });
  });

  it('gives an empty group nothing, and a member subscribed to a topic twice one share', () => {
    expect(rangeAssign([], new Map([['t', 4]]))).toEqual(new Map());
    expect(readable(rangeAssign([member('a', ['t', 't']), member('b', ['t'])], new Map([['t', 4]])))).toEqual(
      {
        a: ['t-0', 't-1'],
        b: ['t-2', 't-3'],
      },
    );
  });

  it('for any group: every partition of a subscribed topic goes to exactly one of its subscribers, in ranges that differ by at most one, the same whatever order the members come in', () => {
    const topics = ['a', 'b', 'c', 'd'];
    const arbitrary = fc.record({
      members: fc.uniqueArray(
        fc.record({
          memberId: fc.string({ minLength: 1, maxLength: 6 }),
          groupInstanceId: fc.option(fc.string({ minLength: 1, maxLength: 4 }), { nil: undefined }),
          topics: fc.subarray(topics),
        }),
        { selector: (m) => m.memberId, maxLength: 12 },
      ),
      counts: fc.tuple(...topics.map(() => fc.nat({ max: 20 }))),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(arbitrary, ({ members, counts, seed }) => {
        // Instance ids are unique within a group.
        const seen = new Set<string>();
        const group = members.map((m) => {
          if (m.groupInstanceId === undefined || seen.has(m.groupInstanceId))
            return { ...m, groupInstanceId: undefined };
          seen.add(m.groupInstanceId);
          return m;
        });
        const partitionsPerTopic = new Map(topics.map((t, i) => [t, counts[i]!]));
        const result = rangeAssign(group, partitionsPerTopic);
        expect([...result.keys()].sort()).toEqual(group.map((m) => m.memberId).sort());
        for (const topic of topics) {
          const subscribers = group.filter((m) => m.topics.includes(topic));
          const owners = new Map<number, string>();
          const shares: number[] = [];
          for (const m of subscribers) {
            const mine = result.get(m.memberId)!.filter((p) => p.topic === topic);
            shares.push(mine.length);
            // One contiguous range per member.
            mine.forEach((p, i) => expect(p.partition).toBe(mine[0]!.partition + i));
            for (const p of mine) {
              expect(owners.has(p.partition)).toBe(false);
              owners.set(p.partition, m.memberId);
            }
          }
          for (const m of group.filter((g) => !g.topics.includes(topic)))
            expect(result.get(m.memberId)!.some((p) => p.topic === topic)).toBe(false);
          const expected = subscribers.length === 0 ? 0 : partitionsPerTopic.get(topic)!;
          expect([...owners.keys()].sort((x, y) => x - y)).toEqual(
            Array.from({ length: expected }, (_, i) => i),
          );
          if (shares.length > 0) expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
        }
        // Deterministic: a shuffled member list gives the same assignment.
        const shuffled = [...group].sort(
          (x, y) => ((hash(x.memberId) ^ seed) >>> 0) - ((hash(y.memberId) ^ seed) >>> 0),
        );
        expect(rangeAssign(shuffled, partitionsPerTopic)).toEqual(result);
      }),
    );
  });
});

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}
