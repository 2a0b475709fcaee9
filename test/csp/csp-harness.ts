import path from 'node:path';
import { startConsent } from '../../csp/consent/consent.ts';
import { findPartnerBySlug } from '../../csp/data/partners.ts';
import type { CspPartner } from '../../csp/data/tables.ts';
import { addPartner } from '../../csp/partners/partner-admin.ts';
import { applyCustomerSeed, applyPartnerSeed, catalogFromSeed, catalogSchema, customerSchema, partnerSchema } from '../../emulator/partner-center/seed.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { issueServerCertificate } from '../../emulator/tls/key-store.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { applyTenantSeed, tenantSchema } from '../../emulator/state/seed.ts';
import { postStep } from '../emulator/authorize-flow.ts';
import { startTrustedEmulator } from '../emulator/harness.ts';
import type { Clock } from '../../core/clock.ts';
import type { Dialect } from '../../core/db/database.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';

export const businessBasic = 'CFQ7TTC0LH18:0001:CFQ7TTC0K971';
export const businessBasicSkuId = '3b555118-da6a-4418-894f-7df1e2096870';
export const legacyE3 = '796B6B5F-613C-4E24-A17C-EBA730D49C02';
export const legacyE3SkuId = '6fd2c87f-b296-42f0-b197-1e91e994b900';

/** A small catalog: one new-commerce product (monthly and annual) and one legacy offer. */
export const testCatalog = {
  countries: ['US', 'DE'],
  products: [
    {
      id: 'CFQ7TTC0LH18',
      title: 'Microsoft 365 Business Basic',
      skus: [
        {
          id: '0001',
          title: 'Microsoft 365 Business Basic',
          minimumQuantity: 1,
          maximumQuantity: 300,
          licenseSkuId: businessBasicSkuId,
          skuPartNumber: 'O365_BUSINESS_ESSENTIALS',
          availabilities: [{ id: 'CFQ7TTC0K971', terms: [{ duration: 'P1M', billingCycle: 'monthly' }, { duration: 'P1Y', billingCycle: 'annual' }] }],
        },
      ],
    },
  ],
  offers: [{ id: legacyE3, name: 'Office 365 E3', minimumQuantity: 1, maximumQuantity: 100, licenseSkuId: legacyE3SkuId, skuPartNumber: 'ENTERPRISEPACK' }],
};

export interface CspWorld {
  readonly emulator: RunningEmulator;
  readonly lanyard: RunningLanyard;
  /** The partner's tenant in the emulator. */
  readonly partnerTenant: Tenant;
  readonly partnerSlug: string;
  readonly agentUpn: string;
  /** The partner's Lanyard row as it is now (reads it again). */
  partner(): Promise<CspPartner>;
  /** A new tenant `name` made a customer of the partner in Partner Center (optionally with MCA accepted, subscriptions…). */
  seedCustomer(name: string, extra?: Record<string, unknown>): Tenant;
  /** PUT/POST/DELETE on the emulator's control API (`/_emulator…`). */
  control(path: string, method: string, body?: unknown): Promise<Response>;
  stop(): Promise<void>;
}

export const agentPassword = 'Partner-Passw0rd!';
const clientSecret = 'csp-app-secret~1';

/**
 * The CSP test world: the emulator (Entra, Partner Center with the test catalog, Graph, Key Vault)
 * and a Lanyard on `dialect` pointed at it, with one partner `name` added in Lanyard and consented
 * by its admin agent (with MFA), so its refresh token is stored and Partner Center calls work.
 *
 * @example
 *   const world = await startCspWorld('sqlite');
 *   const fabrikam = world.seedCustomer('fabrikam', { mcaAccepted: false });
 */
