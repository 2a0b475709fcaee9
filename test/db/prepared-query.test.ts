import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents, recordAuditEvent } from '../../core/db/audit-events.ts';
import { sql } from 'kysely';
import { openDatabase } from '../../core/db/database.ts';
import { findDomainByName, insertDomain } from '../../core/db/domains.ts';
import { insertOrganization } from '../../core/db/organizations.ts';
import { preparedQuery, type QueryParameter } from '../../core/db/prepared-query.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';

/** Prepared queries compile once and must give exactly what the same Kysely query gives, on both dialects. */
describe.each(dialects)('prepared queries on %s', (dialect) => {
  let database: TestDatabase;
  let organizationId: string;

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    organizationId = (await insertOrganization(database.db, { slug: 'contoso', name: 'Contoso' })).id;
    for (const name of ['a.contoso.com', 'b.contoso.com', 'c.contoso.com']) {
      await insertDomain(database.db, { organizationId, name, issuerUri: `https://idp/federation/${name}` });
    }
  });
  afterAll(() => database.drop());

  const domainsAfter = preparedQuery((db, param: QueryParameter<{ after: string; organizationId: string }>) =>
    db.selectFrom('domains').select(['name', 'issuerUri']).where('organizationId', '=', param('organizationId'))
      .where('name', '>', param('after')).where('protocol', '=', 'wsfed').orderBy('name'));

  it('runs with each call’s values in the right places, constants kept, rows camel-cased', async () => {
    const kysely = await database.db.selectFrom('domains').select(['name', 'issuerUri']).where('organizationId', '=', organizationId)
      .where('name', '>', 'a.contoso.com').where('protocol', '=', 'wsfed').orderBy('name').execute();
    expect(await domainsAfter(database.db, { after: 'a.contoso.com', organizationId })).toEqual(kysely);
    expect(await domainsAfter(database.db, { after: 'b.contoso.com', organizationId })).toEqual([{ name: 'c.contoso.com', issuerUri: 'https://idp/federation/c.contoso.com' }]);
    expect(await domainsAfter(database.db, { after: 'a.contoso.com', organizationId: 'someone else' })).toEqual([]);
  });

  it('writes through a prepared insert (the audit log) and reads back what was written', async () => {
    await recordAuditEvent(database.db, { actor: 'user:alice@contoso.com', action: 'signin.token', target: 'contoso.com', outcome: 'success', details: { mfa: true } });
    await recordAuditEvent(database.db, { actor: 'cli', action: 'domain.add', outcome: 'failure', reason: 'DOMAIN_EXISTS' });
    const events = await listAuditEvents(database.db, { limit: 10 });
    expect(events.map((event) => [event.actor, event.action, event.target, event.outcome, event.reason, event.details])).toEqual(expect.arrayContaining([
      ['user:alice@contoso.com', 'signin.token', 'contoso.com', 'success', null, '{"mfa":true}'],
      ['cli', 'domain.add', null, 'failure', 'DOMAIN_EXISTS', null],
    ]));
  });

  it('keeps working after another node\'s migration adds a column (PostgreSQL prepares it on the server)', async () => {
    const secondNode = openDatabase(database.url);
    try {
      expect(await findDomainByName(database.db, 'a.contoso.com')).toMatchObject({ name: 'a.contoso.com' });
      await sql`alter table domains add column added_later text`.execute(secondNode.db);
      for (let run = 0; run < 12; run++) expect(await findDomainByName(database.db, 'b.contoso.com')).toMatchObject({ name: 'b.contoso.com' });
    } finally {
      await sql`alter table domains drop column added_later`.execute(secondNode.db);
      await secondNode.close();
    }
  });
});
