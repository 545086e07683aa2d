import { HttpError } from '@sluice/rest';

/** The embedded data formats of API v2 (`application/vnd.kafka.<format>.v2+json`). */
export type EmbeddedFormat = 'binary' | 'json' | 'avro' | 'jsonschema' | 'protobuf';

export const EMBEDDED_FORMATS: readonly EmbeddedFormat[] = [
  'binary',
  'json',
  'avro',
  'jsonschema',
  'protobuf',
];

/** Formats whose data goes through a schema registry, which Sluice does not have yet. */
export const SCHEMA_FORMATS: ReadonlySet<EmbeddedFormat> = new Set(['avro', 'jsonschema', 'protobuf']);

/** API v2's own type, for requests and answers without embedded data. */
export const V2_JSON = 'application/vnd.kafka.v2+json';
export const JSON_TYPE = 'application/json';

/** `application/vnd.kafka.<format>.v2+json`. */
export function v2Type(format: EmbeddedFormat): string {
  return `application/vnd.kafka.${format}.v2+json`;
}

/** Jersey's answers when no resource method produces or consumes the types of a request. */
export const NOT_ACCEPTABLE = 'HTTP 406 Not Acceptable';

export function notAcceptable(): HttpError {
  return new HttpError(406, NOT_ACCEPTABLE);
}

/** A media type without its parameters, lower-cased: `application/vnd.kafka.json.v2+json`. */
export function mediaType(header: string): string {
  return (header.split(';')[0] ?? '').trim().toLowerCase();
}

/** The embedded format a v2 type names (`application/vnd.kafka.binary.v2+json` → binary), if any. */
export function embeddedFormatOf(type: string): EmbeddedFormat | undefined {
  const match = /^application\/vnd\.kafka\.([a-z]+)\.v2\+json$/.exec(mediaType(type));
  const format = match?.[1] as EmbeddedFormat | undefined;
  return format !== undefined && EMBEDDED_FORMATS.includes(format) ? format : undefined;
}

/** One range of an Accept header. */
interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

/** Parses an Accept header; absent or empty accepts anything (`*\/*`). Ranges with q=0 are kept (refusals). */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (header === undefined || header.trim() === '') return [{ type: '*', subtype: '*', q: 1 }];
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [range = '', ...parameters] = part.split(';');
    const [type = '', subtype = ''] = range.trim().toLowerCase().split('/');
    if (type === '' || subtype === '') continue;
    let q = 1;
    for (const parameter of parameters) {
      const [name, value] = parameter.split('=').map((s) => s.trim());
      if (name?.toLowerCase() === 'q') q = Math.min(1, Math.max(0, Number(value) || 0));
    }
    ranges.push({ type, subtype, q });
  }
  return ranges.length === 0 ? [{ type: '*', subtype: '*', q: 1 }] : ranges;
}

/**
 * How much the client accepts `offered`: the q of the most specific range that matches it (an exact type
 * over `type/*` over `*\/*`, as HTTP says), 0 when none does.
 */
export function acceptance(ranges: readonly MediaRange[], offered: string): number {
  const [type, subtype] = offered.split('/') as [string, string];
  let best = -1;
  let q = 0;
  for (const range of ranges) {
    const specificity =
      range.type === type && range.subtype === subtype
        ? 2
        : range.type === type && range.subtype === '*'
          ? 1
          : range.type === '*' && range.subtype === '*'
            ? 0
            : -1;
    if (specificity > best) {
      best = specificity;
      q = range.q;
    }
  }
  return best < 0 ? 0 : q;
}

/** A type a resource can answer with, and its own weight (JAX-RS `qs`). */
export interface Offer {
  type: string;
  qs: number;
}

/**
 * Content negotiation as Jersey does it: the offer with the highest client q × server qs (the first on a
 * tie); undefined when the client accepts none of them.
 */
export function negotiate(accept: string | undefined, offers: readonly Offer[]): string | undefined {
  const ranges = parseAccept(accept);
  let chosen: string | undefined;
  let score = 0;
  for (const offer of offers) {
    const value = acceptance(ranges, offer.type) * offer.qs;
    if (value > score) {
      score = value;
      chosen = offer.type;
    }
  }
  return chosen;
}

/** What every v2 resource answers with: v2's own type first; plain JSON; the embedded types, weighted low. */
export const V2_OFFERS: readonly Offer[] = [
  { type: V2_JSON, qs: 1 },
  { type: JSON_TYPE, qs: 0.9 },
  ...EMBEDDED_FORMATS.map((format) => ({ type: v2Type(format), qs: 0.1 })),
];

export const V3_OFFERS: readonly Offer[] = [{ type: JSON_TYPE, qs: 1 }];

/**
 * The answer type of a records request for an instance of `format`, or the error Confluent's REST Proxy
 * answers. An Accept that admits the instance's type, or none in particular (absent, `*\/*`, plain JSON), gets
 * it; one that asks for another embedded format (`application/vnd.kafka.v2+json` is binary's, as in
 * Confluent's) is 406 with 40601; anything else is 406.
 */
export function recordsAnswerType(accept: string | undefined, format: EmbeddedFormat): string {
  const ranges = parseAccept(accept);
  const own = v2Type(format);
  if (acceptance(ranges, own) > 0) return own;
  if (acceptance(ranges, JSON_TYPE) > 0) return own;
  const other = negotiate(accept, [
    { type: v2Type('binary'), qs: 1 },
    { type: V2_JSON, qs: 0.9 },
    ...EMBEDDED_FORMATS.filter((f) => f !== 'binary').map((f) => ({ type: v2Type(f), qs: 0.1 })),
  ]);
  if (other !== undefined) {
    throw new HttpError(
      406,
      'The requested embedded data format does not match the deserializer for this consumer instance',
      { errorCode: 40601 },
    );
  }
  throw notAcceptable();
}
