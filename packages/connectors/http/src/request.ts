import type { HttpSourceConfig } from './config.js';
import { OFFSET_VARIABLE, render, usesVariable, type TemplateValues } from './template.js';
import { HIDDEN } from './redaction.js';
import { VERSION } from './version.js';

/** The parts of a request that depend on the entity and the offset. */
export interface RequestTarget {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly body: string | null;
}

/**
 * The URL and body of the next request for an entity. `${offset}` and `${entityName}` are replaced as is in
 * `url` and `http.request.body` and percent-encoded in parameter values. In CURSOR_PAGINATION, when `url`
 * does not use `${offset}` and the offset is a full URL or a fragment starting with `/` or `?`, the request
 * goes to that reference resolved against `url`; parameters that use `${offset}` or that its query already
 * has are then left out (the reference carries its own paging state).
 */
export function requestTarget(config: HttpSourceConfig, values: Required<TemplateValues>): RequestTarget {
  let url = new URL(render(config.url, values));
  let parameters = config.parameters;
  if (
    config.offsetMode === 'CURSOR_PAGINATION' &&
    !usesVariable(config.url, OFFSET_VARIABLE) &&
    isPageUrl(values.offset)
  ) {
    url = new URL(values.offset, url);
    const present = new Set(url.searchParams.keys());
    parameters = parameters.filter(
      (p) =>
        !usesVariable(p.value, OFFSET_VARIABLE) &&
        !usesVariable(p.name, OFFSET_VARIABLE) &&
        !present.has(p.name),
    );
  }
  if (config.method === 'GET' && parameters.length > 0) {
    const query = parameters
      .map(
        (p) => `${encodeURIComponent(render(p.name, values))}=${encodeURIComponent(render(p.value, values))}`,
      )
      .join('&');
    url.search = url.search === '' || url.search === '?' ? query : `${url.search.slice(1)}&${query}`;
  }
  return {
    method: config.method,
    url,
    body: config.method === 'POST' && config.body !== null ? render(config.body, values) : null,
  };
}

/** Whether a next page reference is a URL (full, or a fragment from the path or the query) rather than a token. */
export function isPageUrl(reference: string): boolean {
  return /^https?:\/\//i.test(reference) || reference.startsWith('/') || reference.startsWith('?');
}

/**
 * The configured headers (sensitive ones last, so they win), over the defaults: JSON accepted, a JSON body, and
 * Sluice's user agent. Names are compared without case, as HTTP does.
 */
export function baseHeaders(config: HttpSourceConfig): Record<string, string> {
  const headers = new Map<string, [string, string]>();
  const set = (name: string, value: string) => headers.set(name.toLowerCase(), [name, value]);
  set('Accept', 'application/json');
  set('User-Agent', `sluice-connector-http/${VERSION}`);
  if (config.method === 'POST' && config.body !== null) set('Content-Type', 'application/json');
  for (const { name, value } of [...config.headers, ...config.sensitiveHeaders]) set(name, value);
  return Object.fromEntries(headers.values());
}

/**
 * The origin (scheme, host and port) requests of an entity may go to: that of `url` as the first request makes
 * it. Headers, parameters and credentials are sent there only; an offset or a next page reference that would
 * send a request elsewhere is refused.
 */
export function configuredOrigin(config: HttpSourceConfig, entityName: string): string {
  return new URL(render(config.url, { offset: config.initialOffset ?? '', entityName })).origin;
}

/**
 * The `url` template as a source partition shows it: without user info, and with the value of each query
 * parameter that uses no template variable hidden, since an API key there (perhaps resolved from a
 * `${file:…}` variable) would otherwise be stored in the offsets topic and shown by the offsets REST API.
 * A rotated key then keeps the partition, and so the position, too.
 */
export function partitionUrl(template: string): string {
  const withoutUserInfo = template.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1');
  const question = withoutUserInfo.indexOf('?');
  if (question < 0) return withoutUserInfo;
  const hash = withoutUserInfo.indexOf('#', question);
  const query = withoutUserInfo.slice(question + 1, hash < 0 ? undefined : hash);
  const pairs = query.split('&').map((pair) => {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(equals + 1).includes('${')) return pair;
    return `${pair.slice(0, equals)}=${HIDDEN}`;
  });
  return `${withoutUserInfo.slice(0, question)}?${pairs.join('&')}${hash < 0 ? '' : withoutUserInfo.slice(hash)}`;
}
