import { inspect } from 'node:util';

const HIDDEN = '[hidden]';
/** Marks passwords of every copy of the SDK (a plugin may bring its own), so `instanceof` sees them all. */
const BRAND = Symbol.for('sluice.sdk.Password');

/**
 * A PASSWORD config value. It prints, serializes and inspects as `[hidden]`, so it does not leak into logs or
 * REST bodies; read it with {@link Password.value}.
 */
export class Password {
  static readonly HIDDEN = HIDDEN;
  readonly #value: string;
  readonly [BRAND] = true;

  constructor(value: string) {
    this.#value = value;
  }

  /** By brand: a password made by another copy of the SDK is a Password too. */
  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  value(): string {
    return this.#value;
  }

  equals(other: unknown): boolean {
    return other instanceof Password && other.value() === this.#value;
  }

  toString(): string {
    return HIDDEN;
  }

  toJSON(): string {
    return HIDDEN;
  }

  [inspect.custom](): string {
    return HIDDEN;
  }
}
