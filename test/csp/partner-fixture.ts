import type { NewPartner } from '../../csp/data/partners.ts';

/**
 * A partner row for repository and job tests that never call Microsoft (endpoints on
 * `*.example`, secret not really sealed). Tests that talk to the emulator pass its URL as `endpoints`.
 *
 * @example
 *   const partner = await insertPartner(db, testPartner('alpha', { isDefault: true }));
 */
export function testPartner(slug: string, overrides: Partial<NewPartner> & { endpoints?: string } = {}): NewPartner {
  const { endpoints, ...rest } = overrides;
  return {
    slug,
    partnerTenantId: '11111111-1111-1111-1111-111111111111',
    clientId: '22222222-2222-2222-2222-222222222222',
    clientSecretSealed: 'sealed',
    accountId: null,
    loginUrl: endpoints ?? 'https://login.example',
    partnerCenterUrl: endpoints ?? 'https://pc.example',
    graphUrl: endpoints ?? 'https://graph.example',
    resellerIds: '[]',
    includeSubResellers: 0,
    isDefault: false,
    ...rest,
  };
}
