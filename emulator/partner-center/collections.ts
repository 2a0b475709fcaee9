import { PartnerCenterError } from './errors.ts';
import type { PartnerCenterCall } from './dispatcher.ts';

/** A Partner Center collection: `totalCount`, `items`, `links.self`, `attributes.objectType: Collection`. */
export function collection(call: PartnerCenterCall, items: readonly unknown[]): Record<string, unknown> {
  const self = { uri: `/v1${call.request.path}${call.request.query.size ? `?${call.request.query.toString()}` : ''}`, method: 'GET', headers: [] };
  return {
    totalCount: items.length,
    items,
    links: { self },
    attributes: { objectType: 'Collection' },
  };
}

const defaultPageSize = 40;
const maximumPageSize = 500;

/**
 * Seek-based paging (reference C.0): `size` sets the page; `links.next` carries the same URI and an
 * `MS-ContinuationToken` header to send with it; no `links.next` on the last page. `totalCount` is the
 * page's count, as in Microsoft's samples.
 */
export function pagedCollection(call: PartnerCenterCall, items: readonly unknown[]): Record<string, unknown> {
  const rawSize = call.request.query.get('size');
  const size = rawSize === null ? defaultPageSize : Number(rawSize);
  if (!Number.isInteger(size) || size < 1 || size > maximumPageSize) {
    throw new PartnerCenterError(400, 3000, `size must be an integer between 1 and ${maximumPageSize}.`);
  }
  let offset = 0;
  const token = call.request.headers.get('ms-continuationtoken');
  if (token !== undefined) {
    const decoded = /^seek:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!decoded) throw new PartnerCenterError(400, 3000, 'The continuation token is invalid.');
    offset = Number(decoded[1]);
  }
  const page = items.slice(offset, offset + size);
  const body = collection(call, page);
  if (offset + size < items.length) {
    const uri = `/v1${call.request.path}?size=${size}`;
    const value = Buffer.from(`seek:${offset + size}`).toString('base64url');
    (body.links as Record<string, unknown>).next = { uri, method: 'GET', headers: [{ key: 'MS-ContinuationToken', value }] };
  }
  return body;
}

export function resourceAttributes(objectType: string, etag?: string): Record<string, string> {
  return etag === undefined ? { objectType } : { etag, objectType };
}
