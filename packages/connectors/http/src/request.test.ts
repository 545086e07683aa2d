import { describe, expect, it } from 'vitest';
import { parseHttpSourceConfig } from './config.js';
import { shownUrl } from './redaction.js';
import { baseHeaders, partitionUrl, requestTarget } from './request.js';

const BASE = { 'topic.name.pattern': 't' };

function target(props: Record<string, string>, offset: string, entityName = '') {
  const t = requestTarget(parseHttpSourceConfig({ ...BASE, ...props }), { offset, entityName });
  return { method: t.method, url: t.url.href, body: t.body };
}

describe('requests', () => {
  it('templates the URL as is and percent-encodes templated parameter values', () => {
    expect(
      target(
        {
          url: 'http://api.example/v1/${entityName}/${offset}?fixed=1',
          'entity.names': 'users',
          'http.initial.offset': '0',
          'http.request.parameters': 'q=a b&after=${offset}&e=${entityName}',
        },
        'x+y/=',
        'users',
      ),
    ).toEqual({
      method: 'GET',
      url: 'http://api.example/v1/users/x+y/=?fixed=1&q=a%20b&after=x%2By%2F%3D&e=users',
      body: null,
    });
  });

  it("keeps an empty parameter, as the reference's first GCS request (pageToken=)", () => {
    const gcs = {
      url: 'https://storage.googleapis.com/storage/v1/b/test-bucket/o',
      'http.offset.mode': 'CURSOR_PAGINATION',
      'http.request.parameters': 'pageToken=${offset}',
      'http.next.page.json.pointer': '/nextPageToken',
    };
    expect(target(gcs, '').url).toBe('https://storage.googleapis.com/storage/v1/b/test-bucket/o?pageToken=');
    expect(target(gcs, 'CkV0b3Bp=').url).toBe(
      'https://storage.googleapis.com/storage/v1/b/test-bucket/o?pageToken=CkV0b3Bp%3D',
    );
  });

  it('follows a next page reference that is a full URL or a fragment, keeping parameters it lacks', () => {
    const cursor = {
      url: 'https://wiki.example/wiki/rest/api/space',
      'http.offset.mode': 'CURSOR_PAGINATION',
      'http.request.parameters': 'limit=1&expand=all&cursor=${offset}',
      'http.next.page.json.pointer': '/_links/next',
    };
    expect(target(cursor, '/wiki/rest/api/space?next=true&limit=1&start=1').url).toBe(
      'https://wiki.example/wiki/rest/api/space?next=true&limit=1&start=1&expand=all',
    );
    expect(target(cursor, 'https://other.example/page/2').url).toBe(
      'https://other.example/page/2?limit=1&expand=all',
    );
    expect(target(cursor, '?page=3').url).toBe(
      'https://wiki.example/wiki/rest/api/space?page=3&limit=1&expand=all',
    );
    expect(target(cursor, 'token-4').url).toBe(
      'https://wiki.example/wiki/rest/api/space?limit=1&expand=all&cursor=token-4',
    );
    // A url that places ${offset} itself decides where the reference goes.
    expect(
      target(
        {
          ...cursor,
          url: '${offset}',
          'http.initial.offset': 'https://api.example/first',
          'http.request.parameters': '',
        },
        'https://api.example/p2?x=1',
      ).url,
    ).toBe('https://api.example/p2?x=1');
  });

  it('templates the POST body as is and sends no parameters', () => {
    expect(
      target(
        {
          url: 'http://domain/test-index/_search',
          'http.request.method': 'POST',
          'http.request.body': '{"size": 100, "search_after": [${offset}]}',
          'http.request.parameters': 'ignored=1',
          'http.offset.mode': 'CHAINING',
          'http.offset.json.pointer': '/sort/0',
          'http.initial.offset': '1647948000000',
        },
        '1647948000000',
      ),
    ).toEqual({
      method: 'POST',
      url: 'http://domain/test-index/_search',
      body: '{"size": 100, "search_after": [1647948000000]}',
    });
  });

  it('sends JSON defaults, then the configured headers, sensitive ones last', () => {
    const config = parseHttpSourceConfig({
      ...BASE,
      url: 'http://a.example',
      'http.request.method': 'POST',
      'http.request.body': '{}',
      'http.request.headers': 'accept:text/plain ; X-Tenant:1',
      'http.request.headers.separator': ';',
      'http.request.sensitive.headers': 'X-Api-Key:secret;x-tenant:2',
    });
    expect(baseHeaders(config)).toEqual({
      accept: 'text/plain',
      'User-Agent': 'sluice-connector-http/0.1.0',
      'Content-Type': 'application/json',
      'X-Api-Key': 'secret',
      'x-tenant': '2',
    });
  });

  it('hides user info, the fragment and query values in URLs shown in messages, but the offset', () => {
    expect(shownUrl(new URL('https://u:p@api.example/x?y=1#f'))).toBe('https://api.example/x?y=[hidden]');
    expect(shownUrl(new URL('https://api.example/x'))).toBe('https://api.example/x');
    expect(
      shownUrl(new URL('https://api.example/items?api_key=k3y&start=10&flag&name=a%20b'), ['10', 'a b']),
    ).toBe('https://api.example/items?api_key=[hidden]&start=10&flag&name=a%20b');
  });

  it('shows the url template in source partitions without user info and fixed query values', () => {
    expect(partitionUrl('https://api.example/${entityName}/items')).toBe(
      'https://api.example/${entityName}/items',
    );
    expect(partitionUrl('https://u:p@api.example/items?start=${offset}&api_key=s3cret&limit=10#top')).toBe(
      'https://api.example/items?start=${offset}&api_key=[hidden]&limit=[hidden]#top',
    );
  });
});
