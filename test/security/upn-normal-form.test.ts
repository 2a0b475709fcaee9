/**
 * Threat: an account entering Lanyard under a malformed or second spelling of a UPN. Through the
 * directory agent, `victim@bravo.test@alpha.test` was stored in alpha's organization and, on
 * bravo's sign-in page, its domain looked like bravo's: the password typed there went to alpha's
 * agent. `CaseTest@…` and ` casetest@…` were second accounts beside `casetest@…`, and NUL, CRLF
 * and markup were stored as names.
 * Invariant: every way in (agent push, CLI/admin service, import) stores a UPN only in its one
 * normal form (trimmed, lower-case, exactly one "@", Entra's characters and lengths) or refuses
 * it with UPN_INVALID; an agent's bad entry is refused on its own without losing the rest of the
 * batch; every lookup by UPN goes through the same normal form, so no spelling misses or aliases.
 * Why this way: hostile UPNs are pushed through the real agent API over HTTP and given to the real
 * account service, on both databases, and the stored rows are read back.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentApi } from '../../agent/api-client.ts';
import { registerAgent } from '../../agent/server/admin.ts';
import { normalizeUpn } from '../../core/upn.ts';
import { findUserByUpn } from '../../core/db/users.ts';
import { addUser } from '../../idp/accounts/users.ts';
import { decideImport } from '../../provisioning/import/import-plan.ts';
import { createContoso, startLanyardNode, type LanyardNode } from '../agent/agent-fixture.ts';
import { createTestDatabase, dialects, type TestDatabase } from '../harness/databases.ts';
import { expectLanyardCode } from './expect-code.ts';

const anchor = () => {
  const hex = randomBytes(16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
const entry = (upn: string) => ({ anchor: anchor(), dn: `uid=${randomBytes(4).toString('hex')},ou=people,dc=test`, upn, displayName: null, givenName: null, surname: null, mail: null });

const hostile: ReadonlyArray<readonly [string, string]> = [
  ['victim@bravo.test@alpha.test', 'exactly one "@"'],
  ['nul\u0000byte@alpha.test', 'U+0000'],
  ['crlf\r\ninjected@alpha.test', 'U+000D'],
  ['<script>@alpha.test', 'U+003C'],
  ['.leading@alpha.test', 'dot'],
  ['double..dot@alpha.test', 'dot'],
  ['@alpha.test', 'empty'],
  [`${'a'.repeat(65)}@alpha.test`, '64'],
  [`${'a'.repeat(60)}@${'b'.repeat(50)}.test`, '113'],
  ['kelvin\u212a@alpha.test', 'U+212A'],
  ['user@alpha_test.com', 'domain'],
];

describe('the UPN normal form', () => {
  it('trims, lower-cases and refuses each hostile form with its reason', () => {
    expect(normalizeUpn('  CaseTest@Alpha.TEST\r\n')).toEqual({ upn: 'casetest@alpha.test', local: 'casetest', domain: 'alpha.test' });
    expect(normalizeUpn("o'brien.j-k_l!m#n^o~p@alpha.test").upn).toBe("o'brien.j-k_l!m#n^o~p@alpha.test");
    for (const [upn, reason] of hostile) {
      expectLanyardCode(() => normalizeUpn(upn), 'UPN_INVALID');
      expect(() => normalizeUpn(upn)).toThrow(reason);
    }
  });
});

describe.each(dialects)('UPNs entering Lanyard on %s', (dialect) => {
  let database: TestDatabase;
  let node: LanyardNode;
  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    node = await startLanyardNode(database.db, randomBytes(32));
  });
  afterAll(async () => {
    await node?.close();
    await database?.drop();
  });

  it('the agent API refuses each malformed or duplicate UPN per entry and applies the rest', async () => {
    const alpha = await createContoso(database.db, ['alpha.test']);
    await createContoso(database.db, ['bravo.test']);
    await addUser(database.db, { upn: 'casetest@alpha.test' }, { actor: 'test', passwordHashCost: 10 });
    const { key } = await registerAgent(database.db, alpha.slug, 'dc1');
    const api = createAgentApi(node.url, key);
    const { runId } = await api.startRun('full');

    const bad = [...hostile.map(([upn]) => entry(upn)), entry('CaseTest@alpha.test'), entry(' casetest@alpha.test')];
    const good = entry('  Good.Person@Alpha.Test ');
    const result = await api.pushBatch(runId, { entries: [bad[0]!, good, ...bad.slice(1)] });

    expect(result.created).toBe(1);
    expect(result.failed.map((failure) => [failure.anchor, failure.code])).toEqual(bad.map((item, index) => [item.anchor, index < hostile.length ? 'UPN_INVALID' : 'SYNC_UPN_CONFLICT']));
    const stored = await database.db.selectFrom('users').select('upn').where('organizationId', '=', alpha.id).orderBy('upn').execute();
    expect(stored.map((row) => row.upn)).toEqual(['casetest@alpha.test', 'good.person@alpha.test']);
    expect((await findUserByUpn(database.db, ' GOOD.person@ALPHA.test\n'))?.externalId).toBe(good.anchor);
  });

  it('the account service refuses the same forms and finds no second spelling', async () => {
    await createContoso(database.db, ['charlie.test']);
    await addUser(database.db, { upn: 'Existing@Charlie.test' }, { actor: 'test', passwordHashCost: 10 });
    for (const upn of ['EXISTING@charlie.test', ' existing@charlie.test\t']) {
      await expect(addUser(database.db, { upn }, { actor: 'test', passwordHashCost: 10 })).rejects.toMatchObject({ code: 'USER_EXISTS' });
    }
    for (const [upn] of hostile) {
      await expect(addUser(database.db, { upn: upn.replace('alpha.test', 'charlie.test') }, { actor: 'test', passwordHashCost: 10 })).rejects.toMatchObject({ code: 'UPN_INVALID', status: 400 });
    }
    // A row stored before UPNs were normalised cannot be reached by a spelling of another name.
    await database.db.updateTable('users').set({ upn: 'legacy@bravo.test@charlie.test' }).where('upn', '=', 'existing@charlie.test').execute();
    expect(await findUserByUpn(database.db, 'legacy@bravo.test@charlie.test')).toBeUndefined();
  });
});

describe('UPNs arriving by import', () => {
  it('a tenant user whose UPN is not valid by the same rule becomes no account', () => {
    const tenantUser = {
      runId: 'run', objectId: 'object-1', upn: 'victim@bravo.test@alpha.test', immutableId: null, displayName: null, givenName: null, surname: null, usageLocation: null, accountEnabled: 1, licenceSkuIds: '[]',
    };
    const decision = decideImport(tenantUser, {
      organizationId: 'alpha',
      organizationDomains: ['alpha.test'],
      tenantDomains: new Map([['alpha.test', { name: 'alpha.test', authenticationType: 'Managed', isVerified: true }]]),
      byImmutableId: new Map(),
      byUpn: new Map(),
    });
    expect(decision).toMatchObject({ kind: 'fail', code: 'UPN_INVALID' });
  });
});
