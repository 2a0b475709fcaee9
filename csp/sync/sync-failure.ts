import { isLanyardError } from '../../core/errors.ts';
import type { GraphRefusalDetails } from '../graph/customer-graph.ts';
import { graphRemediation, tokenRemediations } from '../graph/graph-remediation.ts';
import { explainAadsts } from '../tokens/aadsts.ts';

export interface SyncFailure {
  /** The most specific stable code: the AADSTS code, Graph's code, else Lanyard's. */
  readonly code: string;
  readonly message: string;
  readonly remediation: string | null;
}

/**
 * What a failed sync step is, for the error table: Entra's refusal of the customer-tenant token
 * (AADSTS code), Graph's refusal (Graph's code), or any other Lanyard error, with its remediation.
 */
export function describeSyncFailure(error: unknown): SyncFailure {
  if (isLanyardError(error, 'CSP_TOKEN_REFUSED')) {
    const details = (error.details ?? {}) as { aadsts?: string | null };
    const code = details.aadsts ?? /AADSTS\d+/.exec(error.message)?.[0] ?? error.code;
    return { code, message: error.message, remediation: tokenRemediations[code] ?? explainAadsts(code).remediation };
  }
  if (isLanyardError(error, 'CSP_GRAPH_REFUSED')) {
    const details = error.details as GraphRefusalDetails;
    return { code: details.graphCode, message: error.message, remediation: details.remediation ?? graphRemediation(details.status, details.graphCode, error.message) };
  }
  if (isLanyardError(error)) return { code: error.code, message: error.message, remediation: null };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error), remediation: null };
}
