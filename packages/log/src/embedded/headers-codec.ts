import type { Header } from '../types.js';

// Headers are stored as one blob per record: u32 count, then per header
// u32 key length, key (UTF-8), i32 value length (-1 for null), value.
// Order and duplicate keys are kept, as Kafka keeps them.

export function encodeHeaders(headers: readonly Header[] | undefined): Buffer | null {
  if (headers === undefined || headers.length === 0) return null;
  const keys = headers.map((header) => Buffer.from(header.key, 'utf8'));
  let size = 4;
  headers.forEach((header, i) => (size += 8 + keys[i]!.length + (header.value?.length ?? 0)));
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt32BE(headers.length, 0);
  headers.forEach((header, i) => {
    const key = keys[i]!;
    at = out.writeUInt32BE(key.length, at);
    at += key.copy(out, at);
    if (header.value === null) {
      at = out.writeInt32BE(-1, at);
    } else {
      at = out.writeInt32BE(header.value.length, at);
      at += header.value.copy(out, at);
    }
  });
  return out;
}

export function decodeHeaders(blob: Buffer | null): Header[] {
  if (blob === null) return [];
  const count = blob.readUInt32BE(0);
  const headers: Header[] = [];
  let at = 4;
  for (let i = 0; i < count; i++) {
    const keyLength = blob.readUInt32BE(at);
    at += 4;
    const key = blob.toString('utf8', at, at + keyLength);
    at += keyLength;
    const valueLength = blob.readInt32BE(at);
    at += 4;
    if (valueLength < 0) {
      headers.push({ key, value: null });
    } else {
      headers.push({ key, value: Buffer.from(blob.subarray(at, at + valueLength)) });
      at += valueLength;
    }
  }
  return headers;
}
