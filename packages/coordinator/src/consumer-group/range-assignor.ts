import type { ConsumerTopicPartition } from '@sluice/protocol';

/** The name Kafka's `RangeAssignor` offers in JoinGroup, and so the one Sluice's range assignor offers. */
export const RANGE_ASSIGNOR_NAME = 'range';

/** One member of a consumer group, as the leader's assignor sees it. */
export interface RangeAssignorMember {
  memberId: string;
  /** Its `group.instance.id` when it is a static member. */
  groupInstanceId?: string | undefined;
  /** The topics it subscribes to (its Subscription's topics). */
  topics: readonly string[];
}

/**
 * Kafka's `RangeAssignor` (`range`), as a pure function. Topic by topic, the partitions (in numeric order)
 * are laid out in ranges over the members subscribed to that topic, sorted as Kafka's
 * `AbstractPartitionAssignor.MemberInfo` sorts them: static members first, by `group.instance.id`, then
 * dynamic members by member id (each compared as Java's `String.compareTo`, by UTF-16 code unit, so
 * `c-10` sorts before `c-2`). Each member gets `partitions / members` of the topic; the first
 * `partitions % members` get one more. Static members therefore keep their ranges across restarts,
 * whatever member ids the coordinator hands out.
 *
 * `partitionsPerTopic` is the partition count of each subscribed topic as the leader's metadata has it;
 * a topic it lacks (or with no partitions) is not assigned, as Kafka skips a topic without metadata.
 * Every member gets an entry, possibly empty. Each member's partitions are listed by topic name, then
 * partition; Kafka's order differs (hash order of topics) but order carries no meaning.
 *
 * **Not rack-aware.** Since Kafka 3.5 (KIP-881) the assignor prefers, where consumers send a rack id and
 * some partitions have replicas on only some racks, a member in a rack holding a replica. Sluice's members
 * send no rack id and its log reads no replica racks, so this is the assignment Kafka's `RangeAssignor`
 * makes whenever no member has a rack (which it also falls back to when every partition has replicas on
 * every rack). A group where Java consumers send `client.rack` and a Sluice member leads gets a balanced
 * assignment without rack alignment.
 */
export function rangeAssign(
  members: readonly RangeAssignorMember[],
  partitionsPerTopic: ReadonlyMap<string, number>,
): Map<string, ConsumerTopicPartition[]> {
  const assignment = new Map<string, ConsumerTopicPartition[]>();
  const subscribers = new Map<string, RangeAssignorMember[]>();
  for (const member of members) {
    assignment.set(member.memberId, []);
    for (const topic of new Set(member.topics)) {
      let list = subscribers.get(topic);
      if (list === undefined) subscribers.set(topic, (list = []));
      list.push(member);
    }
  }
  for (const topic of [...subscribers.keys()].sort(compareStrings)) {
    const count = partitionsPerTopic.get(topic) ?? 0;
    if (!(count > 0)) continue;
    const consumers = subscribers.get(topic)!.sort(compareMembers);
    const each = Math.floor(count / consumers.length);
    const extra = count % consumers.length;
    let next = 0;
    consumers.forEach((member, index) => {
      const take = each + (index < extra ? 1 : 0);
      const partitions = assignment.get(member.memberId)!;
      for (let i = 0; i < take; i++) partitions.push({ topic, partition: next + i });
      next += take;
    });
  }
  return assignment;
}

/** Kafka's `MemberInfo.compareTo`. */
function compareMembers(a: RangeAssignorMember, b: RangeAssignorMember): number {
  if (a.groupInstanceId !== undefined && b.groupInstanceId !== undefined)
    return compareStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== undefined) return -1;
  if (b.groupInstanceId !== undefined) return 1;
  return compareStrings(a.memberId, b.memberId);
}

/** Java's `String.compareTo`: by UTF-16 code unit, as JavaScript's relational operators compare. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
