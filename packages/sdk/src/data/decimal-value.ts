import { DataError } from '../errors.js';

/**
 * An exact decimal number, `unscaled × 10^-scale` (Java's `BigDecimal`): the JavaScript value of Connect's
 * Decimal logical type. JavaScript has no decimal type, and a `number` would round.
 */
export class DecimalValue {
  readonly unscaled: bigint;
  readonly scale: number;

  constructor(unscaled: bigint, scale: number) {
    if (!Number.isInteger(scale)) throw new DataError(`Decimal scale must be an integer, got ${scale}`);
    this.unscaled = unscaled;
    this.scale = scale;
  }

  /** Parses decimal text such as `-123.45` or `1.5E+3` exactly; the scale is the text's (`1.50` → scale 2). */
  static parse(text: string): DecimalValue {
    const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
    const [, sign = '', whole = '', fraction = '', exponent = '0'] = match ?? [];
    if (!match || whole.length + fraction.length === 0) throw new DataError(`Not a decimal number: ${text}`);
    const unscaled = BigInt(`${sign}${whole}${fraction}` === sign ? '0' : `${sign}${whole}${fraction}`);
    return new DecimalValue(unscaled, fraction.length - Number(exponent));
  }

  /** The same number with another scale; throws if that would round. */
  setScale(scale: number): DecimalValue {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new DecimalValue(this.unscaled * 10n ** BigInt(scale - this.scale), scale);
    const divisor = 10n ** BigInt(this.scale - scale);
    if (this.unscaled % divisor !== 0n) {
      throw new DataError(`Decimal ${this.toString()} cannot be represented with scale ${scale} without rounding`);
    }
    return new DecimalValue(this.unscaled / divisor, scale);
  }

  /** A JavaScript number, rounded to the nearest double. */
  toNumber(): number {
    return Number(this.toString());
  }

  equals(other: unknown): boolean {
    return other instanceof DecimalValue && other.unscaled === this.unscaled && other.scale === this.scale;
  }

  /** Java's `BigDecimal.toString()`: plain unless the scale is negative or the number is below 1e-6. */
  toString(): string {
    const negative = this.unscaled < 0n;
    const digits = (negative ? -this.unscaled : this.unscaled).toString();
    const adjusted = digits.length - 1 - this.scale;
    let body: string;
    if (this.scale >= 0 && adjusted >= -6) {
      if (this.scale === 0) body = digits;
      else if (digits.length > this.scale) {
        body = `${digits.slice(0, digits.length - this.scale)}.${digits.slice(digits.length - this.scale)}`;
      } else body = `0.${'0'.repeat(this.scale - digits.length)}${digits}`;
    } else {
      const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
      body = `${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
    }
    return negative ? `-${body}` : body;
  }

  toJSON(): string {
    return this.toString();
  }
}
