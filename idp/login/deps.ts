import type { Logger } from '../../common/logger.ts';
import type { SecretBox } from '../../common/secret-box.ts';
import type { Db } from '../../db/database.ts';
import type { Config } from '../../server/config.ts';
import type { Metrics } from '../../server/metrics.ts';
import type { SigningKeyStore } from '../signing/key-store.ts';

/** Verifies a directory user's password through a connected on-premises agent (LDAP bind). */
export interface DirectoryPasswordVerifier {
  verify(user: { id: string; organizationId: string; externalId: string | null; upn: string }, password: string): Promise<boolean>;
}

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
}

/** Microsoft's ACS / token endpoint: the only place tokens are ever posted. */
export function loginSrfUrl(config: Config): string {
  return `${config.microsoftLoginUrl}/login.srf`;
}
