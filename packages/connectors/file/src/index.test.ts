import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  FileStreamSinkConnector,
  FileStreamSinkTask,
  FileStreamSourceConnector,
  FileStreamSourceTask,
} from './index.js';
import { plugins, VERSION } from './index.js';

describe('plugins', () => {
  it('declares the source and the sink under Apache class names and aliases', () => {
    expect(plugins.map((p) => [p.kind, p.className, p.aliases])).toEqual([
      [
        'source',
        'org.apache.kafka.connect.file.FileStreamSourceConnector',
        ['FileStreamSourceConnector', 'FileStreamSource'],
      ],
      [
        'sink',
        'org.apache.kafka.connect.file.FileStreamSinkConnector',
        ['FileStreamSinkConnector', 'FileStreamSink'],
      ],
    ]);
    const [source, sink] = plugins;
    expect(source?.create()).toBeInstanceOf(FileStreamSourceConnector);
    expect(source?.createTask()).toBeInstanceOf(FileStreamSourceTask);
    expect(sink?.create()).toBeInstanceOf(FileStreamSinkConnector);
    expect(sink?.createTask()).toBeInstanceOf(FileStreamSinkTask);
  });

  it('reports the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
    for (const plugin of plugins) expect(plugin.version).toBe(pkg.version);
    expect(new FileStreamSourceTask().version()).toBe(pkg.version);
  });
});
