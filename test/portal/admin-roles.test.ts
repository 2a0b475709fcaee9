import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCustomer } from '../../csp/data/customers.ts';
import { insertPartner } from '../../csp/data/partners.ts';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { findOrganizationBySlug } from '../../core/db/organizations.ts';
import { addDomain } from '../../idp/accounts/domains.ts';
import { createOrganization } from '../../idp/accounts/organizations.ts';
import { addUser } from '../../idp/accounts/users.ts';
import { grantRole, listAdmins, loadAdmin, organizationTarget, reachableOrganizations, revokeRole } from '../../portal/admins.ts';
import { can, shellOperator, type Admin } from '../../portal/policy.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { expectCode } from './expect-rejection.ts';
import { testPartner } from '../csp/partner-fixture.ts';

const now = new Date('2026-03-01T10:00:00.000Z');

/** Roles, their scopes and the one rule, on SQLite and PostgreSQL. */
describe.each(dialects)('portal admin roles on %s', (dialect) => {
  let database: TestDatabase;
  const admin = async (upn: string): Promise<Admin> => {
    const user = await database.db.selectFrom('users').selectAll().where('upn', '=', upn).executeTakeFirstOrThrow();
    return (await loadAdmin(database.db, user))!;
  };
  const target = async (slug: string) => organizationTarget(database.db, (await findOrganizationBySlug(database.db, slug))!);

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    const db = database.db;
    for (const slug of ['contoso', 'fabrikam', 'tailspin', 'host']) {
      await createOrganization(db, { slug, name: `${slug} Ltd`, mfaPolicy: 'required' }, 'test');
      await addDomain(db, 'https://idp.example.com', { organization: slug, name: `${slug}.com` }, 'test');
    }
    for (const upn of ['op@host.com', 'alice@contoso.com', 'pat@host.com', 'rita@host.com', 'nobody@host.com']) {
      await addUser(db, { upn, password: 'correct horse battery staple' }, { actor: 'test', passwordHashCost: 10 });
    }
    const partner = await insertPartner(db, testPartner('alpha', { isDefault: true, resellerIds: '["r-1","r-2"]' }));
    const customer = (slug: string, resellerId: string | null, tenantId: string) =>
      findOrganizationBySlug(db, slug).then((org) =>
        insertCustomer(db, { partnerId: partner!.id, tenantId, domain: `${slug}.onmicrosoft.com`, companyName: slug, country: 'DE', email: null, resellerId, organizationId: org!.id, source: 'created' }),
      );
    await customer('fabrikam', 'r-1', '33333333-3333-3333-3333-333333333331');
    await customer('tailspin', 'r-2', '33333333-3333-3333-3333-333333333332');
  });
  afterAll(async () => {
    await database.drop();
  });

  it('grants each role with the scope it needs, idempotently, audited', async () => {
    const db = database.db;
    expect((await grantRole(db, shellOperator, { upn: 'OP@host.com', role: 'operator' }, now)).added).toBe(true);
    expect((await grantRole(db, shellOperator, { upn: 'op@host.com', role: 'operator' }, now)).added).toBe(false);
    await grantRole(db, shellOperator, { upn: 'alice@contoso.com', role: 'org-admin', organization: 'contoso' }, now);
    await grantRole(db, shellOperator, { upn: 'pat@host.com', role: 'partner-admin', partner: 'alpha' }, now);
    const { grant } = await grantRole(db, shellOperator, { upn: 'rita@host.com', role: 'reseller', partner: 'alpha', reseller: 'R-1' }, now);
    expect(grant).toMatchObject({ role: 'reseller', partner: 'alpha', reseller: 'r-1', grantedBy: 'cli' });
    const admins = await listAdmins(db, shellOperator);
    expect(admins.map((a) => `${a.upn} ${a.role} ${a.organization ?? a.partner}`)).toEqual([
      'alice@contoso.com org-admin contoso',
      'op@host.com operator null',
      'pat@host.com partner-admin alpha',
      'rita@host.com reseller alpha',
    ]);
    const events = await listAuditEvents(db, { actionPrefix: 'admin.' });
    expect(events.filter((e) => e.action === 'admin.grant')).toHaveLength(5);
  });

  it('refuses a scope that does not fit the role, an unknown reseller, an unknown user', async () => {
    const db = database.db;
    await expectCode(grantRole(db, shellOperator, { upn: 'op@host.com', role: 'operator', organization: 'contoso' }, now), 'ADMIN_SCOPE_INVALID');
    await expectCode(grantRole(db, shellOperator, { upn: 'op@host.com', role: 'org-admin' }, now), 'ADMIN_SCOPE_INVALID');
    await expectCode(grantRole(db, shellOperator, { upn: 'op@host.com', role: 'reseller', partner: 'alpha' }, now), 'ADMIN_SCOPE_INVALID');
    await expectCode(grantRole(db, shellOperator, { upn: 'op@host.com', role: 'reseller', partner: 'alpha', reseller: 'r-9' }, now), 'ADMIN_SCOPE_INVALID');
    await expectCode(grantRole(db, shellOperator, { upn: 'op@host.com', role: 'root' }, now), 'ADMIN_ROLE_INVALID');
    await expectCode(grantRole(db, shellOperator, { upn: 'ghost@host.com', role: 'operator' }, now), 'USER_NOT_FOUND');
    await expectCode(grantRole(db, shellOperator, { upn: 'op@host.com', role: 'partner-admin', partner: 'nope' }, now), 'CSP_PARTNER_NOT_FOUND');
  });

  it('one rule decides every scope: org-admin, partner-admin, reseller, operator', async () => {
    const [op, alice, pat, rita] = await Promise.all(['op@host.com', 'alice@contoso.com', 'pat@host.com', 'rita@host.com'].map(admin));
    const contoso = await target('contoso');
    const fabrikam = await target('fabrikam');
    const tailspin = await target('tailspin');
    expect([contoso, fabrikam, tailspin].map((t) => can(op!, 'users.reset-mfa', t))).toEqual([true, true, true]);
    expect([contoso, fabrikam, tailspin].map((t) => can(alice!, 'users.view', t))).toEqual([true, false, false]);
    expect([contoso, fabrikam, tailspin].map((t) => can(pat!, 'users.view', t))).toEqual([false, true, true]);
    expect([contoso, fabrikam, tailspin].map((t) => can(rita!, 'users.view', t))).toEqual([false, true, false]);
    // A reseller may change accounts but not remove their authenticator; nobody but the operator manages admins.
    expect(can(rita!, 'users.change', fabrikam)).toBe(true);
    expect(can(rita!, 'users.reset-mfa', fabrikam)).toBe(false);
    expect([op, alice, pat, rita].map((a) => can(a!, 'admins.manage', { kind: 'installation' }))).toEqual([true, false, false, false]);
    expect((await reachableOrganizations(database.db, rita!)).map((o) => o.slug)).toEqual(['fabrikam']);
    expect((await reachableOrganizations(database.db, pat!)).map((o) => o.slug)).toEqual(['fabrikam', 'tailspin']);
    expect((await reachableOrganizations(database.db, alice!)).map((o) => o.slug)).toEqual(['contoso']);
    // A non-operator cannot grant through the same functions the CLI uses.
    await expectCode(grantRole(database.db, alice!, { upn: 'nobody@host.com', role: 'operator' }, now), 'ADMIN_FORBIDDEN');
  });

  it('revokes one grant, refusing one that is not held', async () => {
    const db = database.db;
    await revokeRole(db, shellOperator, { upn: 'rita@host.com', role: 'reseller', partner: 'alpha', reseller: 'r-1' }, now);
    const user = await db.selectFrom('users').selectAll().where('upn', '=', 'rita@host.com').executeTakeFirstOrThrow();
    expect(await loadAdmin(db, user)).toBeUndefined();
    await expectCode(revokeRole(db, shellOperator, { upn: 'rita@host.com', role: 'reseller', partner: 'alpha', reseller: 'r-1' }, now), 'ADMIN_GRANT_NOT_FOUND');
  });
});
