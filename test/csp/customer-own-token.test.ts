import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { isLanyardError } from '../../core/errors.ts';
import { checkCustomerAccess, customerAccessStatus, removeCustomerToken } from '../../csp/access/customer-access-admin.ts';
import { completeCustomerConsentCallback, createConsentInvitation } from '../../csp/access/customer-consent.ts';
import { importCustomers } from '../../csp/customers/import-customers.ts';
import { findCustomerToken } from '../../csp/data/customer-tokens.ts';
import { findCustomerByRef } from '../../csp/data/customers.ts';
import { openCustomerGraph } from '../../csp/graph/open-customer-graph.ts';
import { tokenRenewalJob } from '../../csp/jobs/token-renewal-job.ts';
import { customerRefreshTokenContext, customerTokenStatusOf } from '../../csp/tokens/customer-tokens.ts';
import { noticeCustomerTokenState } from '../../csp/tokens/token-notices.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { tokenRequest } from '../emulator/authorize-flow.ts';
import { runCli } from '../harness/cli.ts';
import { createManualClock } from '../harness/manual-clock.ts';
import { startCspWorld, type CspWorld } from './csp-harness.ts';
import { allowCustomerConsentRedirect, openPage, signInThroughWizard } from './customer-consent-driver.ts';
import { customerTenant } from './customer-tenants.ts';

const dayMs = 86_400_000;

/**
 * A customer's own refresh token against the emulator: the wizard and Entra's authorization-code
 * flow with PKCE at the customer's tenant, with and without MFA, the wrong tenant, a replayed or
 * late callback, Graph calls that use the customer's token (the partner's has no consent there),
 * rotation stored, the renewal job, every refusal recorded with its state, and local removal.
 */
