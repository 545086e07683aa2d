import { ConfigError } from '@sluice/errors';
import { describe, expect, it } from 'vitest';
import { ConfigDef } from '../config/config-def.js';
import { SourceConnector, type ConnectorContext } from '../connector/connector.js';
import { SourceTask, type SourceTaskContext } from '../connector/source-task.js';
import { converterPlugins } from '../converters/plugins.js';
import { SourceRecord } from '../record/records.js';
import {
  defaultAliases,
  defaultTaskClass,
  definePlugin,
  isPluginDescriptor,
  taskClassOf,
} from './descriptor.js';

class CountingTask extends SourceTask {
  #next = 0;
  version() {
    return '1.0';
  }
  async start(props: Record<string, string>) {
    const offset = await this.context.offsetStorageReader.offset({ counter: props.name });
    this.#next = Number(offset?.n ?? 0);
  }
  poll() {
    const n = this.#next++;
    return Promise.resolve([
      new SourceRecord({
        topic: 'numbers',
        sourcePartition: { counter: 'c' },
        sourceOffset: { n: n + 1 },
        value: n,
      }),
    ]);
  }
  stop() {
    return Promise.resolve();
  }
}

class CountingConnector extends SourceConnector {
  #props: Record<string, string> = {};
  version() {
    return '1.0';
  }
  start(props: Record<string, string>) {
    this.#props = props;
    return Promise.resolve();
  }
  taskConfigs(maxTasks: number) {
    return Array.from({ length: Math.min(maxTasks, 2) }, (_, i) => ({ ...this.#props, name: `c${i}` }));
  }
  stop() {
    return Promise.resolve();
  }
  config() {
    return new ConfigDef().define({
      name: 'topic',
      type: 'STRING',
      importance: 'HIGH',
      documentation: 'Where to write.',
    });
  }
  fail(error: Error) {
    this.context.raiseError(error);
  }
}

const counting = definePlugin({
  kind: 'source',
  className: 'org.example.CountingSourceConnector',
  version: '1.0',
  create: () => new CountingConnector(),
  createTask: () => new CountingTask(),
});

describe('plugin descriptors', () => {
  it('fill in Connect-style aliases', () => {
    expect(counting.aliases).toEqual(['CountingSourceConnector', 'CountingSource']);
    expect(defaultAliases('org.apache.kafka.connect.json.JsonConverter', 'converter')).toEqual([
      'JsonConverter',
      'Json',
    ]);
    expect(defaultAliases('org.example.InsertField', 'transformation')).toEqual(['InsertField']);
    expect(definePlugin({ ...counting, aliases: ['Counter'] }).aliases).toEqual(['Counter']);
    expect(Object.isFrozen(counting)).toBe(true);
  });

  it('reject malformed descriptors', () => {
    expect(() => definePlugin({ ...counting, className: 'not a class' })).toThrow(ConfigError);
    expect(() =>
      definePlugin({
        kind: 'sink',
        className: 'a.B',
        version: '1',
        create: () => counting.create(),
      } as never),
    ).toThrow('Connector plugin a.B has no createTask()');
    expect(isPluginDescriptor(counting)).toBe(true);
    expect(isPluginDescriptor({ ...counting, createTask: undefined })).toBe(false);
    expect(isPluginDescriptor({ kind: 'other' })).toBe(false);
  });

  it('create connectors and tasks that run through the API', async () => {
    const connector = counting.create();
    const errors: Error[] = [];
    const context: ConnectorContext = {
      requestTaskReconfiguration: () => {},
      raiseError: (e) => errors.push(e),
    };
    connector.initialize(context);
    expect(await connector.validate({})).toEqual([
      {
        name: 'topic',
        value: null,
        recommendedValues: [],
        errorMessages: ['Missing required configuration "topic" which has no default value.'],
        visible: true,
      },
    ]);
    await connector.start({ topic: 'numbers' });
    const configs = await connector.taskConfigs(5);
    expect(configs).toEqual([
      { topic: 'numbers', name: 'c0' },
      { topic: 'numbers', name: 'c1' },
    ]);
    (connector as CountingConnector).fail(new Error('boom'));
    expect(errors.map((e) => e.message)).toEqual(['boom']);

    const task = counting.createTask();
    const taskContext: SourceTaskContext = {
      configs: () => configs[0] ?? {},
      offsetStorageReader: {
        offset: () => Promise.resolve({ n: 7 }),
        offsets: (partitions) => Promise.resolve(new Map(partitions.map((p) => [p, null]))),
      },
    };
    task.initialize(taskContext);
    await task.start(configs[0] ?? {});
    const records = await task.poll();
    expect(records?.map((r) => [r.value, r.sourceOffset])).toEqual([[7, { n: 8 }]]);
    await task.commitRecord(records?.[0] as SourceRecord, null);
    await connector.stop();
  });

  it('list the built-in converters under Apache class names', () => {
    const converters = [
      'org.apache.kafka.connect.json.JsonConverter',
      'org.apache.kafka.connect.storage.StringConverter',
      'org.apache.kafka.connect.converters.ByteArrayConverter',
      'org.apache.kafka.connect.converters.BooleanConverter',
      'org.apache.kafka.connect.converters.DoubleConverter',
      'org.apache.kafka.connect.converters.FloatConverter',
      'org.apache.kafka.connect.converters.IntegerConverter',
      'org.apache.kafka.connect.converters.LongConverter',
      'org.apache.kafka.connect.converters.ShortConverter',
    ];
    expect(converterPlugins.map((p) => `${p.kind} ${p.className}`)).toEqual([
      ...converters.map((c) => `converter ${c}`),
      ...converters.map((c) => `header-converter ${c}`),
      'header-converter org.apache.kafka.connect.storage.SimpleHeaderConverter',
    ]);
    expect(converterPlugins.every(isPluginDescriptor)).toBe(true);
    expect(converterPlugins.find((p) => p.className.endsWith('SimpleHeaderConverter'))?.aliases).toEqual([
      'SimpleHeaderConverter',
      'SimpleHeader',
    ]);
  });

  it("name a connector's task class, as Connect's task configs carry it in task.class", () => {
    expect(counting.taskClass).toBe('org.example.CountingSourceTask');
    expect(taskClassOf(counting)).toBe('org.example.CountingSourceTask');
    expect(definePlugin({ ...counting, taskClass: 'org.example.Counter' }).taskClass).toBe(
      'org.example.Counter',
    );
    expect(defaultTaskClass('org.example.Poller')).toBe('org.example.PollerTask');
    expect(defaultTaskClass('org.example.Connector')).toBe('org.example.ConnectorTask');
    // A descriptor written by hand, without definePlugin, gets the default too.
    const { taskClass: _omitted, ...bare } = counting;
    expect(taskClassOf(bare)).toBe('org.example.CountingSourceTask');
    expect(() => definePlugin({ ...counting, taskClass: 'not a class' })).toThrow(ConfigError);
    expect(isPluginDescriptor({ ...counting, taskClass: 7 })).toBe(false);
  });
});
