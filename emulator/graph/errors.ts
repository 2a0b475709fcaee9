/**
 * Graph's error envelope: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
 * `code` is the only stable field (Graph docs, "Microsoft Graph error responses").
 */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    /** Graph's `details` list, e.g. `[{ code: 'ObjectConflict', target: 'userPrincipalName' }]` for a duplicate. */
    readonly details: ReadonlyArray<GraphErrorDetail> = [],
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

export function badRequest(message: string): GraphError {
  return new GraphError(400, 'Request_BadRequest', message);
}

export interface GraphErrorDetail {
  readonly code: string;
  readonly target: string;
  readonly message?: string;
}

/** A duplicate value of a unique property: Graph says so in `details` (ObjectConflict + target), not only in the message. */
export function objectConflict(property: string): GraphError {
  const message = `Another object with the same value for property ${property} already exists.`;
  return new GraphError(400, 'Request_BadRequest', message, {}, [{ code: 'ObjectConflict', message, target: property }]);
}

export function notFound(id: string): GraphError {
  return new GraphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

export function insufficientPrivileges(): GraphError {
  return new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

export interface GraphErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly innerError: { readonly date: string; readonly 'request-id': string; readonly 'client-request-id': string };
    readonly details?: ReadonlyArray<GraphErrorDetail>;
  };
}

export function graphErrorBody(
  code: string,
  message: string,
  requestId: string,
  clientRequestId: string,
  now: number,
  details: ReadonlyArray<GraphErrorDetail> = [],
): GraphErrorBody {
  return {
    error: {
      code,
      message,
      ...(details.length > 0 && { details }),
      // Graph writes the UTC time without fraction or zone designator.
      innerError: { date: new Date(now).toISOString().slice(0, 19), 'request-id': requestId, 'client-request-id': clientRequestId },
    },
  };
}

/** Graph's code for an HTTP status when a fault is injected without more detail. */
export function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'Request_BadRequest';
    case 401:
      return 'InvalidAuthenticationToken';
    case 403:
      return 'Authorization_RequestDenied';
    case 404:
      return 'Request_ResourceNotFound';
    case 429:
      return 'TooManyRequests';
    case 503:
      return 'serviceNotAvailable';
    case 504:
      return 'gatewayTimeout';
    default:
      return status >= 500 ? 'generalException' : 'invalidRequest';
  }
}
