import { execFileSync } from 'node:child_process';
import { BerWriter, Client, Control } from 'ldapts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { person, startSlapd, type SlapdServer } from '../harness/slapd.ts';

/**
 * Why the agent finds deletions with a scope scan and not with syncrepl (agent/README.md, "Change
 * feeds"), kept as a check: slapd with syncprov reports the deletions since a cookie in a Sync
 * Info intermediate response, and ldapts 8.2 fails the whole search on it. When an ldapts upgrade
 * makes this test fail, the change feed has become possible. The cookie comes from OpenLDAP's
 * own `ldapsearch` (ldap-utils), because ldapts does not return the Sync Done control either.
 */
const syncRequestOid = '1.3.6.1.4.1.4203.1.9.1.1';

/** RFC 4533 syncRequestValue: refreshOnly (1) with the cookie of a previous refresh. */
class SyncRequestControl extends Control {
  constructor(private readonly cookie?: string) {
    super(syncRequestOid, { critical: true });
  }
  protected override writeControl(writer: BerWriter): void {
    const value = new BerWriter();
    value.startSequence();
    value.writeEnumeration(1);
    if (this.cookie) value.writeString(this.cookie);
    value.endSequence();
    writer.writeBuffer(value.buffer, 0x04);
  }
}

let slapd: SlapdServer;
const base = () => `ou=people,${slapd.suffix}`;
const ldapsearch = (cookie?: string) =>
  execFileSync('ldapsearch', ['-x', '-H', slapd.url, '-D', slapd.syncDn, '-w', slapd.syncPassword, '-b', base(), '-E', `!sync=ro${cookie ? `/${cookie}` : ''}`, '(objectClass=inetOrgPerson)', 'uid'], { encoding: 'utf8' });

beforeAll(async () => {
  slapd = await startSlapd();
  await slapd.withAdmin(async (client) => {
    for (const uid of ['feed1', 'feed2']) await client.add(`uid=${uid},${base()}`, person(uid));
  });
});
afterAll(async () => slapd?.stop());

describe('syncrepl through ldapts 8.2', () => {
  it('slapd sends the deletions since a cookie as a syncIdSet, and ldapts fails the search on it', async () => {
    const cookie = /^# cookie: (\S+)$/m.exec(ldapsearch())?.[1];
    expect(cookie).toMatch(/^rid=\d+,csn=/);
    await slapd.withAdmin((client) => client.del(`uid=feed2,${base()}`));
    expect(ldapsearch(cookie)).toContain('SyncInfo Received: ID Set');

    const client = new Client({ url: slapd.url });
    await client.bind(slapd.syncDn, slapd.syncPassword);
    try {
      await expect(client.search(base(), { filter: '(objectClass=inetOrgPerson)', attributes: ['uid'] }, new SyncRequestControl(cookie))).rejects.toThrow(/Protocol Operation not supported: 0x79/);
    } finally {
      await client.unbind().catch(() => {});
    }
  });

  it('without a cookie the entries come back, but without their Sync State controls', async () => {
    const client = new Client({ url: slapd.url });
    await client.bind(slapd.syncDn, slapd.syncPassword);
    try {
      const { searchEntries } = await client.search(base(), { filter: '(objectClass=inetOrgPerson)', attributes: ['uid'] }, new SyncRequestControl());
      expect(searchEntries.map((entry) => Object.keys(entry).sort())).toEqual([['dn', 'uid']]);
    } finally {
      await client.unbind().catch(() => {});
    }
  });
});
