import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '@sluice/test-kit';
import type { AdminLog } from './admin-types.js';

/** What both backends answer as a cluster's administration (`ClusterAdmin`). */
export function describeAdminContract(backend: string, open: () => Promise<AdminLog>): void {
  describe(`ClusterAdmin contract: ${backend}`, () => {
    let log: AdminLog;
    const created: string[] = [];

    beforeAll(async () => {
      log = await open();
    });
    afterEach(async () => {
      for (const name of created.splice(0)) await log.deleteTopic(name).catch(() => undefined);
    });
    afterAll(async () => {
      await log?.close();
    });

    async function topic(partitions = 1, configs: Record<string, string> = {}): Promise<string> {
      const name = uniqueName('admin');
      await log.createTopic({ name, partitions, configs, replicationFactor: 1 });
      created.push(name);
      return name;
    }

    it('describes the cluster with its id, brokers and controller', async () => {
      const cluster = await log.describeCluster();
      expect(cluster.clusterId).toBe(await log.clusterId());
      expect(cluster.brokers.length).toBeGreaterThan(0);
      expect(cluster.brokers.map((b) => b.id)).toContain(cluster.controllerId);
    });

    it('describes partitions with a leader among the in-sync replicas', async () => {
      const name = await topic(3);
      const partitions = await log.describePartitions(name);
      expect(partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
      for (const partition of partitions) {
        expect(partition.replicas).toHaveLength(1);
        expect(partition.isr).toContain(partition.leader);
      }
      await expect(log.describePartitions(uniqueName('missing'))).rejects.toMatchObject({
        code: 'SLUICE_UNKNOWN_TOPIC_OR_PARTITION',
      });
    });

    it('describes topic configs with defaults and overrides, and alters them', async () => {
      const name = await topic(1, { 'retention.ms': '1000000' });
      const configs = await log.describeTopicConfigs(name);
      const retention = configs.find((c) => c.name === 'retention.ms');
      expect(retention).toMatchObject({ value: '1000000', isDefault: false, source: 'DYNAMIC_TOPIC_CONFIG' });
      expect(configs.find((c) => c.name === 'cleanup.policy')).toMatchObject({
        value: 'delete',
        isDefault: true,
        source: 'DEFAULT_CONFIG',
      });
      expect(configs.map((c) => c.name)).toEqual([...configs.map((c) => c.name)].sort());

      await log.alterTopicConfigs(name, [
        { name: 'segment.ms', value: '100000' },
        { name: 'retention.ms', value: null },
      ]);
      const overrides = (await log.describeTopicConfigs(name))
        .filter((c) => c.source === 'DYNAMIC_TOPIC_CONFIG')
        .map((c) => [c.name, c.value]);
      expect(overrides).toEqual([['segment.ms', '100000']]);

      await log.alterTopicConfigs(name, [{ name: 'segment.ms', value: '5' }], { validateOnly: true });
      expect((await log.describeTopicConfigs(name)).find((c) => c.name === 'segment.ms')?.value).toBe(
        '100000',
      );
    });

    it('refuses an unknown topic config or an invalid policy, changing nothing', async () => {
      const name = await topic();
      await expect(
        log.alterTopicConfigs(name, [
          { name: 'segment.ms', value: '100000' },
          { name: 'no.such.config', value: '1' },
        ]),
      ).rejects.toMatchObject({ code: 'SLUICE_INVALID_TOPIC_CONFIG' });
      await expect(
        log.alterTopicConfigs(name, [{ name: 'cleanup.policy', value: 'bogus' }]),
      ).rejects.toMatchObject({ code: 'SLUICE_INVALID_TOPIC_CONFIG' });
      const overrides = (await log.describeTopicConfigs(name)).filter(
        (c) => c.source === 'DYNAMIC_TOPIC_CONFIG',
      );
      expect(overrides).toEqual([]);
    });

    it('turns compaction on for a topic that has records', async () => {
      const name = await topic();
      await log.produce(name, [
        { key: 'k', value: '1' },
        { key: 'k', value: '2' },
      ]);
      await log.alterTopicConfigs(name, [{ name: 'cleanup.policy', value: 'compact' }]);
      expect((await log.describeTopic(name))?.configs['cleanup.policy']).toBe('compact');
      await log.produce(name, [{ key: 'k', value: '3' }]);
      const latest = await log.latestByKey(name);
      expect(latest.map((r) => r.value?.toString())).toEqual(['3']);
    });

    it('describes broker configs, and refuses an unknown broker', async () => {
      const { brokers } = await log.describeCluster();
      const configs = await log.describeBrokerConfigs(brokers[0]!.id);
      expect(configs.find((c) => c.name === 'num.partitions')?.value).toMatch(/^\d+$/);
      await expect(log.describeBrokerConfigs(987654)).rejects.toMatchObject({
        code: 'SLUICE_UNKNOWN_BROKER',
      });
    });

    it('lists and describes groups that committed offsets', async () => {
      const name = await topic();
      const group = uniqueName('admin-group');
      await log.commitGroupOffsets(group, [{ topic: name, partition: 0, offset: 0 }]);
      expect((await log.listGroups()).map((g) => g.groupId)).toContain(group);
      const [described, missing] = await log.describeGroups([group, uniqueName('no-group')]);
      expect(described).toMatchObject({ groupId: group, state: 'Empty', members: [] });
      expect(missing).toMatchObject({ state: 'Dead', members: [] });
      await log.deleteGroupOffsets(group);
    });

    it('finds offsets by time', async () => {
      const name = await topic();
      await log.produce(name, [
        { value: 'a', timestamp: 1_000 },
        { value: 'b', timestamp: 5_000 },
      ]);
      expect(await log.offsetForTime(name, 0, 2_000)).toBe(1);
      expect(await log.offsetForTime(name, 0, 0)).toBe(0);
      expect(await log.offsetForTime(name, 0, 10_000)).toBe(2);
    });
  });
}
