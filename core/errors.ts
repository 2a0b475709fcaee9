/**
 * One error type for the whole product. Every failure a user, an admin or a peer can cause carries a
 * stable `code` (never match on `message`), an HTTP status, and `expose`: whether the message may be
 * shown to the caller. Server faults are never exposed; the error handler logs them instead.
 *
 * @example
 *   throw new LanyardError('WSFED_UNKNOWN_REALM', 'wtrealm must be urn:federation:MicrosoftOnline', 400);
 */
export class LanyardError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: string,
    message: string,
    status = 400,
    details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'LanyardError';
    this.code = code;
    this.status = status;
    // 503 is raised on purpose (a dependency such as the directory agent is away) with a message
    // written for the person waiting; other 5xx are faults whose detail stays in the log.
    this.expose = status < 500 || status === 503;
    this.details = details ? Object.freeze({ ...details }) : undefined;
  }
}

/** True when `error` is a LanyardError with the given code (or any code when omitted). */
export function isLanyardError(error: unknown, code?: string): error is LanyardError {
  return error instanceof LanyardError && (code === undefined || error.code === code);
}
