import type { Logger } from '../../core/logger.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import type { Db } from '../../core/db/database.ts';
import type { Config } from '../../core/config.ts';
import type { Metrics } from '../../core/metrics.ts';
import type { SigningKeyStore } from '../signing/key-store.ts';
import type { SignInResponders } from './responders.ts';

import type { DirectoryPasswordVerifier } from '../../core/services.ts';

export type { DirectoryPasswordVerifier };

/** What the sign-in endpoints need; built once by the server and passed to each router. */
export interface IdpDeps {
  readonly config: Config;
  readonly db: Db;
  readonly secretBox: SecretBox;
  readonly csrfKey: Buffer;
  /** Keys the hash of user names in throttle counters (`accountNameKey` in throttle.ts). */
  readonly accountNameKey: Buffer;
  readonly keys: SigningKeyStore;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly directoryPasswords: DirectoryPasswordVerifier | undefined;
  /** Certificates Entra signs SAML AuthnRequests with (PEM), for domains that require signed requests. */
  readonly microsoftRequestSigningCerts: readonly string[];
  /** How a completed sign-in is answered, by protocol (WS-Fed, SAML; registered by idp/module.ts). */
  readonly responders: SignInResponders;
}

/** Microsoft's ACS / token endpoint: the only place tokens are ever posted. */
export function loginSrfUrl(config: Config): string {
  return `${config.microsoftLoginUrl}/login.srf`;
}
