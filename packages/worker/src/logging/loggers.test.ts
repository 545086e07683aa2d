import { describe, expect, it } from 'vitest';
import { Loggers } from './loggers.js';

describe('Loggers', () => {
  it('inherits levels from dotted ancestors and root, and filters lines by level', () => {
    const lines: string[] = [];
    const loggers = new Loggers({ write: (line) => lines.push(line), now: () => 0 });
    const task = loggers.get('sluice.worker.task');
    task.debug('hidden');
    task.info('shown');
    loggers.setLevel('sluice.worker', 'DEBUG');
    task.debug('now shown');
    task.error('failed', new Error('boom'));
    expect(lines[0]).toBe('[1970-01-01T00:00:00.000Z] INFO shown (sluice.worker.task)\n');
    expect(lines[1]).toContain('DEBUG now shown');
    expect(lines[2]).toMatch(/ERROR failed \(sluice\.worker\.task\)\nError: boom/);
    expect(lines).toHaveLength(3);
  });

  it("sets a namespace and its children and reports what changed, as Connect's /admin/loggers does", () => {
    let now = 1000;
    const loggers = new Loggers({ write: () => undefined, now: () => now });
    loggers.get('a.b.c');
    loggers.get('a.bc');
    loggers.get('x.y');
    expect(loggers.setLevel('a.b', 'WARN')).toEqual(['a.b', 'a.b.c']);
    expect(loggers.level('a.b.c')).toEqual({ level: 'WARN', last_modified: 1000 });
    expect(loggers.level('a.bc')).toEqual({ level: 'INFO', last_modified: null });
    now = 2000;
    expect(loggers.setLevel('a.b', 'WARN')).toEqual([]);
    expect(loggers.level('nope')).toBeUndefined();
    expect(loggers.allLevels()).toEqual({
      'a.b': { level: 'WARN', last_modified: 1000 },
      'a.b.c': { level: 'WARN', last_modified: 1000 },
      root: { level: 'INFO', last_modified: null },
    });
    expect(loggers.setLevel('ROOT', 'ERROR')).toEqual(['a.b', 'a.b.c', 'a.bc', 'root', 'x.y']);
    expect(loggers.level('root')).toEqual({ level: 'ERROR', last_modified: 2000 });
  });
});