describe('CSP customer own token', () => {
  let world: CspWorld;
  let fabrikam: Tenant;
  let tailspin: Tenant;
  const deps = () => ({ db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock: systemClock, config: world.lanyard.context.config });
  const customer = async (name: string) => (await findCustomerByRef(world.lanyard.context.db, `${name}.onmicrosoft.com`))!;
  const ownToken = async (name: string) => {
    const row = await findCustomerToken(world.lanyard.context.db, (await customer(name)).id);
    return row?.refreshTokenSealed ? world.lanyard.context.secretBox.open(row.refreshTokenSealed, customerRefreshTokenContext(row.customerId)).toString('utf8') : null;
  };
  const consent = async (name: string, tenant: Tenant, options: { signInTenant?: Tenant; login?: string } = {}) => {
    const invitation = await createConsentInvitation(deps(), `${name}.onmicrosoft.com`, 'test');
    const location = await signInThroughWizard(world, invitation.url, { tenant, login: options.login ?? `admin@${name}.onmicrosoft.com`, ...(options.signInTenant ? { signInTenant: options.signInTenant } : {}) });
    return { invitation, location, page: await openPage(location) };
  };

  beforeAll(async () => {
    world = await startCspWorld('sqlite');
    allowCustomerConsentRedirect(world);
    // No consent of the partner app in these tenants: the partner's token cannot reach them (AADSTS7000229).
    fabrikam = customerTenant(world, 'fabtok', { scopes: [] });
    tailspin = customerTenant(world, 'tailtok', { scopes: [] });
    await importCustomers({ ...deps(), config: world.lanyard.context.config }, world.partnerSlug, { dryRun: false }, 'test');
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('the wizard explains who asks for what and why; a made-up link is CSP_CONSENT_INVALID', async () => {
    const invitation = await createConsentInvitation(deps(), 'fabtok.onmicrosoft.com', 'test');
    const wizard = await openPage(invitation.url);
    expect(wizard.status).toBe(200);
    expect(wizard.html).toContain(world.partnerSlug);
    expect(wizard.html).toContain('User.ReadWrite.All');
    expect(wizard.html).toContain('offline_access');
    expect(wizard.html).not.toMatch(/<script(?! nonce)/);
    const rows = await world.lanyard.context.db.selectFrom('cspCustomerConsents').selectAll().execute();
    const token = invitation.url.split('/').pop()!;
    expect(rows.some((row) => row.invitationHash === token)).toBe(false);
    expect((await openPage(`${world.lanyard.url}/csp/customer-consent/wizard/made-up`)).code).toBe('CSP_CONSENT_INVALID');
  });

  it('before a consent, the partner token is used and its refusal names the partner token', async () => {
    const result = await checkCustomerAccess(deps(), 'fabtok.onmicrosoft.com', { validate: false }, 'test');
    expect(result).toMatchObject({ ok: false, tokenSource: 'partner', code: 'AADSTS7000229' });
    expect(result.message).toContain(`partner ${world.partnerSlug}'s refresh token`);
    expect((await customerAccessStatus(deps(), 'fabtok.onmicrosoft.com')).token).toMatchObject({ state: 'no-consent', code: null });
  });

  it('a consent with MFA stores the customer token; Graph in that tenant then uses it', async () => {
    const { page, location, invitation } = await consent('fabtok', fabrikam);
    expect(page.status, page.html).toBe(200);
    expect(page.html).toContain('Consent recorded');
    expect(await ownToken('fabtok')).toBeTruthy();
    const status = await customerAccessStatus(deps(), 'fabtok.onmicrosoft.com');
    expect(status).toMatchObject({ tokenSource: 'customer', token: { state: 'valid', storage: 'database', consentUpn: 'admin@fabtok.onmicrosoft.com' } });
    const graph = await openCustomerGraph(deps(), await customer('fabtok'));
    const domains = await graph.all<{ id: string }>('/domains');
    expect(domains.map((domain) => domain.id)).toContain('fabtok.example');
    const actions = (await listAuditEvents(world.lanyard.context.db, {})).map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['csp.customer-consent.start', 'csp.customer-consent.complete', 'csp.customer.own-token']));
    // The same callback again, and the spent wizard link: refused.
    expect((await openPage(location)).code).toBe('CSP_CONSENT_INVALID');
    expect((await openPage(invitation.url)).code).toBe('CSP_CONSENT_INVALID');
  });

  it('refresh rotates the token and stores the new one; Entra refuses the old one', async () => {
    const before = (await ownToken('fabtok'))!;
    const result = await checkCustomerAccess(deps(), 'fabtok.onmicrosoft.com', { validate: true }, 'test');
    expect(result).toMatchObject({ ok: true, tokenSource: 'customer', step: 'graph' });
    const after = await ownToken('fabtok');
    expect(after).not.toBe(before);
    const reuse = await tokenRequest(world.emulator, fabrikam.id, { grant_type: 'refresh_token', refresh_token: before, client_id: world.partnerTenant.apps[0]!.clientId, client_secret: 'csp-app-secret~1', scope: 'https://graph.microsoft.com/.default offline_access' });
    expect(String(reuse.body.error_description)).toContain('AADSTS70000');
    expect((await findCustomerToken(world.lanyard.context.db, (await customer('fabtok')).id))!.refreshTokenRotatedAt).not.toBeNull();
  });

  it('the renewal job renews a customer token idle past the window, and status computes expiring / expired', async () => {
    const row = (await findCustomerToken(world.lanyard.context.db, (await customer('fabtok')).id))!;
    const lastUsed = new Date(row.refreshTokenLastUsedAt!);
    expect(customerTokenStatusOf(await customer('fabtok'), row, new Date(lastUsed.getTime() + 61 * dayMs))).toMatchObject({ state: 'expiring', remediation: expect.stringContaining('access fabtok.onmicrosoft.com refresh') });
    expect(customerTokenStatusOf(await customer('fabtok'), row, new Date(lastUsed.getTime() + 90 * dayMs))).toMatchObject({ state: 'expired', code: 'AADSTS700082' });
    const clock = createManualClock(new Date(lastUsed.getTime() + 31 * dayMs));
    const job = tokenRenewalJob({ db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock, renewalDays: 30, config: world.lanyard.context.config });
    const outcome = (await job.run({}, { signal: new AbortController().signal } as never)) as { renewedCustomers: string[] };
    expect(outcome.renewedCustomers).toEqual(['fabtok.onmicrosoft.com']);
    expect((await findCustomerToken(world.lanyard.context.db, row.customerId))!.refreshTokenLastUsedAt).toBe(clock.now().toISOString());
  });

  it('a consent without MFA stores nothing: mfa-missing with what to do', async () => {
    await world.control(`/tenants/${tailspin.id}/users/admin@tailtok.onmicrosoft.com/sign-in-policy`, 'PATCH', { mfaRegistered: false });
    const { page } = await consent('tailtok', tailspin);
    expect(page).toMatchObject({ status: 403, code: 'CSP_MFA_MISSING' });
    expect(await ownToken('tailtok')).toBeNull();
    const status = await customerAccessStatus(deps(), 'tailtok.onmicrosoft.com');
    expect(status).toMatchObject({ tokenSource: 'partner', token: { state: 'mfa-missing', code: 'CSP_MFA_MISSING', remediation: expect.stringContaining('registers MFA') } });
  });

  it('Conditional Access requiring MFA refuses the code (AADSTS50076), recorded as mfa-missing', async () => {
    await world.control(`/tenants/${tailspin.id}/users/admin@tailtok.onmicrosoft.com/sign-in-policy`, 'PATCH', { conditionalAccessRequiresMfa: true });
    const { page } = await consent('tailtok', tailspin);
    expect(page).toMatchObject({ status: 502, code: 'CSP_TOKEN_REFUSED' });
    expect(page.html, page.html).toContain('AADSTS50076');
    expect((await customerAccessStatus(deps(), 'tailtok.onmicrosoft.com')).token).toMatchObject({ state: 'mfa-missing', code: 'AADSTS50076' });
    await world.control(`/tenants/${tailspin.id}/users/admin@tailtok.onmicrosoft.com/sign-in-policy`, 'PATCH', { conditionalAccessRequiresMfa: false, mfaRegistered: true });
  });

  it("an admin of another tenant cannot give tailtok's consent: CSP_CONSENT_WRONG_TENANT, nothing stored", async () => {
    const { page } = await consent('tailtok', tailspin, { signInTenant: fabrikam, login: 'admin@fabtok.onmicrosoft.com' });
    expect(page).toMatchObject({ status: 403, code: 'CSP_CONSENT_WRONG_TENANT' });
    expect(await ownToken('tailtok')).toBeNull();
  });

  it('a callback after the attempt\'s 10 minutes is CSP_CONSENT_INVALID and stores nothing', async () => {
    const invitation = await createConsentInvitation(deps(), 'tailtok.onmicrosoft.com', 'test');
    const location = new URL(await signInThroughWizard(world, invitation.url, { tenant: tailspin, login: 'admin@tailtok.onmicrosoft.com' }));
    const late = { ...deps(), clock: createManualClock(new Date(Date.now() + 11 * 60_000)) };
    const refusal = await completeCustomerConsentCallback(late, { code: location.searchParams.get('code')!, state: location.searchParams.get('state')! }).catch((error: unknown) => error);
    expect(isLanyardError(refusal, 'CSP_CONSENT_INVALID')).toBe(true);
    expect(await ownToken('tailtok')).toBeNull();
  });

  it('Entra refusals of the customer token are recorded on it: 65001 no-consent, 700082 expired (dropped), noticed once', async () => {
    const { page } = await consent('tailtok', tailspin);
    expect(page.status, page.html).toBe(200);
    const clientId = world.partnerTenant.apps[0]!.clientId;
    await world.control(`/tenants/${tailspin.id}/consents/${clientId}`, 'DELETE');
    const withdrawn = await checkCustomerAccess(deps(), 'tailtok.onmicrosoft.com', { validate: false }, 'test');
    expect(withdrawn).toMatchObject({ ok: false, tokenSource: 'customer', code: 'AADSTS65001' });
    expect(withdrawn.message).toContain("tailtok.onmicrosoft.com's own refresh token");
    const tailtok = await customer('tailtok');
    expect((await customerAccessStatus(deps(), 'tailtok.onmicrosoft.com')).token).toMatchObject({ state: 'no-consent', code: 'AADSTS65001' });
    const notice = await noticeCustomerTokenState({ db: world.lanyard.context.db, config: { smtp: undefined } }, tailtok.id, new Date());
    expect(notice).toMatchObject({ customer: 'tailtok.onmicrosoft.com', state: 'no-consent', mailError: expect.stringContaining('SMTP') });
    expect(await noticeCustomerTokenState({ db: world.lanyard.context.db, config: { smtp: undefined } }, tailtok.id, new Date())).toBeNull();

    expect((await consent('tailtok', tailspin)).page.status).toBe(200);
    await world.control(`/tenants/${tailspin.id}/users/admin@tailtok.onmicrosoft.com/expire-refresh-tokens`, 'POST');
    const expired = await checkCustomerAccess(deps(), 'tailtok.onmicrosoft.com', { validate: false }, 'test');
    expect(expired).toMatchObject({ ok: false, code: 'AADSTS700082' });
    expect(await findCustomerToken(world.lanyard.context.db, tailtok.id)).toMatchObject({ tokenState: 'expired', refreshTokenSealed: null });
    // Without a token of its own, tailtok is reached with the partner's token again.
    expect((await customerAccessStatus(deps(), 'tailtok.onmicrosoft.com')).tokenSource).toBe('partner');
  });

  it('a code redeemed after its 10 minutes at Entra is AADSTS70008, shown on the page; the stored token is untouched', async () => {
    const invitation = await createConsentInvitation(deps(), 'fabtok.onmicrosoft.com', 'test');
    const location = await signInThroughWizard(world, invitation.url, { tenant: fabrikam, login: 'admin@fabtok.onmicrosoft.com' });
    const before = await findCustomerToken(world.lanyard.context.db, (await customer('fabtok')).id);
    await world.control('/clock', 'POST', { advanceSeconds: 11 * 60 });
    const page = await openPage(location);
    expect(page).toMatchObject({ status: 502, code: 'CSP_TOKEN_REFUSED' });
    expect(page.html).toContain('AADSTS70008');
    expect(await findCustomerToken(world.lanyard.context.db, (await customer('fabtok')).id)).toEqual(before);
  });

  it('CLI: status shows the customer token, consent-link --wizard prints the wizard, remove-token forgets it', async () => {
    const env = { ...world.lanyard.env, NODE_EXTRA_CA_CERTS: world.emulator.caCertPath };
    const status = await runCli(['csp', 'customer', 'access', 'fabtok.onmicrosoft.com', 'status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.json()).toMatchObject({ tokenSource: 'customer', token: { state: 'valid', customer: 'fabtok.onmicrosoft.com' } });
    const link = await runCli(['csp', 'customer', 'access', 'fabtok.onmicrosoft.com', 'consent-link', '--wizard', '--json'], env);
    expect(link.json()).toMatchObject({ url: expect.stringContaining('/csp/customer-consent/wizard/') });
    const removed = await runCli(['csp', 'customer', 'access', 'fabtok.onmicrosoft.com', 'remove-token', '--json'], env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.json()).toMatchObject({ removed: true, tokenSource: 'partner' });
    expect((await customerAccessStatus(deps(), 'fabtok.onmicrosoft.com')).tokenSource).toBe('partner');
    const again = await removeCustomerToken(deps(), 'fabtok.onmicrosoft.com', 'test').catch((error: unknown) => error);
    expect(isLanyardError(again, 'CSP_NO_REFRESH_TOKEN')).toBe(true);
  });
});
