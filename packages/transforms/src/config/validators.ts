import { LambdaValidator, type Validator } from '@sluice/sdk';
import { JavaPattern } from '../java/regex.js';

/** A LIST with at least one element (Connect's `NonEmptyListValidator`). */
export function nonEmptyList(): Validator {
  return LambdaValidator.with(
    (_name, value) => (Array.isArray(value) && value.length > 0 ? undefined : 'Empty list'),
    'non-empty list',
  );
}

/**
 * A LIST checked by the parser that later reads it: `parse` returns the parsed form, or the message for the
 * first bad entry, so validation and configuration cannot disagree.
 */
export function listParsedBy(
  parse: (entries: readonly string[]) => object | string,
  description: string,
): Validator {
  return LambdaValidator.with((_name, value) => {
    const parsed = parse((value as string[] | null) ?? []);
    return typeof parsed === 'string' ? parsed : undefined;
  }, description);
}

/** Any value but null (Connect's `NonNullValidator`): the key must be given, even if empty. */
export function nonNull(): Validator {
  return LambdaValidator.with(
    (_name, value) => (value === null || value === undefined ? 'entry must be non null' : undefined),
    'non-null string',
  );
}

/** A STRING that compiles as a Java regular expression; `reason` prefixes the compiler's message. */
export function javaRegex(reason = 'Invalid regex'): Validator {
  return LambdaValidator.with((_name, value) => {
    if (typeof value !== 'string') return undefined;
    try {
      new JavaPattern(value);
      return undefined;
    } catch (error) {
      return `${reason}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }, 'valid regex');
}
