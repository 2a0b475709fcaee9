import type { Clock } from '../../core/clock.ts';
import type { Db } from '../../core/db/database.ts';
import type { SecretBox } from '../../core/secret-box.ts';
import type { CspPartner } from '../data/tables.ts';
import { PartnerAccessTokens } from './access-tokens.ts';
import { PartnerCenterClient } from './partner-center-client.ts';

export interface PartnerCenterDeps {
  readonly db: Db;
  readonly secretBox: SecretBox;
  readonly clock: Clock;
}

/** One token cache per database handle (i.e. per process and Lanyard instance), shared by every caller. */
const tokenCaches = new WeakMap<Db, PartnerAccessTokens>();

/**
 * A Partner Center client acting for `partner` with its delegated token (App+User). `actor` is
 * recorded on the audit event of a refresh-token redemption the call may need.
 *
 * @example
 *   const pc = openPartnerCenter({ db, secretBox, clock }, partner, 'cli:root');
 *   const customers = await pc.all<{ id: string }>('/v1/customers', { size: '500' });
 */
export function openPartnerCenter(deps: PartnerCenterDeps, partner: CspPartner, actor: string): PartnerCenterClient {
  let tokens = tokenCaches.get(deps.db);
  if (!tokens) {
    tokens = new PartnerAccessTokens({ db: deps.db, secretBox: deps.secretBox }, deps.clock);
    tokenCaches.set(deps.db, tokens);
  }
  const cache = tokens;
  return new PartnerCenterClient({
    baseUrl: partner.partnerCenterUrl,
    clock: deps.clock,
    token: async (renew) => {
      if (renew) cache.forget(partner.id);
      return cache.forPartner(partner, actor);
    },
  });
}
