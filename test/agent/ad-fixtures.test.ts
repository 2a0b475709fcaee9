import type { Entry } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { anchorFilterValue, anchorFromGuidBytes, anchorFromText, guidBytesFromText, immutableIdFromAnchor } from '../../agent/anchor.ts';
import { canResume, deltaFilter, nextCheckpoint, advanceTimestampMark, timestampCeiling } from '../../agent/change-tracking.ts';
import { parseAgentConfig } from '../../agent/config.ts';
import { entryAttributes, mapEntry } from '../../agent/mapping.ts';

/**
 * Active Directory specifics, from fixtures (no AD here). The expected values are independent of
 * our code: they are what .NET computes, `[Convert]::ToBase64String(([Guid]'<text>').ToByteArray())`,
 * as published with worked examples (e.g. "Convert a GUID into Base64" for Azure AD Connect:
 * 3ab39606-c642-489b-84b6-58c038d3ef39 → BpazOkLGm0iEtljAONPvOQ==; and the octet-string example
 * 8c4ac332-975f-4717-ad7b-ba4a4e968fff → 32c34a8c5f971747ad7bba4a4e968fff → MsNKjF+XF0ete7pKTpaP/w==).
 * The first three GUID fields are little-endian in the stored bytes, the last eight are as written.
 */
const known = [
  { text: '3ab39606-c642-489b-84b6-58c038d3ef39', octets: '0696b33a42c69b4884b658c038d3ef39', base64: 'BpazOkLGm0iEtljAONPvOQ==' },
  { text: '8c4ac332-975f-4717-ad7b-ba4a4e968fff', octets: '32c34a8c5f971747ad7bba4a4e968fff', base64: 'MsNKjF+XF0ete7pKTpaP/w==' },
  { text: '53e32701-9863-de11-bd66-0015178a5e3c', octets: '0127e353639811debd660015178a5e3c', base64: 'ASfjU2OYEd69ZgAVF4pePA==' },
];

const mapping = (overrides: Record<string, unknown>) =>
  parseAgentConfig({
    server: 'https://idp.example.com',
    ldap: { url: 'ldap://dc1.example.com:389', bindDn: 'cn=sync', baseDns: ['dc=example,dc=com'] },
    mapping: overrides,
    stateDir: '/tmp/unused',
  }).mapping;

