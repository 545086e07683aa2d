import { describe, expect, it } from 'vitest';
import { topicCreationSpec, topicSpecFor } from './topic-creation.js';

describe('topic creation', () => {
  const config = {
    'topic.creation.default.partitions': '3',
    'topic.creation.default.replication.factor': '-1',
    'topic.creation.default.cleanup.policy': 'compact',
    'topic.creation.groups': 'logs',
    'topic.creation.logs.include': 'logs-.*,audit',
    'topic.creation.logs.exclude': 'logs-debug',
    'topic.creation.logs.retention.ms': '60000',
  };

  it('creates a topic by the first group that includes and does not exclude it, else by the default', () => {
    const spec = topicCreationSpec(config);
    expect(topicSpecFor(spec, 'logs-app')).toEqual({
      name: 'logs-app',
      partitions: 3, // inherited from the default group
      configs: { 'retention.ms': '60000' }, // only the group's own topic configs
    });
    expect(topicSpecFor(spec, 'audit').configs).toEqual({ 'retention.ms': '60000' });
    // Excluded, and a partial match is no match: the default group.
    expect(topicSpecFor(spec, 'logs-debug')).toEqual({
      name: 'logs-debug',
      partitions: 3,
      configs: { 'cleanup.policy': 'compact' },
    });
    expect(topicSpecFor(spec, 'xaudit').configs).toEqual({ 'cleanup.policy': 'compact' });
  });

  it('is off without topic.creation keys: one partition, the broker default replication', () => {
    expect(topicCreationSpec({ topic: 'x' })).toBeUndefined();
    expect(topicSpecFor(undefined, 'x')).toEqual({ name: 'x', partitions: 1 });
  });
});
