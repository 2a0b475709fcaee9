import { errorCodes, type ErrorCode } from './error-codes.ts';

export type { ErrorCode };

/**
 * One error type for the whole product. Every failure a user, an admin or a peer can cause carries a
 * stable `code` (never match on `message`), whose HTTP status comes from the one registry
 * (core/error-codes.ts), and `expose`: whether the message may be shown to the caller. Server faults
 * are never exposed; the error handler logs them instead. `details` are facts a caller may act on
 * (the running run's id, the seconds to wait), shown unless the registry keeps them for the log.
 *
 * @example
 *   throw new LanyardError('WSFED_UNKNOWN_REALM', 'wtrealm must be urn:federation:MicrosoftOnline');
 */
export class LanyardError extends Error {
  readonly code: string;
  readonly status: number;
  readonly expose: boolean;
  /** Whether `details` may be shown with the message (the registry's `details`, default yes). */
  readonly exposeDetails: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    const spec: { status: number; details?: boolean } = errorCodes[code];
    super(message);
    this.name = 'LanyardError';
    this.code = code;
    this.status = spec.status;
    // 503 is raised on purpose (a dependency such as the directory agent is away) with a message
    // written for the person waiting; other 5xx are faults whose detail stays in the log.
    this.expose = this.status < 500 || this.status === 503;
    this.exposeDetails = this.expose && spec.details !== false;
    this.details = details ? Object.freeze({ ...details }) : undefined;
  }

  /**
   * An error another Lanyard process answered with (the agent relaying the server's refusal): its
   * code and status are the sender's, not looked up here.
   */
  static relayed(code: string, message: string, status: number, details?: Record<string, unknown>): LanyardError {
    const error = new LanyardError('RELAYED_ERROR', message, details);
    Object.assign(error, { code, status, expose: status < 500 || status === 503, exposeDetails: status < 500 || status === 503 });
    return error;
  }
}

/** True when `code` is one of the registry's (a code read back from storage, say). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(errorCodes, code);
}

/** True when `error` is a LanyardError with the given code (or any code when omitted). */
export function isLanyardError(error: unknown, code?: ErrorCode): error is LanyardError {
  return error instanceof LanyardError && (code === undefined || error.code === code);
}
