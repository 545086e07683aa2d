import { describe, expect, it } from 'vitest';
import { HIDDEN, Redactor } from './redaction.js';

describe('Redactor', () => {
  it('hides each secret and its URL- and JSON-escaped forms, longest first', () => {
    const redactor = new Redactor(['s3cr+t/key', 'hunter2', 'hunter2-and-more', 'abc']);
    expect(
      redactor.redact(
        'GET https://api/items?key=s3cr%2Bt%2Fkey failed; body {"k":"hunter2-and-more"} then hunter2 and s3cr+t/key',
      ),
    ).toBe(`GET https://api/items?key=${HIDDEN} failed; body {"k":"${HIDDEN}"} then ${HIDDEN} and ${HIDDEN}`);
    // Too short to hide without garbling the text.
    expect(redactor.redact('abc at line 1')).toBe('abc at line 1');
    expect(new Redactor(['quote"d']).redact('value "quote\\"d"')).toBe(`value "${HIDDEN}"`);
    expect(redactor.redact(undefined)).toBeUndefined();
  });

  it('grows with more secrets and says when it hides nothing', () => {
    expect(Redactor.NONE.empty).toBe(true);
    const more = Redactor.NONE.with(['first-secret']).with(['second-secret']);
    expect(more.secrets).toEqual(['first-secret', 'second-secret']);
    expect(more.redact('first-secret second-secret')).toBe(`${HIDDEN} ${HIDDEN}`);
  });
});
