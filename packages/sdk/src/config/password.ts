import { inspect } from 'node:util';

const HIDDEN = '[hidden]';

/**
 * A PASSWORD config value. It prints, serializes and inspects as `[hidden]`, so it does not leak into logs or
 * REST bodies; read it with {@link Password.value}.
 */
export class Password {
  static readonly HIDDEN = HIDDEN;
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  value(): string {
    return this.#value;
  }

  equals(other: unknown): boolean {
    return other instanceof Password && other.#value === this.#value;
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
