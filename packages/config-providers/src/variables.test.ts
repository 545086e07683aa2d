import { describe, expect, it } from 'vitest';
import { containsVariable, replaceVariables, variablesIn } from './variables.js';

describe('variablesIn', () => {
  it('reads ${provider:path:key} and ${provider:key}', () => {
    expect(variablesIn('${file:/etc/app.properties:password}')).toEqual([
      {
        text: '${file:/etc/app.properties:password}',
        provider: 'file',
        path: '/etc/app.properties',
        key: 'password',
      },
    ]);
    expect(variablesIn('${env:HOME}')).toEqual([
      { text: '${env:HOME}', provider: 'env', path: '', key: 'HOME' },
    ]);
  });

  it('splits as Kafka’s lazy pattern does: the path ends at the second colon, the key takes the rest', () => {
    expect(variablesIn('${p:a:b:c}')).toEqual([{ text: '${p:a:b:c}', provider: 'p', path: 'a', key: 'b:c' }]);
    expect(variablesIn('${p::k}')).toEqual([{ text: '${p::k}', provider: 'p', path: '', key: 'k' }]);
    expect(variablesIn('${p:}')).toEqual([{ text: '${p:}', provider: 'p', path: '', key: '' }]);
  });

  it('finds several variables in one value, left to right', () => {
    expect(variablesIn('jdbc://${file:/p:host}:${file:/p:port}/${env:DB}').map((v) => v.text)).toEqual([
      '${file:/p:host}',
      '${file:/p:port}',
      '${env:DB}',
    ]);
  });

  it('reads a path-less variable followed by another as one variable, as Kafka does', () => {
    expect(variablesIn('${env:A}|${env:B}')).toEqual([
      { text: '${env:A}|${env:B}', provider: 'env', path: 'A}|${env', key: 'B' },
    ]);
  });

  it('does not match without a colon, or across a line end', () => {
    expect(variablesIn('${nocolon} $env:X ${env\n:X}')).toEqual([]);
    expect(containsVariable('a ${env:X\u0085} b')).toBe(false);
    expect(containsVariable('a ${env:X} b')).toBe(true);
  });
});

describe('replaceVariables', () => {
  it('replaces what resolves, literally, and leaves the rest as written', () => {
    const values: Record<string, string> = { A: '$& and $1' };
    expect(replaceVariables('${p:/a:A}|${p:/a:B}|${p:/a:A}', (v) => values[v.key])).toBe(
      '$& and $1|${p:/a:B}|$& and $1',
    );
  });

  it('leaves a value without variables unchanged', () => {
    expect(replaceVariables('plain $ { } text', () => 'x')).toBe('plain $ { } text');
  });
});
