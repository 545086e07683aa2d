import { describe, expect, it } from 'vitest';
import { reverseTransform } from './reverse-transform.js';

describe('reverseTransform', () => {
  it('puts back the raw value of every key whose raw value holds a variable', () => {
    const raw = {
      'connection.url': 'jdbc://${env:DB_HOST}/app',
      'connection.password': '${file:/secrets/db.properties:password}',
      'connection.user': 'app',
      'topic.prefix': '${unknown:still-a-variable}',
    };
    const tasks: Record<string, string>[] = [
      {
        'connection.url': 'jdbc://db1/app',
        'connection.password': 's3cret',
        'connection.user': 'app',
        task: '0',
      },
      { 'connection.password': 's3cret', task: '1' },
    ];
    expect(reverseTransform(raw, tasks)).toEqual([
      {
        'connection.url': 'jdbc://${env:DB_HOST}/app',
        'connection.password': '${file:/secrets/db.properties:password}',
        'connection.user': 'app',
        task: '0',
      },
      { 'connection.password': '${file:/secrets/db.properties:password}', task: '1' },
    ]);
  });

  it('keeps generated keys the raw config lacks or holds without variables, and copies the task configs', () => {
    const tasks = [{ 'connection.user': 'generated', extra: '${env:X}' }];
    const result = reverseTransform({ 'connection.user': 'app' }, tasks);
    expect(result).toEqual(tasks);
    expect(result[0]).not.toBe(tasks[0]);
  });

  it('keeps a __proto__ key a plain key', () => {
    const task = JSON.parse('{"__proto__": "resolved"}') as Record<string, string>;
    const [result] = reverseTransform(JSON.parse('{"__proto__": "${env:X}"}') as Record<string, string>, [
      task,
    ]);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.entries(result!)).toEqual([['__proto__', '${env:X}']]);
  });
});
