import { randomUUID } from 'node:crypto';

/**
 * An Entra error with its AADSTS number. The token endpoint renders it as OAuth JSON; browser
 * endpoints (sign-in, login.srf) render it as an error page with the code in `#aadsts`.
 */
export class AadstsError extends Error {
  constructor(
    readonly code: number,
    /** OAuth `error` value for the token endpoint. */
    readonly oauthError: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'AadstsError';
  }

  get label(): string {
    return `AADSTS${this.code}`;
  }
}

/** The token endpoint's error body: `error`, `error_description`, `error_codes`, ids and timestamp. */
export function aadstsJson(error: AadstsError, now: number, correlationId?: string): Record<string, unknown> {
  const traceId = randomUUID();
  const correlation = correlationId ?? randomUUID();
  // Entra's timestamp format: "2016-01-09 02:02:12Z".
  const timestamp = `${new Date(now).toISOString().slice(0, 19).replace('T', ' ')}Z`;
  return {
    error: error.oauthError,
    error_description: `${error.label}: ${error.message}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
    error_codes: [error.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${error.code}`,
  };
}
