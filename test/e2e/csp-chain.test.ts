import { Resolver } from 'node:dns/promises';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPartner } from '../../csp/partners/partner-admin.ts';
import { applyPartnerSeed, catalogFromSeed, catalogSchema, partnerSchema } from '../../emulator/partner-center/seed.ts';
import { applyTenantSeed, tenantSchema } from '../../emulator/state/seed.ts';
import { businessBasic, businessBasicSkuId, consentAs, testCatalog } from '../csp/csp-harness.ts';
import { runCli } from '../harness/cli.ts';
import { startPowerDns, type PowerDnsServer } from '../harness/powerdns.ts';
import { launchChromium, newPage, signInThroughBrowser } from './browser.ts';
import { startFederationStack, type FederationStack } from './federation-stack.ts';

/**
 * Issue 12's chain, from purchase to single sign-on, each step as a partner runs it: the `lanyard`
 * CLI as separate processes on the same database as a Lanyard server on HTTPS, the emulator's Entra,
 * Graph and Partner Center, a real PowerDNS (`pdns_server`) that both Lanyard writes to and the
 * emulator resolves through, and Debian's Chromium for the sign-in.
 *
 *   org create → csp customer create --org → accept-agreement → subscription order (Business Basic)
 *   → csp domain add --federate (TXT written to PowerDNS, verified by the emulator through PowerDNS,
 *   service records written, federated through the partner's delegated access) → user add + mfa
 *   enroll → licences set-default + org set-usage-location → users export (delegated access)
 *   → Microsoft 365 sign-in page → home realm discovery → Lanyard → password → TOTP → login.srf.
 *
 * Step 3 is Partner Center's application consent for the partner's app in the new customer's
 * tenant (`lanyard csp customer consent-app`); before it, the customer-tenant token is refused with
 * AADSTS7000229, which the test checks first, so the step is shown to be needed.
 */
const partnerSlug = 'northwindcsp';
const agentUpn = `agent@${partnerSlug}.onmicrosoft.com`;
const prefix = 'chainco';
const customerDomain = `${prefix}.onmicrosoft.com`;
const ownDomain = `${prefix}.test`;
const upn = `ada@${ownDomain}`;
const password = 'a long chain passphrase';
/** What Lanyard's delegated Graph calls need in the customer tenant: domains, federation, users, licences, the pre-flight's role read. */

