import { DataError, Schema, SchemaBuilder, Struct } from '@sluice/sdk';
import { describe, expect, it } from 'vitest';
import { FieldPath } from './field-path.js';

describe('FieldPath', () => {
  it('reads a V1 path as one name, dots included', () => {
    expect(new FieldPath('a.b', 'V1').steps).toEqual(['a.b']);
  });

  it('splits a V2 path on dots, keeping backtick-wrapped steps whole', () => {
    expect(new FieldPath('a.b.c', 'V2').steps).toEqual(['a', 'b', 'c']);
    expect(new FieldPath('`a.b`.c', 'V2').steps).toEqual(['a.b', 'c']);
    expect(new FieldPath('a.`b.c`', 'V2').steps).toEqual(['a', 'b.c']);
    expect(new FieldPath('a.', 'V2').steps).toEqual(['a', '']);
    expect(new FieldPath('`a`b`.c', 'V2').steps).toEqual(['a`b', 'c']);
    expect(new FieldPath('`a\\`.b`.c', 'V2').steps).toEqual(['a`.b', 'c']);
  });

  it('rejects a V2 path whose backticks do not pair up', () => {
    expect(() => new FieldPath('`a.b', 'V2')).toThrow(
      'Incomplete backtick pair in path: [`a.b], consider adding a backslash before backtick at position 0 to escape it',
    );
    expect(() => new FieldPath('x.`a\\`', 'V2')).toThrow(/position 2/);
  });

  const inner = SchemaBuilder.struct().field('c', SchemaBuilder.int32().optional().defaultValue(7).build()).build();
  const outer = SchemaBuilder.struct().field('b', SchemaBuilder.struct().field('x', inner).optional().build()).build();

  it('finds nested fields and values in structs', () => {
    const path = new FieldPath('b.x.c', 'V2');
    expect(path.fieldIn(outer)?.schema).toBe(inner.field('c')?.schema);
    expect(new FieldPath('b.y.c', 'V2').fieldIn(outer)).toBeNull();
    expect(new FieldPath('b.x.c.d', 'V2').fieldIn(outer)).toBeNull();
    const b = new Struct(outer.field('b')?.schema ?? Schema.STRING_SCHEMA).put('x', new Struct(inner).put('c', 5));
    expect(path.valueInStruct(new Struct(outer).put('b', b), true)).toBe(5);
    expect(path.valueInStruct(new Struct(outer), true)).toBeNull();
  });

  it('reads a null field as its default only when asked to', () => {
    const b = new Struct(outer.field('b')?.schema ?? Schema.STRING_SCHEMA).put('x', new Struct(inner));
    const path = new FieldPath('b.x.c', 'V2');
    expect(path.valueInStruct(new Struct(outer).put('b', b), true)).toBe(7);
    expect(path.valueInStruct(new Struct(outer).put('b', b), false)).toBeNull();
  });

  it('finds nested values in maps and objects, and null for missing steps', () => {
    const path = new FieldPath('a.b', 'V2');
    expect(path.valueInMap(new Map([['a', new Map([['b', 1n]])]]))).toBe(1n);
    expect(path.valueInMap({ a: { b: 'x' } })).toBe('x');
    expect(path.valueInMap({ z: 1 })).toBeNull();
    expect(() => path.valueInMap({ a: 'not a map' })).toThrow(
      new DataError('Only Map objects supported in absence of schema for [nested field access], found: string'),
    );
  });
});
