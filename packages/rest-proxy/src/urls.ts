import { encodePathSegment, type Listener } from '@sluice/rest';

/** What absolute URLs in answers are made from. */
export interface UrlSettings {
  advertisedListeners: readonly URL[];
  hostName: string | undefined;
  listeners: readonly Listener[];
}

/**
 * The base of absolute URLs in an answer to `request`, as Confluent's `UrlFactoryImpl` makes it: the
 * request's scheme; the authority of the advertised listener with that scheme, else `host.name` with the
 * port of the listener of that scheme, else the request's own Host.
 */
export function baseUrl(settings: UrlSettings, request: URL): string {
  const scheme = request.protocol;
  const advertised = settings.advertisedListeners.find((url) => url.protocol === scheme);
  if (advertised !== undefined) return `${scheme}//${advertised.host}`;
  if (settings.hostName !== undefined) {
    const listener = settings.listeners.find((l) => `${l.protocol}:` === scheme);
    const port = request.port === '' ? '' : `:${listener?.port ?? request.port}`;
    return `${scheme}//${settings.hostName}${port}`;
  }
  return `${scheme}//${request.host}`;
}

/** `base/segment/segment…`, each segment percent-encoded. */
export function absoluteUrl(base: string, ...segments: Array<string | number>): string {
  return [base, ...segments.map((segment) => encodePathSegment(String(segment)))].join('/');
}

/**
 * A Confluent resource name: `crn:///kafka=<cluster>/topic=<topic>…` (no authority configured); a last type
 * without an id stands alone (`…/consumer-group=g/lag-summary`), as Confluent's `CrnFactory` writes it.
 */
export function crn(...pairs: Array<string | number>): string {
  const parts: string[] = ['crn://'];
  for (let i = 0; i < pairs.length; i += 2) {
    parts.push(i + 1 < pairs.length ? `${pairs[i]}=${pairs[i + 1]}` : String(pairs[i]));
  }
  return parts.join('/');
}