let pdns: PowerDnsServer;
let stack: FederationStack;
let browser: Browser;
let env: Record<string, string>;
let partnerAppId: string;
const cli = async (args: string[], stdin?: string) => {
  const result = await runCli([...args, '--json'], env, stdin);
  expect(result.code, `lanyard ${args.join(' ')}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.json();
};

beforeAll(async () => {
  pdns = await startPowerDns();
  [stack, browser] = await Promise.all([
    startFederationStack({
      env: {
        LANYARD_DNS_PROVIDER: 'powerdns',
        LANYARD_POWERDNS_URL: pdns.apiUrl,
        LANYARD_POWERDNS_API_KEY: pdns.apiKey,
        LANYARD_DNS_RESOLVERS: pdns.dnsServer,
      },
    }),
    launchChromium(),
  ]);
  const { emulator, lanyard } = stack;
  // The emulator resolves TXT records through the test's PowerDNS, so "verified" means "in DNS".
  await controlCall('/dns-server', 'PUT', { server: pdns.dnsServer });
  env = { ...lanyard.env, NODE_EXTRA_CA_CERTS: emulator.caCertPath };

  // The partner (its own tenant, Partner Center account with the test catalog) and its admin agent's
  // consent with MFA, as test/csp/csp-harness.ts does for the CSP tests, on this HTTPS Lanyard.
  const partnerTenant = applyTenantSeed(
    emulator.state,
    tenantSchema.parse({
      name: partnerSlug,
      apps: [{ clientSecret: 'csp-app-secret~1', displayName: 'Lanyard CSP', redirectUris: [`${lanyard.url}/csp/consent/callback`] }],
      users: [{ userPrincipalName: agentUpn, password: 'Partner-Passw0rd!' }],
    }),
  );
  emulator.state.partnerCenter.catalog = catalogFromSeed(catalogSchema.parse(testCatalog));
  applyPartnerSeed(emulator.state, partnerSchema.parse({ tenant: partnerSlug }));
  partnerAppId = partnerTenant.apps[0]!.clientId;
  await addPartner(lanyard.context, { partner: partnerSlug, tenantId: partnerTenant.id, clientId: partnerAppId, clientSecret: 'csp-app-secret~1', isDefault: true }, 'cli:tester');
  await consentAs(emulator, lanyard, partnerTenant.id, partnerSlug, agentUpn);
  await pdns.createZone(ownDomain);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  await pdns?.stop();
});

function controlCall(path: string, method: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.emulator.baseUrl}/_emulator${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }).then((response) => {
    expect(response.status, `${method} /_emulator${path}`).toBeLessThan(300);
    return response;
  });
}

describe('from order to sign-in', () => {
  it('orders, adds and verifies the domain through PowerDNS, federates, exports Ada with the default licence, and signs her in with password and TOTP', { timeout: 240_000 }, async () => {
    const { emulator, lanyard } = stack;

    // 1. The organization and the customer, created in Partner Center and linked to it.
    await cli(['org', 'create', 'chain', '--name', 'Chain Co']);
    const created = await cli(['csp', 'customer', 'create', partnerSlug, '--company', 'Chain Co', '--domain-prefix', prefix, '--email', 'it@chainco.example', '--country', 'US', '--first-name', 'Ada', '--last-name', 'Lovelace', '--address', '1 Main St', '--city', 'Springfield', '--postal-code', '12345', '--state', 'IL', '--org', 'chain']);
    expect(created.customer).toMatchObject({ domain: customerDomain, organization: 'chain', source: 'created' });
    const tenantId: string = created.customer.tenantId;
    const tenant = emulator.state.tenants.get(tenantId)!;
    expect(tenant.users.byPrincipalName(`admin@${customerDomain}`)).toBeDefined();

    // 2. The Microsoft Customer Agreement, then the order: the licences appear in the tenant.
    const agreement = await cli(['csp', 'customer', 'accept-agreement', customerDomain, '--first-name', 'Ada', '--last-name', 'Lovelace', '--email', 'ada@chainco.example']);
    expect(agreement).toMatchObject({ tenantId, alreadyAccepted: false });
    const subscription = await cli(['csp', 'subscription', 'order', customerDomain, '--offer', businessBasic, '--quantity', '5']);
    expect(subscription).toMatchObject({ offerId: businessBasic, quantity: 5, status: 'active' });
    expect(tenant.skus.get(businessBasicSkuId)).toMatchObject({ skuPartNumber: 'O365_BUSINESS_ESSENTIALS' });

    // 3. The partner app consented in the customer tenant. Without it the customer-tenant token is
    //    refused, naming the customer, and nothing is recorded.
    const refused = await runCli(['csp', 'domain', 'add', customerDomain, ownDomain, '--json'], env);
    expect(refused.code, refused.stdout).toBe(1);
    expect(refused.stderr + refused.stdout).toContain('CSP_TOKEN_REFUSED');
    expect(refused.stderr + refused.stdout).toContain('AADSTS7000229');
    // The refusal concerns that one customer: nothing recorded for the domain, the partner's token still valid.
    expect(await cli(['csp', 'domain', 'list', customerDomain])).toEqual([]);
    expect(await cli(['csp', 'partner', 'status', partnerSlug])).toMatchObject({ state: 'valid' });
    expect(await cli(['csp', 'customer', 'consent-app', customerDomain])).toMatchObject({ tenantId });

    // 4. The domain: added to the tenant, TXT written to PowerDNS, verified by the emulator through
    //    PowerDNS, service records written, then federated, all through the partner's delegated access.
    const domain = await cli(['csp', 'domain', 'add', customerDomain, ownDomain, '--federate']);
    expect(domain).toMatchObject({ domain: ownDomain, state: 'verified', hostedZone: ownDomain });
    expect(domain.federation).toMatchObject({ domain: ownDomain, protocol: 'wsfed', mfaBehavior: 'enforce' });
    expect(tenant.domains.get(ownDomain)).toMatchObject({ isVerified: true, authenticationType: 'Federated' });
    const resolver = new Resolver();
    resolver.setServers([pdns.dnsServer]);
    const txt = await resolver.resolveTxt(ownDomain);
    expect(txt.flat()).toEqual(expect.arrayContaining([expect.stringMatching(/^MS=ms\d+/)]));

    // 5. Ada in Lanyard (password, TOTP), exported with the organization's default licence.
    await cli(['user', 'add', upn, '--name', 'Ada Lovelace', '--password-stdin'], password);
    const { secret } = await cli(['user', 'mfa', 'enroll', upn]);
    await cli(['licences', 'set-default', 'chain', 'O365_BUSINESS_ESSENTIALS']);
    await cli(['org', 'set-usage-location', 'chain', 'US']);
    const exported = await cli(['users', 'export', 'chain']);
    expect(exported.run).toMatchObject({ kind: 'export', status: 'completed', counts: { created: 1 } });
    const tenantUser = tenant.users.byPrincipalName(upn)!;
    expect(tenantUser).toBeDefined();
    expect([...tenantUser.assignedLicenses].map((licence) => licence.skuId)).toEqual([businessBasicSkuId]);

    // 6. Ada signs in to Microsoft 365 in Chromium: the emulator's sign-in page, home realm
    //    discovery to Lanyard, password, TOTP, and the emulator accepts Lanyard's token with MFA.
    const page = await newPage(browser);
    const outcome = await signInThroughBrowser(page, { emulatorUrl: emulator.baseUrl, lanyardUrl: lanyard.url, upn, password, totpSecret: secret, screenshots: 'csp-chain' });
    expect(outcome).toEqual({ signedInUpn: upn, mfaSatisfied: 'true', protocol: 'wsFed' });
    const signIns = emulator.state.signIns.filter((signIn) => signIn.userPrincipalName === upn);
    expect(signIns).toHaveLength(1);
    expect(signIns[0]).toMatchObject({ issuer: `${lanyard.url}/federation/${ownDomain}`, mfaSatisfiedByFederatedIdp: true });
    await page.context().close();
  });
});
