/**
 * Partner Center's error body (reference C.0, "Partner Center REST error codes"):
 * `{"code", "description", "data", "source"}`; clients branch on `code`, never on the text.
 */
export class PartnerCenterError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | string,
    readonly description: string,
    readonly data: readonly string[] = [],
    readonly headers: Readonly<Record<string, string>> = {},
    /** Fields newer services add (`message`, `errorName`, `isRetryable`, …). */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(description);
    this.name = 'PartnerCenterError';
  }
}

export function partnerCenterErrorBody(error: PartnerCenterError): Record<string, unknown> {
  return { code: error.code, description: error.description, data: [...error.data], source: 'PartnerFD', ...error.extra };
}

/** 400 3000 "Invalid property": EMULATOR CHOICE for request-body validation Microsoft gives no code for. */
export function invalidProperty(description: string): PartnerCenterError {
  return new PartnerCenterError(400, 3000, description);
}

/** 404 1000 "Not found" (the documented generic code) for unknown customers, users, orders, carts. */
export function notFound(what: string): PartnerCenterError {
  return new PartnerCenterError(404, 1000, `${what} was not found.`);
}

export function subscriptionNotFound(id: string): PartnerCenterError {
  return new PartnerCenterError(404, 20003, `Subscription with ID ${id} was not found.`);
}

/** The documented codes an injected fault gets, by HTTP status. */
export function faultError(status: number): PartnerCenterError {
  const code = { 401: 400, 403: 2032, 404: 1000 }[status] ?? 0;
  return new PartnerCenterError(status, code, 'Injected fault.');
}
