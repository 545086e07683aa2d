import { describe, expect, it } from 'vitest';
import { ConnectError } from '@sluice/sdk';
import { HTTP_SOURCE_CONFIG_DEF } from './config.js';
import { HttpSourceConnector } from './source-connector.js';

const BASE = { 'topic.name.pattern': '${entityName}', url: 'http://api.example/${entityName}' };

async function started(props: Record<string, string>): Promise<HttpSourceConnector> {
  const connector = new HttpSourceConnector();
  await connector.start(props);
  return connector;
}

describe('HttpSourceConnector', () => {
  it('validates each key and the cross-key rules, on their keys', async () => {
    const values = await new HttpSourceConnector().validate({
      url: 'http://api.example/${offset}',
      'http.offset.mode': 'CHAINING',
      'output.data.format': 'PROTOBUF',
    });
    const withErrors = Object.fromEntries(
      values.filter((v) => v.errorMessages.length > 0).map((v) => [v.name, v.errorMessages]),
    );
    expect(Object.keys(withErrors).sort()).toEqual([
      'http.initial.offset',
      'http.offset.json.pointer',
      'output.data.format',
      'topic.name.pattern',
    ]);
    expect(values.map((v) => v.name)).toEqual(HTTP_SOURCE_CONFIG_DEF.names());
    expect(new HttpSourceConnector().config()).toBe(HTTP_SOURCE_CONFIG_DEF);
  });

  it('refuses to start with an invalid config', async () => {
    await expect(
      started({ ...BASE, 'entity.names': 'a', 'http.offset.mode': 'CURSOR_PAGINATION' }),
    ).rejects.toThrow(
      new ConnectError(
        'Invalid HTTP source configuration: http.next.page.json.pointer is required when http.offset.mode is CURSOR_PAGINATION',
      ),
    );
  });

  it('shares entities among at most tasks.max tasks, in contiguous groups differing by at most one', async () => {
    const connector = await started({ ...BASE, 'entity.names': 'a, b, c, d, e' });
    const groups = (max: number) => connector.taskConfigs(max).map((config) => config['entity.names']);
    expect(groups(1)).toEqual(['a,b,c,d,e']);
    expect(groups(2)).toEqual(['a,b,c', 'd,e']);
    expect(groups(3)).toEqual(['a,b', 'c,d', 'e']);
    expect(groups(10)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(groups(0)).toEqual([]);
    const [first] = connector.taskConfigs(2);
    expect(first).toMatchObject({ url: BASE.url, 'topic.name.pattern': '${entityName}' });
    const single = await started({ 'topic.name.pattern': 't', url: 'http://api.example/x' });
    expect(single.taskConfigs(4)).toEqual([{ 'topic.name.pattern': 't', url: 'http://api.example/x' }]);
  });

  it('reports at-least-once delivery only', () => {
    expect(new HttpSourceConnector().exactlyOnceSupport()).toBe('UNSUPPORTED');
  });

  describe('alterOffsets', () => {
    const alter = (
      props: Record<string, string>,
      entries: [Record<string, unknown>, Record<string, unknown> | null][],
    ) => new HttpSourceConnector().alterOffsets({ ...BASE, 'entity.names': 'a', ...props }, new Map(entries));

    it('accepts resets and offsets that fit the mode', async () => {
      await expect(
        alter({}, [
          [{ entityName: 'a' }, { offset: '10' }],
          [{ entityName: 'old' }, null],
          [{ url: 'http://x' }, { offset: 3 }],
        ]),
      ).resolves.toBe(true);
      const cursor = { 'http.offset.mode': 'CURSOR_PAGINATION', 'http.next.page.json.pointer': '/next' };
      await expect(alter(cursor, [[{ entityName: 'a' }, { offset: 'tok', skip: 2 }]])).resolves.toBe(true);
      const chaining = {
        'http.offset.mode': 'CHAINING',
        'http.offset.json.pointer': '/id',
        'http.initial.offset': '0',
      };
      await expect(alter(chaining, [[{ entityName: 'a' }, { offset: 'x' }]])).resolves.toBe(true);
      await expect(
        alter({ ...chaining, 'use.http.offset.json.pointer.as.string': 'false' }, [
          [{ entityName: 'a' }, { offset: { t: 1 } }],
        ]),
      ).resolves.toBe(true);
    });

    it('refuses offsets and partitions of the wrong shape, saying why', async () => {
      const cases: [
        Record<string, string>,
        [Record<string, unknown>, Record<string, unknown> | null][],
        string,
      ][] = [
        [
          {},
          [[{ entityName: 'a' }, { offset: 'x' }]],
          `The 'offset' of a SIMPLE_INCREMENTING offset must be an integer, not "x"`,
        ],
        [
          {},
          [[{ entityName: 'a' }, { position: 1 }]],
          "Offset objects should either be null or contain the key 'offset'",
        ],
        [
          {},
          [[{ file: 'a' }, { offset: '1' }]],
          `Partition objects have one key, 'entityName' (with entity.names) or 'url' (without), not {"file":"a"}`,
        ],
        [{}, [[{ entityName: 'a', url: 'u' }, null]], 'Partition objects have one key'],
        [{}, [[{ entityName: 1 }, null]], "The 'entityName' of a partition must be a string"],
        [
          { 'http.offset.mode': 'CURSOR_PAGINATION', 'http.next.page.json.pointer': '/n' },
          [[{ entityName: 'a' }, { offset: 'p', skip: 1.5 }]],
          "The 'skip' of a CURSOR_PAGINATION offset must be a non-negative integer, not 1.5",
        ],
        [
          { 'http.offset.mode': 'PAGED' },
          [[{ entityName: 'a' }, null]],
          'Invalid HTTP source configuration: Invalid value PAGED for configuration http.offset.mode',
        ],
      ];
      for (const [props, entries, message] of cases) {
        const error = await alter(props, entries).catch((e: unknown) => e);
        expect(error, message).toBeInstanceOf(ConnectError);
        expect((error as Error).message).toContain(message);
      }
    });
  });
});
