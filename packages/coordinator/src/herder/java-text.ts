/*
 * Text as Kafka Connect's JVM prints it, for messages that quote what a client sent: `String.valueOf` of
 * a Jackson-parsed JSON value, and `Map.toString` of the `HashMap` Connect copies a config into.
 */

/** `String.valueOf` of a value Jackson parsed from JSON: objects are `LinkedHashMap`s, arrays `ArrayList`s. */
export function javaString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(javaString).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return mapText(Object.entries(value));
  return 'null';
}

/**
 * `toString` of a `java.util.HashMap` copied from `map` (as Connect's config transformer copies a connector
 * config before its "contains no connector type" check): `{k1=v1, k2=v2}` in the HashMap's iteration order.
 */
export function javaHashMapString(map: Readonly<Record<string, unknown>>): string {
  return mapText(hashMapOrder(Object.entries(map)));
}

function mapText(entries: ReadonlyArray<readonly [string, unknown]>): string {
  return `{${entries.map(([key, value]) => `${key}=${javaString(value)}`).join(', ')}}`;
}

/** `HashMap`'s TREEIFY_THRESHOLD and MIN_TREEIFY_CAPACITY: a longer bin in a smaller table doubles it. */
const TREEIFY_THRESHOLD = 8;
const MIN_TREEIFY_CAPACITY = 64;
const LOAD_FACTOR = 0.75;

/**
 * The order a `java.util.HashMap` built with `new HashMap<>(map)` iterates `entries` (given in `map`'s
 * order): by bucket, then by insertion within a bucket. The table is sized as JDK 19+ sizes a copy (the
 * JDK of Apache's Kafka images); a bin that outgrows TREEIFY_THRESHOLD doubles a table under
 * MIN_TREEIFY_CAPACITY, as in Java, but the trees Java makes of such bins in larger tables are not
 * modelled (no real config has nine keys in one bucket).
 */
export function hashMapOrder<T>(entries: ReadonlyArray<readonly [string, T]>): Array<readonly [string, T]> {
  let capacity = tableSizeFor(Math.ceil(entries.length / LOAD_FACTOR));
  let bins = distribute<T>([], capacity);
  entries.forEach((entry, inserted) => {
    const bin = bins[bucket(entry[0], capacity)]!;
    bin.push(entry);
    if (bin.length > TREEIFY_THRESHOLD && capacity < MIN_TREEIFY_CAPACITY) {
      capacity *= 2;
      bins = distribute(entries.slice(0, inserted + 1), capacity);
    }
  });
  return bins.flat();
}

/** Entries by bucket; a resize keeps each bucket's relative order, so re-distributing equals resizing. */
function distribute<T>(
  entries: ReadonlyArray<readonly [string, T]>,
  capacity: number,
): Array<Array<readonly [string, T]>> {
  const bins = Array.from({ length: capacity }, (): Array<readonly [string, T]> => []);
  for (const entry of entries) bins[bucket(entry[0], capacity)]!.push(entry);
  return bins;
}

/** A key's bucket: `HashMap.hash` (the high half folded into the low) masked to the table. */
function bucket(key: string, capacity: number): number {
  const hash = stringHashCode(key);
  return (hash ^ (hash >>> 16)) & (capacity - 1);
}

/** `HashMap.tableSizeFor`: the smallest power of two at least `capacity` (1 for 0). */
function tableSizeFor(capacity: number): number {
  let size = 1;
  while (size < capacity) size *= 2;
  return size;
}

/** `String.hashCode`: over UTF-16 code units, with 32-bit overflow. */
export function stringHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}
