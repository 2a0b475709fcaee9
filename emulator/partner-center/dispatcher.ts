import type { EmulatorContext } from '../context.ts';
import type { AppRegistration, Tenant } from '../state/model.ts';
import { PartnerCenterError } from './errors.ts';
import type { Partner } from './model.ts';

/** The authenticated caller: a partner's app, with a signed-in partner user for App+User tokens. */
export interface PartnerCenterCaller {
  readonly partner: Partner;
  readonly tenant: Tenant;
  readonly app: AppRegistration;
  /** The user's object id for App+User tokens; undefined for App-only. */
  readonly userId: string | undefined;
}

export interface PartnerCenterRequest {
  readonly method: string;
  /** Relative to `/v1`, e.g. `/customers`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: ReadonlyMap<string, string>;
  /** Parsed JSON with every key's first letter lower-cased: Partner Center binds PascalCase and camelCase alike. */
  readonly body: unknown;
}

export interface PartnerCenterCall {
  readonly request: PartnerCenterRequest;
  readonly caller: PartnerCenterCaller;
  readonly context: EmulatorContext;
  readonly now: number;
}

export interface PartnerCenterResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

export type PartnerCenterHandler = (call: PartnerCenterCall, parameters: Readonly<Record<string, string>>) => PartnerCenterResponse;

export interface PartnerCenterRoute {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handler: PartnerCenterHandler;
  /**
   * Refused to App-only tokens. Documented for agreements (confirm-customer-consent); for the other
   * transactional calls (customers, orders, carts, users, licences, consents) it is an EMULATOR CHOICE
   * following the "App+User" prerequisite lines of their pages.
   */
  readonly appPlusUser?: boolean;
  /** A retry with the same `MS-RequestId` returns the first answer and changes nothing. */
  readonly idempotent?: boolean;
}

export interface MatchedRoute {
  readonly route: PartnerCenterRoute;
  readonly parameters: Readonly<Record<string, string>>;
}

export function matchRoute(routes: readonly PartnerCenterRoute[], method: string, path: string): MatchedRoute {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const parameters = Object.fromEntries(
      Object.entries(match.groups ?? {})
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => [name, decodeURIComponent(value)]),
    );
    return { route, parameters };
  }
  if (pathMatched) throw new PartnerCenterError(405, 0, `The requested resource does not support http method '${method}'.`);
  throw new PartnerCenterError(404, 1000, 'The requested resource was not found.');
}

/** `{"LineItems":[{"OfferId":…}]}` → `{"lineItems":[{"offerId":…}]}`. */
export function camelCaseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelCaseKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, entry]) => [key.charAt(0).toLowerCase() + key.slice(1), camelCaseKeys(entry)]),
  );
}
