import { describe, expect, it } from 'vitest';
import { render, unknownVariables, usesVariable } from './template.js';

describe('templates', () => {
  it('replaces every ${offset} and ${entityName}, as is', () => {
    expect(
      render('http://h/${entityName}/${offset}?again=${offset}', { offset: 'a b/c', entityName: 'users' }),
    ).toBe('http://h/users/a b/c?again=a b/c');
  });

  it('keeps variables without a value and unknown ones as written', () => {
    expect(render('${entityName}-${offset}-${other}', { entityName: 'e' })).toBe('e-${offset}-${other}');
  });

  it('tells which variables a template uses and which are unknown', () => {
    expect(usesVariable('x=${offset}', 'offset')).toBe(true);
    expect(usesVariable('x=$offset', 'offset')).toBe(false);
    expect(usesVariable(null, 'offset')).toBe(false);
    expect(unknownVariables('${offset}${ofset}${entityName}${ofset}${}')).toEqual(['${ofset}', '${}']);
    expect(unknownVariables(null)).toEqual([]);
  });
});
