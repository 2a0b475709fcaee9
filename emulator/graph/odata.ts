import type { GraphCall } from './dispatcher.ts';
import { badRequest, GraphError } from './errors.ts';

/** `$select`: the listed properties, each checked against the type's properties. */
export function parseSelect(call: GraphCall, typeName: string, properties: readonly string[]): string[] | undefined {
  const raw = call.request.query.get('$select');
  if (raw === null) return undefined;
  const names = raw.split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    if (!properties.includes(name)) {
      throw badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.${typeName}'.`);
    }
  }
  return names;
}

export function project(record: object, properties: readonly string[]): Record<string, unknown> {
  const source = record as Record<string, unknown>;
  return Object.fromEntries(properties.map((name) => [name, source[name] ?? null]));
}

export type FilterOperator = 'eq' | 'ne' | 'startswith' | 'endswith';

/** Which operators each property supports, as listed in the resource's Graph page. */
export type FilterSupport = Readonly<Record<string, readonly FilterOperator[]>>;

interface Clause {
  readonly property: string;
  readonly operator: FilterOperator;
  readonly value: string | boolean | null;
}

const comparison = /^(\w+)\s+(eq|ne)\s+('(?:[^']|'')*'|true|false|null)$/i;
const functionCall = /^(startswith|endswith)\((\w+),\s*('(?:[^']|'')*')\)$/i;

/**
 * A small `$filter` subset: `p eq 'v'`, `p ne 'v'`, `p eq null`, `startswith(p,'v')`, `endswith(p,'v')`,
 * joined with `and`. Graph's advanced operators (`ne`, `endswith`, `eq null`) need
 * `ConsistencyLevel: eventual` and `$count=true`, and so they do here.
 */
export function parseFilter(call: GraphCall, support: FilterSupport): ((record: object) => boolean) | undefined {
  const raw = call.request.query.get('$filter');
  if (raw === null) return undefined;
  const clauses = raw.split(/\s+and\s+/i).map((part) => parseClause(part.trim()));
  for (const clause of clauses) {
    if (!support[clause.property]?.includes(clause.operator)) {
      throw new GraphError(400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified for property '${clause.property}' of resource 'User'.`);
    }
    const advanced = clause.operator === 'ne' || clause.operator === 'endswith' || clause.value === null;
    if (advanced && !isAdvancedQuery(call)) {
      throw new GraphError(400, 'Request_UnsupportedQuery', `Operator '${clause.operator}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header.`);
    }
  }
  return (record) => clauses.every((clause) => matches(record, clause));
}

export function isAdvancedQuery(call: GraphCall): boolean {
  return call.request.headers.get('consistencylevel') === 'eventual' && call.request.query.get('$count') === 'true';
}

function parseClause(text: string): Clause {
  const compared = comparison.exec(text);
  if (compared) {
    return { property: compared[1] as string, operator: (compared[2] as string).toLowerCase() as FilterOperator, value: literal(compared[3] as string) };
  }
  const called = functionCall.exec(text);
  if (called) {
    return { property: called[2] as string, operator: (called[1] as string).toLowerCase() as FilterOperator, value: literal(called[3] as string) };
  }
  throw badRequest(`Invalid filter clause: ${text}`);
}

function literal(text: string): string | boolean | null {
  if (text === 'null') return null;
  if (text === 'true' || text === 'false') return text === 'true';
  return text.slice(1, -1).replaceAll("''", "'");
}

/** Graph compares directory strings case-insensitively. */
function matches(record: object, clause: Clause): boolean {
  const actual = (record as Record<string, unknown>)[clause.property];
  const normalise = (value: unknown): unknown => (typeof value === 'string' ? value.toLowerCase() : value ?? null);
  const left = normalise(actual);
  const right = normalise(clause.value);
  switch (clause.operator) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'startswith':
      return typeof left === 'string' && typeof right === 'string' && left.startsWith(right);
    case 'endswith':
      return typeof left === 'string' && typeof right === 'string' && left.endsWith(right);
  }
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextLink: string | undefined;
}

const defaultPageSize = 100;
const maximumPageSize = 999;

/**
 * Server-driven paging: `$top` sets the page size (1..999, default 100); `@odata.nextLink` is the full
 * request URL with every original query option plus `$skiptoken`, as Graph builds it.
 */
export function paginate<T>(call: GraphCall, resourcePath: string, items: readonly T[]): Page<T> {
  const query = call.request.query;
  let pageSize = defaultPageSize;
  if (query.has('$top')) {
    const top = Number(query.get('$top'));
    if (!Number.isInteger(top) || top < 1 || top > maximumPageSize) {
      throw badRequest(`Invalid page size specified: '${query.get('$top') ?? ''}'. Must be between 1 and ${maximumPageSize} inclusive.`);
    }
    pageSize = top;
  }
  let offset = 0;
  const skipToken = query.get('$skiptoken');
  if (skipToken !== null) {
    const decoded = /^offset:(\d+)$/.exec(Buffer.from(skipToken, 'base64url').toString('utf8'));
    if (!decoded) throw badRequest('The specified page token value has expired or is invalid.');
    offset = Number(decoded[1]);
  }
  const pageItems = items.slice(offset, offset + pageSize);
  if (offset + pageSize >= items.length) return { items: pageItems, nextLink: undefined };
  const next = new URLSearchParams(query);
  next.set('$skiptoken', Buffer.from(`offset:${offset + pageSize}`).toString('base64url'));
  // Graph keeps OData option names literal (`$skiptoken`, not `%24skiptoken`).
  const nextQuery = [...next].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('&');
  return { items: pageItems, nextLink: `${call.context.baseUrl}/v1.0${resourcePath}?${nextQuery}` };
}

export function contextUrl(call: GraphCall, fragment: string): string {
  return `${call.context.baseUrl}/v1.0/$metadata#${fragment}`;
}
