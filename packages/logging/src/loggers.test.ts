import { describe, expect, it } from 'vitest';
import { LoggerLimitError, Loggers, MAX_LOGGER_NAME_LENGTH } from './loggers.js';

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

  it("sets a namespace by plain prefix and returns all of it, changing only what differs, as Connect 3.9's Loggers", () => {
    let now = 1000;
    const loggers = new Loggers({ write: () => undefined, now: () => now });
    loggers.get('a.b.c');
    loggers.get('a.bc');
    loggers.get('x.y');
    // `a.bc` starts with `a.b`, so it is in the namespace (Connect matches names with startsWith).
    expect(loggers.setLevel('a.b', 'WARN')).toEqual(['a.b', 'a.b.c', 'a.bc']);
    expect(loggers.level('a.b.c')).toEqual({ level: 'WARN', last_modified: 1000 });
    expect(loggers.level('a.bc')).toEqual({ level: 'WARN', last_modified: 1000 });
    now = 2000;
    // Unchanged loggers are still listed, and keep their last_modified.
    expect(loggers.setLevel('a.b', 'WARN')).toEqual(['a.b', 'a.b.c', 'a.bc']);
    expect(loggers.level('a.b')).toEqual({ level: 'WARN', last_modified: 1000 });
    expect(loggers.level('nope')).toBeUndefined();
    expect(loggers.setLevel('ROOT', 'ERROR')).toEqual(['a.b', 'a.b.c', 'a.bc', 'root', 'x.y']);
    expect(loggers.level('root')).toEqual({ level: 'ERROR', last_modified: 2000 });
    // x.y inherited INFO and now ERROR: it got a level of its own.
    expect(loggers.level('x.y')).toEqual({ level: 'ERROR', last_modified: 2000 });
  });

  it('leaves a logger whose inherited level already matches without a level of its own', () => {
    const loggers = new Loggers({ write: () => undefined, now: () => 5 });
    loggers.get('p.q');
    expect(loggers.setLevel('p', 'INFO')).toEqual(['p', 'p.q']);
    expect(loggers.allLevels()).toEqual({ root: { level: 'INFO', last_modified: null } });
    // It still follows its ancestors.
    loggers.setLevel('root', 'DEBUG');
    expect(loggers.level('p.q')).toEqual({ level: 'DEBUG', last_modified: 5 });
  });

  it('lists loggers set to OFF, as log4j 1 lists every logger with a level', () => {
    const loggers = new Loggers({ write: () => undefined, now: () => 7 });
    loggers.get('quiet.one');
    loggers.setLevel('quiet', 'OFF');
    expect(loggers.allLevels()).toEqual({
      quiet: { level: 'OFF', last_modified: 7 },
      'quiet.one': { level: 'OFF', last_modified: 7 },
      root: { level: 'INFO', last_modified: null },
    });
  });

  it('bounds the loggers the REST API creates, never refusing existing ones or root', () => {
    const loggers = new Loggers({ write: () => undefined, now: () => 1, maxCreated: 3 });
    loggers.get('code.logger');
    for (const name of ['a', 'b', 'c']) loggers.setLevel(name, 'DEBUG');
    expect(() => loggers.setLevel('d', 'DEBUG')).toThrow(
      new LoggerLimitError(
        'Cannot create logger d: 3 loggers were created through the REST API already, the most this worker keeps; set the level of an existing logger or namespace instead',
      ),
    );
    expect(loggers.level('d')).toBeUndefined();
    // Existing loggers, namespaces that cover some, and root are set as before.
    expect(loggers.setLevel('a', 'WARN')).toEqual(['a']);
    expect(loggers.setLevel('code.logger', 'WARN')).toEqual(['code.logger']);
    expect(loggers.setLevel('root', 'ERROR')).toContain('code.logger');
    expect(Object.keys(loggers.allLevels())).toHaveLength(5);
    expect(() => new Loggers().setLevel('x'.repeat(MAX_LOGGER_NAME_LENGTH + 1), 'INFO')).toThrow(
      `Logger names are at most ${MAX_LOGGER_NAME_LENGTH} characters long; this one has ${MAX_LOGGER_NAME_LENGTH + 1}`,
    );
  });
});
