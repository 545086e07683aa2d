import { describe, expect, it } from 'vitest';
import { parseProperties } from './properties.js';

describe('parseProperties', () => {
  it('reads the forms java.util.Properties reads', () => {
    const props = parseProperties(
      [
        '# comment',
        '! also a comment',
        '   ',
        'listeners=http://:8083',
        'group.id : connect-cluster',
        'plugin.path /opt/a,\\',
        '    /opt/b',
        'escaped\\ key=tab\\there\\u0041',
        'empty=',
        'listeners=http://localhost:9000',
      ].join('\n'),
    );
    expect(Object.fromEntries(props)).toEqual({
      listeners: 'http://localhost:9000',
      'group.id': 'connect-cluster',
      'plugin.path': '/opt/a,/opt/b',
      'escaped key': 'tab\thereA',
      empty: '',
    });
  });

  it('keeps a value that ends in an escaped backslash on its own line', () => {
    expect(Object.fromEntries(parseProperties('dir=C:\\\\\nnext=1'))).toEqual({ dir: 'C:\\', next: '1' });
  });
});
