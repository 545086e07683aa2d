/**
 * Schemaless maps (Connect's `Map<String, Object>` without a schema). The JSON converter gives them as `Map`s;
 * a connector may give plain objects. Transforms accept both and keep the kind they were given.
 */
export type SchemalessMap = ReadonlyMap<unknown, unknown> | Readonly<Record<string, unknown>>;

export function isSchemalessMap(value: unknown): value is SchemalessMap {
  if (value instanceof Map) return true;
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The value under a key; null when absent, as Java's `Map.get`. */
export function mapGet(map: SchemalessMap, key: string): unknown {
  if (map instanceof Map) return map.get(key) ?? null;
  const object = map as Readonly<Record<string, unknown>>;
  return Object.hasOwn(object, key) ? (object[key] ?? null) : null;
}

/** The entries in order. */
export function mapEntries(map: SchemalessMap): [unknown, unknown][] {
  return map instanceof Map ? [...map] : Object.entries(map);
}

/** A copy to edit, whatever the kind of the original. */
export function editableCopy(map: SchemalessMap): Map<unknown, unknown> {
  return new Map(mapEntries(map));
}

/** `entries` as a map of the same kind as `like`: a `Map` stays a `Map`, a plain object a plain object. */
export function mapOfKind(like: SchemalessMap, entries: Iterable<readonly [unknown, unknown]>): SchemalessMap {
  if (like instanceof Map) return new Map(entries);
  const object: Record<string, unknown> = {};
  for (const [key, value] of entries) object[String(key)] = value;
  return object;
}