describe('AD source anchors → immutable ID', () => {
  it.each(known)('GUID $text is stored as $octets and becomes $base64', ({ text, octets, base64 }) => {
    expect(guidBytesFromText(text).toString('hex')).toBe(octets);
    expect(immutableIdFromAnchor(text)).toBe(base64);
    expect(immutableIdFromAnchor(`{${text.toUpperCase()}}`)).toBe(base64);
    expect(anchorFromGuidBytes(Buffer.from(base64, 'base64'))).toBe(text);
  });

  it('maps an AD user by objectGUID (binary) and userPrincipalName', () => {
    const entry: Entry = {
      dn: 'CN=Jane Doe,OU=Staff,DC=example,DC=com',
      objectGUID: Buffer.from('BpazOkLGm0iEtljAONPvOQ==', 'base64'),
      userPrincipalName: 'Jane.Doe@Example.com',
      displayName: 'Jane Doe',
      givenName: 'Jane',
      sn: 'Doe',
      mail: 'jane.doe@example.com',
      c: 'gb',
    };
    const adMapping = mapping({ sourceAnchor: 'objectGUID', upn: 'userPrincipalName', displayName: 'displayName', usageLocation: 'c' });
    expect(entryAttributes(adMapping)).toContain('c');
    const mapped = mapEntry(entry, adMapping);
    expect(mapped).toEqual({
      entry: {
        anchor: '3ab39606-c642-489b-84b6-58c038d3ef39', dn: entry.dn, upn: 'jane.doe@example.com', displayName: 'Jane Doe', givenName: 'Jane', surname: 'Doe',
        mail: 'jane.doe@example.com', usageLocation: 'GB', enabled: true,
      },
    });
    // A country's name instead of its code is left out: the organization's default usage location applies.
    expect(mapEntry({ ...entry, c: 'United Kingdom' }, adMapping)).toMatchObject({ entry: { usageLocation: null } });
    expect(immutableIdFromAnchor((mapped as { entry: { anchor: string } }).entry.anchor)).toBe('BpazOkLGm0iEtljAONPvOQ==');
  });

  it('reads the ACCOUNTDISABLE bit of userAccountControl (512 normal, 514 disabled, 66050 disabled + no expiry)', () => {
    const adMapping = mapping({ sourceAnchor: 'objectGUID', upn: 'userPrincipalName' });
    const entry = (userAccountControl: string): Entry => ({ dn: 'CN=J,DC=example,DC=com', objectGUID: Buffer.from('BpazOkLGm0iEtljAONPvOQ==', 'base64'), userPrincipalName: 'j@example.com', userAccountControl });
    expect(mapEntry(entry('512'), adMapping)).toMatchObject({ entry: { enabled: true } });
    expect(mapEntry(entry('514'), adMapping)).toMatchObject({ entry: { enabled: false } });
    expect(mapEntry(entry('66050'), adMapping)).toMatchObject({ entry: { enabled: false } });
    expect(mapEntry(entry('66048'), adMapping)).toMatchObject({ entry: { enabled: true } });
    expect(entryAttributes(adMapping)).toContain('userAccountControl');
  });

  it('maps mS-DS-ConsistencyGuid the same way, and sAMAccountName with a UPN suffix', () => {
    const entry: Entry = { dn: 'CN=jdoe,DC=example,DC=com', 'mS-DS-ConsistencyGuid': Buffer.from('32c34a8c5f971747ad7bba4a4e968fff', 'hex'), sAMAccountName: 'JDoe' };
    const mapped = mapEntry(entry, mapping({ sourceAnchor: 'mS-DS-ConsistencyGuid', upn: 'sAMAccountName', upnSuffix: 'example.com' }));
    expect(mapped).toMatchObject({ entry: { anchor: '8c4ac332-975f-4717-ad7b-ba4a4e968fff', upn: 'jdoe@example.com' } });
  });

  it('rejects entries without the anchor or the UPN attribute, or with a malformed anchor', () => {
    const adMapping = mapping({ sourceAnchor: 'objectGUID', upn: 'userPrincipalName' });
    expect(mapEntry({ dn: 'CN=a', userPrincipalName: 'a@example.com' }, adMapping)).toMatchObject({ rejected: { code: 'SYNC_ANCHOR_MISSING' } });
    expect(mapEntry({ dn: 'CN=b', objectGUID: Buffer.alloc(15), userPrincipalName: 'b@example.com' }, adMapping)).toMatchObject({ rejected: { code: 'SYNC_ANCHOR_MISSING' } });
    expect(mapEntry({ dn: 'CN=c', objectGUID: Buffer.alloc(16) }, adMapping)).toMatchObject({ rejected: { code: 'SYNC_UPN_MISSING' } });
    expect(mapEntry({ dn: 'CN=d', objectGUID: Buffer.alloc(16), userPrincipalName: 'not a upn' }, adMapping)).toMatchObject({ rejected: { code: 'SYNC_UPN_INVALID' } });
  });

  it('escapes a binary anchor for an LDAP filter, and keeps entryUUID as text', () => {
    expect(anchorFilterValue('3ab39606-c642-489b-84b6-58c038d3ef39', true)).toBe('\\06\\96\\b3\\3a\\42\\c6\\9b\\48\\84\\b6\\58\\c0\\38\\d3\\ef\\39');
    expect(anchorFilterValue('C719DA5E-7A8E-1041-8E93-C16377DECED6', false)).toBe('c719da5e-7a8e-1041-8e93-c16377deced6');
    expect(anchorFromText('{C719DA5E-7A8E-1041-8E93-C16377DECED6}')).toBe('c719da5e-7a8e-1041-8e93-c16377deced6');
  });
});

