import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { ensurePeriodicJob } from '../../core/jobs/job-store.ts';
import { startConsent } from '../../csp/consent/consent.ts';
import { findPartnerBySlug } from '../../csp/data/partners.ts';
import { tokenRenewalJob } from '../../csp/jobs/token-renewal-job.ts';
import { addPartner, partnerRefreshTokenContext } from '../../csp/partners/partner-admin.ts';
import { partnerStatus, refreshPartnerToken, setRefreshToken } from '../../csp/tokens/partner-tokens.ts';
import type { RunningEmulator } from '../../emulator/start.ts';
import { applyTenantSeed, tenantSchema } from '../../emulator/state/seed.ts';
import { postStep, tokenRequest } from '../emulator/authorize-flow.ts';
import { startTrustedEmulator } from '../emulator/harness.ts';
import { dialects } from '../harness/databases.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { createManualClock } from '../harness/manual-clock.ts';

/**
 * A partner admin's consent end to end over HTTP: Lanyard builds the authorize URL, the test
 * drives the emulator's Entra pages with form posts as a browser would, Entra redirects to
 * Lanyard's /csp/consent/callback, which redeems the code. Then refresh-token rotation, expiry,
 * revocation and the renewal job against the emulator's token endpoint.
 */
describe.each(dialects)('CSP partner consent on %s', (dialect) => {
  let emulator: RunningEmulator;
  let lanyard: RunningLanyard;
  let tenantId: string;
  const password = 'Partner-Passw0rd!';
  const agent = 'agent@cspemu.onmicrosoft.com';
  const noMfa = 'nomfa@cspemu.onmicrosoft.com';
  const secret = 'csp-app-secret~1';

  const control = (path: string, method: string, body?: unknown) =>
    fetch(`${emulator.baseUrl}/_emulator${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });

  /** Opens the authorize URL and goes through sign-in, MFA and consent; returns Entra's redirect back. */
  async function signIn(url: string, login: string, decision: 'accept' | 'cancel' = 'accept'): Promise<string> {
    const first = await fetch(url, { redirect: 'manual' });
    const requestId = /name="request" value="([^"]*)"/.exec(await first.text())?.[1] ?? '';
    let page = await postStep(emulator, tenantId, 'credentials', { request: requestId, login, password });
    if (page.html.includes('id="otc"')) page = await postStep(emulator, tenantId, 'second-factor', { request: page.requestId ?? '', otc: '123456' });
    if (page.html.includes('id="accept"')) page = await postStep(emulator, tenantId, 'consent', { request: page.requestId ?? '', decision });
    if (page.status !== 302 || !page.location) throw new Error(`expected the redirect back, got ${page.status}: ${page.html}`);
    return page.location;
  }
  const callback = async (location: string) => {
    const response = await fetch(location, { headers: { accept: 'text/html' } });
    const html = await response.text();
    return { status: response.status, html, code: /id="error-code">([^<]*)</.exec(html)?.[1] };
  };
  const consent = async (partner: string, login = agent, now?: Date) => callback(await signIn((await startConsent(lanyard.context, partner, 'cli:tester', now)).url, login));
  const storedToken = async (partner: string) => {
    const row = (await findPartnerBySlug(lanyard.context.db, partner))!;
    return row.refreshTokenSealed ? lanyard.context.secretBox.open(row.refreshTokenSealed, partnerRefreshTokenContext(row.id)).toString() : null;
  };

  beforeAll(async () => {
    emulator = await startTrustedEmulator();
    lanyard = await startLanyard(dialect, { LANYARD_MICROSOFT_LOGIN_URL: emulator.baseUrl, LANYARD_PARTNER_CENTER_URL: emulator.baseUrl, LANYARD_GRAPH_URL: emulator.baseUrl });
    const tenant = applyTenantSeed(
      emulator.state,
      tenantSchema.parse({
        name: 'cspemu',
        apps: [{ clientSecret: secret, displayName: 'Lanyard CSP', redirectUris: [`${lanyard.url}/csp/consent/callback`] }],
        users: [
          { userPrincipalName: agent, password },
          { userPrincipalName: noMfa, password, mfaRegistered: false },
        ],
      }),
    );
    tenantId = tenant.id;
    for (const name of ['alpha', 'beta']) {
      await addPartner(lanyard.context, { partner: name, tenantId, clientId: tenant.apps[0]!.clientId, clientSecret: secret, isDefault: name === 'alpha' }, 'cli');
    }
  });
  afterAll(async () => {
    await lanyard?.stop();
    await emulator?.close();
  });

  it('builds the authorize URL with PKCE S256 and a state stored only as its hash', async () => {
    const url = new URL((await startConsent(lanyard.context, 'alpha', 'cli:tester')).url);
    expect(url.pathname).toBe(`/${tenantId}/oauth2/v2.0/authorize`);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe(`${lanyard.url}/csp/consent/callback`);
    expect(url.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['https://api.partnercenter.microsoft.com/user_impersonation', 'offline_access']));
    const state = url.searchParams.get('state')!;
    expect(state.length).toBeGreaterThanOrEqual(43);
    const rows = await lanyard.context.db.selectFrom('cspConsentRequests').selectAll().execute();
    expect(rows.some((row) => row.stateHash === state || row.verifierSealed.includes(state))).toBe(false);
    expect(rows.at(-1)).toMatchObject({ startedBy: 'cli:tester', consumedAt: null });
  });

  it('stores the refresh token of a consent with MFA: state valid', async () => {
    expect((await partnerStatus(lanyard.context.db, 'alpha')).state).toBe('no-consent');
    const page = await consent('alpha');
    expect(page.status, page.html).toBe(200);
    expect(page.html).toContain(agent);
    expect(await partnerStatus(lanyard.context.db, 'alpha')).toMatchObject({ state: 'valid', consentUpn: agent, code: null });
    expect(await storedToken('alpha')).toBeTruthy();
    const actions = (await listAuditEvents(lanyard.context.db, {})).map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['csp.consent.start', 'csp.consent.complete']));
  });

  it('refuses a consent request used twice or after its 10 minutes', async () => {
    const location = await signIn((await startConsent(lanyard.context, 'alpha', 'cli:tester')).url, agent);
    expect((await callback(location)).status).toBe(200);
    expect(await callback(location)).toMatchObject({ status: 400, code: 'CSP_CONSENT_INVALID' });
    const late = await consent('alpha', agent, new Date(Date.now() - 11 * 60_000));
    expect(late).toMatchObject({ status: 400, code: 'CSP_CONSENT_INVALID' });
  });

  it('refuses a consent without MFA: nothing stored, state mfa-missing, a page saying what to do', async () => {
    const page = await consent('beta', noMfa);
    expect(page).toMatchObject({ status: 403, code: 'CSP_MFA_MISSING' });
    expect(page.html).toContain('Register MFA');
    expect(await storedToken('beta')).toBeNull();
    expect(await partnerStatus(lanyard.context.db, 'beta')).toMatchObject({ state: 'mfa-missing', code: 'CSP_MFA_MISSING' });
    expect((await listAuditEvents(lanyard.context.db, {})).some((event) => event.action === 'csp.consent.refuse' && event.reason === 'CSP_MFA_MISSING')).toBe(true);
  });

  it('shows Entra\'s refusal when the admin cancels the consent', async () => {
    const { url } = await startConsent(lanyard.context, 'beta', 'cli:tester');
    const consentUrl = new URL(url);
    consentUrl.searchParams.set('prompt', 'consent');
    const page = await callback(await signIn(consentUrl.toString(), agent, 'cancel'));
    expect(page).toMatchObject({ status: 400, code: 'CSP_CONSENT_DENIED' });
    expect(page.html).toContain('AADSTS65004');
  });

  it('rotates the refresh token on refresh: the old one is refused by Entra afterwards', async () => {
    const before = (await storedToken('alpha'))!;
    const status = await refreshPartnerToken(lanyard.context, 'alpha', 'cli:tester');
    expect(status.state).toBe('valid');
    const after = await storedToken('alpha');
    expect(after).not.toBe(before);
    const reuse = await tokenRequest(emulator, tenantId, { grant_type: 'refresh_token', refresh_token: before, client_id: (await findPartnerBySlug(lanyard.context.db, 'alpha'))!.clientId, client_secret: secret, scope: 'https://api.partnercenter.microsoft.com/user_impersonation offline_access' });
    expect(reuse.status).toBe(400);
    expect(String(reuse.body.error_description)).toContain('AADSTS70000');
  });

  it('takes a refresh token given by hand after redeeming it once, and the renewal job renews a stale one', async () => {
    // alpha's token is handed to beta (the same app): beta redeems it, alpha's copy is now spent.
    const token = (await storedToken('alpha'))!;
    expect((await setRefreshToken(lanyard.context, 'beta', token, 'cli:tester')).state).toBe('valid');
    const handed = await storedToken('beta');
    expect(handed).not.toBe(token);

    const lastUsed = new Date((await findPartnerBySlug(lanyard.context.db, 'beta'))!.refreshTokenLastUsedAt!);
    const clock = createManualClock(new Date(lastUsed.getTime() + 31 * 86_400_000));
    const job = tokenRenewalJob({ db: lanyard.context.db, secretBox: lanyard.context.secretBox, clock, renewalDays: 30, config: lanyard.context.config });
    const result = (await job.run(undefined, { id: 'j', attempt: 1, signal: new AbortController().signal })) as { renewed: string[]; failed: { partner: string; code: string }[] };
    expect(result.renewed).toEqual(['beta']);
    // alpha's copy was spent by beta: Entra refuses it, recorded on alpha.
    expect(result.failed).toEqual([{ partner: 'alpha', code: 'AADSTS70000' }]);
    expect(await storedToken('beta')).not.toBe(handed);
    expect((await partnerStatus(lanyard.context.db, 'beta', clock.now())).state).toBe('valid');
    expect((await partnerStatus(lanyard.context.db, 'beta', new Date(clock.now().getTime() + 61 * 86_400_000))).state).toBe('expiring');
  });

  it('reports an expired and a revoked refresh token with the AADSTS code', async () => {
    expect((await consent('alpha')).status).toBe(200);
    await control(`/tenants/${tenantId}/users/${agent}/expire-refresh-tokens`, 'POST');
    await expect(refreshPartnerToken(lanyard.context, 'alpha', 'cli:tester')).rejects.toMatchObject({ code: 'CSP_TOKEN_REFUSED', details: { aadsts: 'AADSTS700082', state: 'expired' } });
    expect(await partnerStatus(lanyard.context.db, 'alpha')).toMatchObject({ state: 'expired', code: 'AADSTS700082' });
    expect(await storedToken('alpha')).toBeNull();
    await expect(refreshPartnerToken(lanyard.context, 'alpha', 'cli:tester')).rejects.toMatchObject({ code: 'CSP_NO_REFRESH_TOKEN' });

    expect((await consent('alpha')).status).toBe(200);
    expect((await control(`/tenants/${tenantId}/users/${agent}/revoke-sign-in-sessions`, 'POST')).ok).toBe(true);
    await expect(refreshPartnerToken(lanyard.context, 'alpha', 'cli:tester')).rejects.toMatchObject({ code: 'CSP_TOKEN_REFUSED', details: { aadsts: 'AADSTS50173', state: 'revoked' } });
    expect(await partnerStatus(lanyard.context.db, 'alpha')).toMatchObject({ state: 'revoked', code: 'AADSTS50173', remediation: expect.stringContaining('consent') });
  });

  it('registers the renewal job with the runner, which leases it and records its result', async () => {
    await ensurePeriodicJob(lanyard.context.db, 'csp.token-renewal', new Date());
    expect(await lanyard.server.jobs.runDue()).toBeGreaterThanOrEqual(1);
    const row = await lanyard.context.db.selectFrom('jobs').selectAll().where('kind', '=', 'csp.token-renewal').executeTakeFirstOrThrow();
    // Every token was used just now: nothing is due, and the periodic row waits for its next run.
    // alpha's token was revoked since its admins were last told (a new consent in between made it valid): told again, once.
    expect([row.state, JSON.parse(row.result ?? 'null')]).toEqual([
      'queued',
      { renewed: [], failed: [], renewedCustomers: [], failedCustomers: [], notices: [{ partner: 'alpha', state: 'revoked', mailedTo: [], mailError: 'no SMTP server configured (LANYARD_SMTP_URL)' }] },
    ]);
  });
});
