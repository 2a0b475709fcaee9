import type { LoginRequests } from './entra/login-requests.ts';
import type { DomainVerificationDns } from './graph/domain-verification.ts';
import type { GraphQuirks } from './graph/quirks.ts';
import type { Throttle } from './graph/throttle.ts';
import type { FaultInjector } from './http/faults.ts';
import type { EmulatorState } from './state/store.ts';
import type { EmulatorKeys } from './tls/key-store.ts';

/** What every part of the emulator shares: state, keys, and where it listens. */
export interface EmulatorContext {
  readonly state: EmulatorState;
  readonly keys: EmulatorKeys;
  readonly faults: FaultInjector;
  readonly throttle: Throttle;
  /** Graph behaviours seen in the wild, switched on through `/_emulator/quirks`. */
  readonly quirks: GraphQuirks;
  /** Sign-ins sent to federated IdPs and not yet answered (wctx, AuthnRequest IDs). */
  readonly loginRequests: LoginRequests;
  /** The DNS server `POST /domains/{id}/verify` resolves through (none: verified without a lookup). */
  readonly domainVerificationDns: DomainVerificationDns;
  /** `https://127.0.0.1:<port>`, known once the server listens. */
  baseUrl: string;
}

/** Entra's reply URL for federation tokens, on the emulator. */
export function loginSrfUrl(context: EmulatorContext): string {
  return `${context.baseUrl}/login.srf`;
}

/** Entra's relying-party identifier: entityID, realm and token audience alike. */
export const microsoftOnlineUrn = 'urn:federation:MicrosoftOnline';