describe('uSNChanged delta logic (AD)', () => {
  it('asks for changes above the stored highestCommittedUSN', () => {
    expect(deltaFilter('(objectClass=user)', { tracking: 'uSNChanged', value: '12345', server: 'CN=NTDS Settings,CN=DC1' })).toBe('(&(objectClass=user)(uSNChanged>=12346))');
    expect(deltaFilter('(objectClass=user)', { tracking: 'uSNChanged', value: '9007199254740993', server: null })).toBe('(&(objectClass=user)(uSNChanged>=9007199254740994))');
  });

  it('stores the highestCommittedUSN read before the search, with the DC it belongs to', () => {
    const previous = { tracking: 'uSNChanged' as const, value: '100', server: 'dc1' };
    expect(nextCheckpoint('uSNChanged', previous, { highestCommittedUsn: '250', server: 'dc1' })).toEqual({ tracking: 'uSNChanged', value: '250', server: 'dc1' });
    expect(nextCheckpoint('uSNChanged', previous, { highestCommittedUsn: null, server: 'dc1' })).toBe(previous);
  });

  it('resumes a delta only against the same domain controller', () => {
    const checkpoint = { tracking: 'uSNChanged' as const, value: '250', server: 'dc1' };
    expect(canResume(checkpoint, 'uSNChanged', 'dc1')).toBe(true);
    expect(canResume(checkpoint, 'uSNChanged', 'dc2')).toBe(false);
    expect(canResume(checkpoint, 'modifyTimestamp', null)).toBe(false);
    expect(canResume(null, 'uSNChanged', 'dc1')).toBe(false);
  });

  it('uses uSNChanged by default for AD anchors and modifyTimestamp for entryUUID', () => {
    const base = { server: 'https://idp.example.com', ldap: { url: 'ldap://dc1:389', bindDn: 'cn=x', baseDns: ['dc=x'] }, stateDir: '/tmp/x' };
    expect(parseAgentConfig({ ...base, mapping: { sourceAnchor: 'objectGUID' } }).changeTracking).toBe('uSNChanged');
    expect(parseAgentConfig(base).changeTracking).toBe('modifyTimestamp');
  });

  it('keeps the highest modifyTimestamp seen (OpenLDAP)', () => {
    let mark: string | null = null;
    for (const stamp of ['20260101000005Z', '20260101000009Z', '20260101000007Z']) mark = advanceTimestampMark(mark, { dn: 'x', modifyTimestamp: stamp });
    expect(mark).toBe('20260101000009Z');
    expect(nextCheckpoint('modifyTimestamp', { tracking: 'modifyTimestamp', value: '20260101000010Z', server: null }, { timestampMark: mark })?.value).toBe('20260101000010Z');
  });
});

describe('modifyTimestamp mark ceiling', () => {
  it('takes the newest contextCSN (one per server id), else this clock minus the skew allowance', () => {
    expect(timestampCeiling(['20261130111041.838805Z#000000#000#000000', '20261130111059.000001Z#000000#002#000000'], new Date())).toBe('20261130111059Z');
    expect(timestampCeiling(['garbage'], new Date('2026-11-30T12:00:00Z'))).toBe('20261130115500Z');
  });

  it('never lets the mark pass the ceiling, and keeps a lower mark', () => {
    const next = (mark: string) => nextCheckpoint('modifyTimestamp', null, { timestampMark: mark, timestampCeiling: '20261130111041Z' })?.value;
    expect(next('20261130111045Z')).toBe('20261130111041Z');
    expect(next('20261130111030Z')).toBe('20261130111030Z');
  });
});

describe('agent config validation', () => {
  it('names the bad key', () => {
    expect(() => parseAgentConfig({ server: 'ftp://x', ldap: {}, stateDir: '/x' })).toThrow(/agent config server/);
    expect(() => parseAgentConfig({ server: 'https://x', ldap: { url: 'http://dc', bindDn: 'x', baseDns: ['dc=x'] }, stateDir: '/x' })).toThrow(/agent config ldap\.url/);
    expect(() => parseAgentConfig({ server: 'https://x', ldap: { url: 'ldap://dc:389', bindDn: 'x', baseDns: ['dc=x'], bindPassword: 'inline' }, stateDir: '/x' })).toThrow(/AGENT_CONFIG_INVALID|agent config ldap/);
  });
});