export async function startCspWorld(dialect: Dialect, options: { name?: string; env?: Record<string, string>; partnerOptions?: Record<string, unknown>; extraApps?: readonly { clientSecret: string; displayName: string }[]; clock?: Clock; tls?: boolean } = {}): Promise<CspWorld> {
  const name = options.name ?? 'northwindcsp';
  const emulator = await startTrustedEmulator();
  // `tls`: Lanyard on HTTPS with a certificate of the emulator's CA (federating needs an https passiveSignInUri, as Entra does).
  const certificate = options.tls ? await issueServerCertificate(path.dirname(emulator.caCertPath), 'lanyard') : undefined;
  const tlsEnv: Record<string, string> = certificate ? { LANYARD_TLS_CERT_FILE: certificate.certFile, LANYARD_TLS_KEY_FILE: certificate.keyFile } : {};
  const lanyard = await startLanyard(dialect, { LANYARD_MICROSOFT_LOGIN_URL: emulator.baseUrl, LANYARD_PARTNER_CENTER_URL: emulator.baseUrl, LANYARD_GRAPH_URL: emulator.baseUrl, ...tlsEnv, ...options.env }, options.clock ? { clock: options.clock } : {});
  const agentUpn = `agent@${name}.onmicrosoft.com`;
  const partnerTenant = applyTenantSeed(
    emulator.state,
    tenantSchema.parse({
      name,
      apps: [{ clientSecret, displayName: 'Lanyard CSP', redirectUris: [`${lanyard.url}/csp/consent/callback`] }, ...(options.extraApps ?? [])],
      users: [{ userPrincipalName: agentUpn, password: agentPassword }],
    }),
  );
  emulator.state.partnerCenter.catalog = catalogFromSeed(catalogSchema.parse(testCatalog));
  applyPartnerSeed(emulator.state, partnerSchema.parse({ tenant: name, ...options.partnerOptions }));
  await addPartner(lanyard.context, { partner: name, tenantId: partnerTenant.id, clientId: partnerTenant.apps[0]!.clientId, clientSecret, isDefault: true }, 'cli:tester');
  await consentAs(emulator, lanyard, partnerTenant.id, name, agentUpn);

  return {
    emulator,
    lanyard,
    partnerTenant,
    partnerSlug: name,
    agentUpn,
    partner: async () => (await findPartnerBySlug(lanyard.context.db, name))!,
    seedCustomer(customerName, extra = {}) {
      const tenant = applyTenantSeed(emulator.state, tenantSchema.parse({ name: customerName }));
      applyCustomerSeed(emulator.state, customerSchema.parse({ tenant: tenant.id, partner: partnerTenant.id, ...extra }));
      return tenant;
    },
    control: (path, method, body) =>
      fetch(`${emulator.baseUrl}/_emulator${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }),
    async stop() {
      await lanyard.stop();
      await emulator.close();
    },
  };
}

/** The partner admin's consent as a browser does it: authorize URL, sign-in, MFA, consent, Lanyard's callback. */
export async function consentAs(emulator: RunningEmulator, lanyard: RunningLanyard, tenantId: string, partner: string, login: string): Promise<void> {
  const { url } = await startConsent(lanyard.context, partner, 'cli:tester');
  const first = await fetch(url, { redirect: 'manual' });
  const requestId = /name="request" value="([^"]*)"/.exec(await first.text())?.[1] ?? '';
  let page = await postStep(emulator, tenantId, 'credentials', { request: requestId, login, password: agentPassword });
  if (page.html.includes('id="otc"')) page = await postStep(emulator, tenantId, 'second-factor', { request: page.requestId ?? '', otc: '123456' });
  if (page.html.includes('id="accept"')) page = await postStep(emulator, tenantId, 'consent', { request: page.requestId ?? '', decision: 'accept' });
  if (page.status !== 302 || !page.location) throw new Error(`consent: expected the redirect back, got ${page.status}`);
  const back = await fetch(page.location, { headers: { accept: 'text/html' } });
  if (back.status !== 200) throw new Error(`consent callback answered ${back.status}: ${await back.text()}`);
}
