import { DataError, DecimalValue, parseString } from '@sluice/sdk';

/** Connect's integer types, and the JavaScript value of each: `number`, but `bigint` for INT64. */
export type IntegerType = 'INT8' | 'INT16' | 'INT32' | 'INT64';

const BITS: Readonly<Record<IntegerType, number>> = { INT8: 8, INT16: 16, INT32: 32, INT64: 64 };

/** A number as Java's `Number.byteValue()`…`longValue()` give it: truncated, then wrapped to the type's width. */
export function javaIntegerValue(
  value: number | bigint | DecimalValue,
  type: IntegerType,
  /** Whether a `number` is a Java float/double (saturated on conversion) rather than an integer (wrapped). */
  floating: boolean,
): number | bigint {
  const bits = BITS[type];
  const narrowed = BigInt.asIntN(bits, wholePart(value, floating ? Math.max(bits, 32) : 64));
  return type === 'INT64' ? narrowed : Number(narrowed);
}

/** The integer part; a double is saturated to `bits` first, as Java's `(int)` and `(long)` casts do (NaN is 0). */
function wholePart(value: number | bigint | DecimalValue, bits: number): bigint {
  if (typeof value === 'bigint') return value;
  if (value instanceof DecimalValue) {
    return value.scale >= 0 ? value.unscaled / 10n ** BigInt(value.scale) : value.unscaled * 10n ** BigInt(-value.scale);
  }
  const max = 2n ** BigInt(bits - 1) - 1n;
  if (Number.isNaN(value)) return 0n;
  if (value >= Number(max)) return max;
  if (value <= -Number(max) - 1) return -max - 1n;
  return BigInt(Math.trunc(value));
}

/** A number as Java's `Number.doubleValue()` gives it. */
export function javaDoubleValue(value: number | bigint | DecimalValue): number {
  return value instanceof DecimalValue ? value.toNumber() : Number(value);
}

export function isJavaNumber(value: unknown): value is number | bigint | DecimalValue {
  return typeof value === 'number' || typeof value === 'bigint' || value instanceof DecimalValue;
}

/** Text read as a number the way Connect's `Values` converters read it, e.g. a MaskField replacement. */
export function parseNumber(text: string): number | bigint | DecimalValue {
  const parsed = parseString(text).value;
  if (!isJavaNumber(parsed)) throw new DataError(`Unable to convert ${text} (string) to number`);
  return parsed;
}
