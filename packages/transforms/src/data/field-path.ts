import type { Field, Schema, Struct } from '@sluice/sdk';
import { requireMapOrNull, requireStructOrNull } from './requirements.js';
import { mapGet, type SchemalessMap } from './schemaless-map.js';
import { fieldValue } from './schemas.js';

/** How a field name in a config is read (KIP-821): V1 as one top-level name, V2 as a dotted path. */
export type FieldSyntaxVersion = 'V1' | 'V2';

const NESTED_ACCESS = 'nested field access';

/**
 * The path to a possibly nested field. In V2 dots separate steps; a step wrapped in backticks may contain
 * dots (`` `a.b`.c ``), and a backtick that would close such a step is kept when escaped with a backslash.
 */
export class FieldPath {
  readonly steps: readonly string[];

  /** Throws an `Error` for a V2 path whose backticks do not pair up. */
  constructor(
    readonly text: string,
    version: FieldSyntaxVersion,
  ) {
    this.steps = version === 'V1' ? [text] : parseV2(text);
  }

  /** The field at this path in a struct schema, or null when some step is missing. */
  fieldIn(schema: Schema): Field | null {
    let current: Schema = schema;
    let field: Field | null = null;
    for (const step of this.steps) {
      field = current.type === 'STRUCT' ? current.field(step) : null;
      if (field === null) return null;
      current = field.schema;
    }
    return field;
  }

  /** The value at this path in a struct, or null when a step is missing or null. */
  valueInStruct(struct: Struct, replaceNullWithDefault: boolean): unknown {
    let current = struct;
    const last = this.steps.length - 1;
    for (let i = 0; i < last; i++) {
      const step = this.steps[i] as string;
      if (current.schema.field(step) === null) return null;
      const nested = requireStructOrNull(fieldValue(current, step, replaceNullWithDefault), NESTED_ACCESS);
      if (nested === null) return null;
      current = nested;
    }
    const step = this.steps[last] as string;
    return current.schema.field(step) === null ? null : fieldValue(current, step, replaceNullWithDefault);
  }

  /** The value at this path in a schemaless map, or null when a step is missing or null. */
  valueInMap(map: SchemalessMap): unknown {
    let current = map;
    const last = this.steps.length - 1;
    for (let i = 0; i < last; i++) {
      const nested = requireMapOrNull(mapGet(current, this.steps[i] as string), NESTED_ACCESS);
      if (nested === null) return null;
      current = nested;
    }
    return mapGet(current, this.steps[last] as string);
  }
}

function incompleteBacktick(path: string, at: number): Error {
  return new Error(
    `Incomplete backtick pair in path: [${path}], consider adding a backslash before backtick at position ${at} to escape it`,
  );
}

/** Splits a V2 path into steps, as Connect's `SingleFieldPath` does. */
function parseV2(path: string): string[] {
  if (path === '') return [''];
  const steps: string[] = [];
  let i = 0;
  while (i < path.length) {
    if (path.charAt(i) !== '`') {
      const dot = path.indexOf('.', i);
      steps.push(path.slice(i, dot < 0 ? undefined : dot));
      if (dot < 0) break;
      i = dot + 1;
      continue;
    }
    // A backtick-wrapped step ends at a backtick followed by a dot (or the end) that is not escaped.
    const opening = i;
    let step = '';
    let start = i + 1;
    let search = start;
    for (;;) {
      const closing = path.indexOf('`', search);
      if (closing < 0) throw incompleteBacktick(path, opening);
      const escaped = path.charAt(closing - 1) === '\\';
      if (closing === path.length - 1) {
        if (escaped) throw incompleteBacktick(path, opening);
        steps.push(step + path.slice(start, closing));
        i = closing + 1;
        break;
      }
      if (path.charAt(closing + 1) !== '.') {
        search = closing + 1;
        continue;
      }
      if (escaped) {
        step += path.slice(start, closing - 1) + '`';
        start = search = closing + 1;
        continue;
      }
      steps.push(step + path.slice(start, closing));
      i = closing + 2;
      break;
    }
  }
  if (path.endsWith('.')) steps.push('');
  return steps;
}
