import { describe, expect, it } from 'vitest';
import { embeddedFormatOf, negotiate, recordsAnswerType, V2_OFFERS } from './media.js';

describe('media types', () => {
  it('reads the embedded format of a v2 type, parameters aside', () => {
    expect(embeddedFormatOf('application/vnd.kafka.binary.v2+json')).toBe('binary');
    expect(embeddedFormatOf('Application/Vnd.Kafka.JSON.v2+json; charset=utf-8')).toBe('json');
    expect(embeddedFormatOf('application/vnd.kafka.v2+json')).toBeUndefined();
    expect(embeddedFormatOf('application/vnd.kafka.xml.v2+json')).toBeUndefined();
  });

  it("negotiates v2 answers as Jersey: v2's type by default, what the client asks for, nothing else", () => {
    expect(negotiate(undefined, V2_OFFERS)).toBe('application/vnd.kafka.v2+json');
    expect(negotiate('*/*', V2_OFFERS)).toBe('application/vnd.kafka.v2+json');
    expect(negotiate('application/json', V2_OFFERS)).toBe('application/json');
    expect(negotiate('application/*', V2_OFFERS)).toBe('application/vnd.kafka.v2+json');
    expect(negotiate('application/vnd.kafka.binary.v2+json', V2_OFFERS)).toBe(
      'application/vnd.kafka.binary.v2+json',
    );
    expect(negotiate('text/html, application/json;q=0.5', V2_OFFERS)).toBe('application/json');
    expect(negotiate('application/json;q=0, */*;q=0.1', V2_OFFERS)).toBe('application/vnd.kafka.v2+json');
    expect(negotiate('text/html', V2_OFFERS)).toBeUndefined();
  });

  it("answers records in the instance's format, or refuses another format with 40601", () => {
    expect(recordsAnswerType(undefined, 'json')).toBe('application/vnd.kafka.json.v2+json');
    expect(recordsAnswerType('*/*', 'json')).toBe('application/vnd.kafka.json.v2+json');
    expect(recordsAnswerType('application/json', 'binary')).toBe('application/vnd.kafka.binary.v2+json');
    expect(recordsAnswerType('application/vnd.kafka.binary.v2+json', 'binary')).toBe(
      'application/vnd.kafka.binary.v2+json',
    );
    expect(
      recordsAnswerType('application/vnd.kafka.v2+json, application/vnd.kafka.json.v2+json', 'json'),
    ).toBe('application/vnd.kafka.json.v2+json');
    expect(() => recordsAnswerType('application/vnd.kafka.binary.v2+json', 'json')).toThrow(
      expect.objectContaining({ status: 406, errorCode: 40601 }),
    );
    // v2's own type reads binary, as Confluent's resource selection has it.
    expect(() => recordsAnswerType('application/vnd.kafka.v2+json', 'json')).toThrow(
      expect.objectContaining({ status: 406, errorCode: 40601 }),
    );
    expect(() => recordsAnswerType('text/csv', 'binary')).toThrow(
      expect.objectContaining({ status: 406, errorCode: 406, message: 'HTTP 406 Not Acceptable' }),
    );
  });
});
