import { LanyardError } from '../../core/errors.ts';
import type { Db } from '../../core/db/database.ts';
import { findDomainByName } from '../../core/db/domains.ts';
import type { Domain } from '../../core/db/schema.ts';

/** The domain named in a federation URL, or FEDERATION_UNKNOWN_DOMAIN (404). */
export async function requireFederatedDomain(db: Db, name: string): Promise<Domain> {
  const domain = name.length <= 253 ? await findDomainByName(db, name) : undefined;
  if (!domain) throw new LanyardError('FEDERATION_UNKNOWN_DOMAIN', 'This domain is not set up for sign-in here.');
  return domain;
}
