import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAuditEvent } from '../../core/db/audit-events.ts';
import { markDomainFederated } from '../../core/db/domain-federations.ts';
import { findDomainByName } from '../../core/db/domains.ts';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import type { Organization } from '../../core/db/schema.ts';
import { addDomain } from '../../idp/accounts/domains.ts';
import { createOrganization } from '../../idp/accounts/organizations.ts';
import { addUser, setUserEnabled } from '../../idp/accounts/users.ts';
import { auditCsv, queryAudit } from '../../portal/views/audit.ts';
import { organizationOverview } from '../../portal/views/organization-overview.ts';
import { searchUsers } from '../../portal/views/users.ts';
import { insertCustomer } from '../../csp/data/customers.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import { saveTenantConnection } from '../../provisioning/data/tenant-connections.ts';
import { testPartner } from '../csp/partner-fixture.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';

/** The functions behind the portal's pages and JSON, on SQLite and PostgreSQL. */
describe.each(dialects)('portal views on %s', (dialect) => {
  let database: TestDatabase;
  let contoso: Organization;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const db = database.db;
    for (const slug of ['contoso', 'fabrikam']) {
      await createOrganization(db, { slug, name: `${slug} Ltd`, mfaPolicy: 'required' }, 'test');
      await addDomain(db, 'https://idp.example.com', { organization: slug, name: `${slug}.com` }, 'test');
    }
    contoso = (await findOrganizationBySlug(db, 'contoso'))!;
    for (let i = 0; i < 30; i++) await addUser(db, { upn: `user${String(i).padStart(2, '0')}@contoso.com`, displayName: `Person ${i}` }, { actor: 'test', passwordHashCost: 10 });
    await addUser(db, { upn: 'under_score@contoso.com', displayName: 'Ünder Score' }, { actor: 'test', passwordHashCost: 10 });
    await addUser(db, { upn: 'other@fabrikam.com' }, { actor: 'test', passwordHashCost: 10 });
    await setUserEnabled(db, 'user03@contoso.com', false, 'user:alice@contoso.com');
    const at = (minute: number) => new Date(Date.UTC(2026, 2, 1, 10, minute));
    await recordAuditEvent(db, { actor: 'user:alice@contoso.com', action: 'user.disable', target: 'user04@contoso.com', outcome: 'success' }, at(1));
    await recordAuditEvent(db, { actor: 'cli', action: 'org.mfa-policy', target: 'contoso', outcome: 'success' }, at(2));
    await recordAuditEvent(db, { actor: 'user:other@fabrikam.com', action: 'signin.password', target: 'other@fabrikam.com', outcome: 'failure', reason: 'INVALID_CREDENTIALS' }, at(3));
    await recordAuditEvent(db, { actor: 'user:=HYPERLINK("x")@contoso.com', action: 'signin.password', target: '=cmd|"/c calc"!A1', outcome: 'failure' }, at(4));
    const domain = (await findDomainByName(db, 'contoso.com'))!;
    await markDomainFederated(db, { domainId: domain.id, organizationId: contoso.id, tenantId: '44444444-4444-4444-4444-444444444444' });
  });
  afterAll(async () => {
    await database.drop();
  });

  it('pages users by UPN and searches UPN and name, with LIKE wildcards taken literally', async () => {
    const first = await searchUsers(database.db, contoso, {});
    expect(first.users).toHaveLength(25);
    const second = await searchUsers(database.db, contoso, { after: first.next! });
    // under_score@ sorts first, so page one ends at user23.
    expect(second.users.map((u) => u.upn)).toEqual(['user24@contoso.com', 'user25@contoso.com', 'user26@contoso.com', 'user27@contoso.com', 'user28@contoso.com', 'user29@contoso.com']);
    expect(second.next).toBeNull();
    expect((await searchUsers(database.db, contoso, { search: '_' })).users.map((u) => u.upn)).toEqual(['under_score@contoso.com']);
    expect((await searchUsers(database.db, contoso, { search: '%' })).users).toEqual([]);
    expect((await searchUsers(database.db, contoso, { search: 'PERSON 1' })).users.map((u) => u.upn)).toContain('user10@contoso.com');
    expect((await searchUsers(database.db, contoso, { search: 'fabrikam' })).users).toEqual([]);
  });

  it('scopes the audit log to the organization, filters it, and pages it', async () => {
    const scope = { kind: 'organization', organization: contoso } as const;
    const all = await queryAudit(database.db, scope, {});
    expect(all.events.some((e) => e.target === 'other@fabrikam.com')).toBe(false);
    expect(all.events.some((e) => e.target === 'contoso')).toBe(true);
    const disables = await queryAudit(database.db, scope, { actor: 'alice@', action: 'user.disable' });
    expect(disables.events.map((e) => e.target).sort()).toEqual(['user03@contoso.com', 'user04@contoso.com']);
    const window = await queryAudit(database.db, scope, { from: '2026-03-01T10:01', to: '2026-03-01T10:03' });
    expect(window.events.map((e) => e.action)).toEqual(['org.mfa-policy', 'user.disable']);
    const hour = { from: '2026-03-01T10:00', to: '2026-03-01T11:00' };
    const pageOne = await queryAudit(database.db, scope, hour, 1);
    const pageTwo = await queryAudit(database.db, scope, { ...hour, before: pageOne.next! }, 1);
    expect([pageOne.events[0]!.action, pageTwo.events[0]!.action]).toEqual(['signin.password', 'org.mfa-policy']);
    expect((await queryAudit(database.db, { kind: 'installation' }, {})).events.some((e) => e.target === 'other@fabrikam.com')).toBe(true);
  });

  it('exports CSV with quoting, and makes formula cells inert', async () => {
    const { events } = await queryAudit(database.db, { kind: 'organization', organization: contoso }, { action: 'signin' });
    const csv = auditCsv(events);
    expect(csv).toContain(`"'=cmd|""/c calc""!A1"`);
    expect(csv).toContain(`"user:=HYPERLINK(""x"")@contoso.com"`);
  });

  it('counts the overview from the repositories', async () => {
    const view = await organizationOverview(database.db, contoso, new Date());
    expect(view.users).toEqual({ total: 31, active: 30, disabled: 1, pending: 0 });
    expect(view.domains).toEqual([expect.objectContaining({ name: 'contoso.com', federated: true, tenantId: '44444444-4444-4444-4444-444444444444' })]);
    expect(view.agents).toEqual([]);
    expect(view.lastRun).toBeNull();
  });

  it('token health: no way in, then the CSP partner\'s refresh token, then the organization\'s own app registration', async () => {
    const db = database.db;
    const now = new Date(Date.UTC(2026, 2, 1, 12));
    const fabrikam = (await findOrganizationBySlug(db, 'fabrikam'))!;
    expect((await organizationOverview(db, fabrikam, now)).connection).toEqual({ via: 'none', token: null });
    const partner = (await insertPartner(db, testPartner('alpha')))!;
    await insertCustomer(db, { partnerId: partner.id, tenantId: '55555555-5555-5555-5555-555555555555', domain: 'fabrikam.onmicrosoft.com', companyName: 'Fabrikam', country: 'US', email: null, resellerId: null, organizationId: fabrikam.id, source: 'created' });
    const viaPartner = (await organizationOverview(db, fabrikam, now)).connection;
    expect(viaPartner.via).toBe('csp-partner');
    // The partner never consented: the health says so, with what to do.
    expect(viaPartner.token).toMatchObject({ holder: 'partner', state: 'no-consent' });
    expect(viaPartner.token!.remediation).toContain('consent');
    await saveTenantConnection(db, { organizationId: fabrikam.id, tenantId: '55555555-5555-5555-5555-555555555555', clientId: '66666666-6666-6666-6666-666666666666', clientSecretEncrypted: 'sealed' }, now);
    const own = (await organizationOverview(db, fabrikam, now)).connection;
    expect(own).toMatchObject({ via: 'app-registration', token: { holder: 'app-registration', state: 'client-secret' } });
    expect(own.token!.explanation).toContain('66666666-6666-6666-6666-666666666666');
  });
});
