import { invalidValue } from './parse-type.js';
import type { Validator } from './types.js';

function compare(value: number | bigint, bound: number): number {
  if (typeof value === 'bigint' && Number.isInteger(bound)) {
    const b = BigInt(bound);
    return value < b ? -1 : value > b ? 1 : 0;
  }
  const n = Number(value);
  return n < bound ? -1 : n > bound ? 1 : 0;
}

/** Numeric bounds (Kafka's `ConfigDef.Range`); null is rejected. */
export class Range implements Validator {
  private constructor(
    readonly min: number | null,
    readonly max: number | null,
  ) {}

  /** At least `min`. */
  static atLeast(min: number): Range {
    return new Range(min, null);
  }

  /** From `min` to `max`, both included. */
  static between(min: number, max: number): Range {
    return new Range(min, max);
  }

  ensureValid(name: string, value: unknown): void {
    if (value === null || value === undefined) throw invalidValue(name, null, 'Value must be non-null');
    const n = value as number | bigint;
    if (this.min !== null && compare(n, this.min) < 0)
      throw invalidValue(name, value, `Value must be at least ${this.min}`);
    if (this.max !== null && compare(n, this.max) > 0) {
      throw invalidValue(name, value, `Value must be no more than ${this.max}`);
    }
  }

  toString(): string {
    if (this.min === null) return `[...,${this.max}]`;
    return this.max === null ? `[${this.min},...]` : `[${this.min},...,${this.max}]`;
  }
}

/** One of a fixed set of strings, case-sensitive (Kafka's `ConfigDef.ValidString`). */
export class ValidString implements Validator {
  private constructor(readonly validStrings: readonly string[]) {}

  static in(...validStrings: string[]): ValidString {
    return new ValidString(validStrings);
  }

  ensureValid(name: string, value: unknown): void {
    if (!this.validStrings.includes(value as string)) {
      throw invalidValue(name, value, `String must be one of: ${this.validStrings.join(', ')}`);
    }
  }

  toString(): string {
    return `[${this.validStrings.join(', ')}]`;
  }
}

/** One of a fixed set of strings, in any case (Kafka's `ConfigDef.CaseInsensitiveValidString`). */
export class CaseInsensitiveValidString implements Validator {
  readonly #upper: readonly string[];

  private constructor(readonly validStrings: readonly string[]) {
    this.#upper = validStrings.map((s) => s.toUpperCase());
  }

  static in(...validStrings: string[]): CaseInsensitiveValidString {
    return new CaseInsensitiveValidString(validStrings);
  }

  ensureValid(name: string, value: unknown): void {
    if (typeof value !== 'string' || !this.#upper.includes(value.toUpperCase())) {
      throw invalidValue(name, value, `String must be one of (case insensitive): ${this.#upper.join(', ')}`);
    }
  }

  toString(): string {
    return `[${this.#upper.join(', ')}]`;
  }
}

/** Every element of a LIST is one of a fixed set (Kafka's `ConfigDef.ValidList`); the error names the element. */
export class ValidList implements Validator {
  readonly #valid: ValidString;

  private constructor(readonly validStrings: readonly string[]) {
    this.#valid = ValidString.in(...validStrings);
  }

  static in(...validStrings: string[]): ValidList {
    return new ValidList(validStrings);
  }

  ensureValid(name: string, value: unknown): void {
    if (value === null || value === undefined) return;
    for (const item of value as unknown[]) this.#valid.ensureValid(name, item);
  }

  toString(): string {
    return this.#valid.toString();
  }
}

/** A STRING that is not empty; null passes (Kafka's `ConfigDef.NonEmptyString`). */
export class NonEmptyString implements Validator {
  ensureValid(name: string, value: unknown): void {
    if (value === '') throw invalidValue(name, value, 'String must be non-empty');
  }

  toString(): string {
    return 'non-empty string';
  }
}

/** Several validators, all of which must pass, in order (Kafka's `ConfigDef.CompositeValidator`). */
export class CompositeValidator implements Validator {
  private constructor(readonly validators: readonly Validator[]) {}

  static of(...validators: Validator[]): CompositeValidator {
    return new CompositeValidator(validators);
  }

  ensureValid(name: string, value: unknown): void {
    for (const validator of this.validators) validator.ensureValid(name, value);
  }

  toString(): string {
    return this.validators.map(String).join(', ');
  }
}

/**
 * A validator from a function (Kafka's `ConfigDef.LambdaValidator`). The function throws `invalidValue(...)`
 * to reject, or returns a message, which is turned into one.
 */
export class LambdaValidator implements Validator {
  private constructor(
    readonly check: (name: string, value: unknown) => string | void,
    readonly description: string,
  ) {}

  static with(check: (name: string, value: unknown) => string | void, description: string): LambdaValidator {
    return new LambdaValidator(check, description);
  }

  ensureValid(name: string, value: unknown): void {
    const message = this.check(name, value);
    if (typeof message === 'string') throw invalidValue(name, value, message);
  }

  toString(): string {
    return this.description;
  }
}
