import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { fetchAccessToken, graphErrorCode, graphRequest, seedTenant, startTrustedEmulator, type SeededTenant } from './harness.ts';

/**
 * Directory roles as Graph v1.0 documents them (directoryrole-list, directoryrole-list-members):
 * activated roles only, members addressable by role object id or by roleTemplateId, read with
 * RoleManagement.Read.Directory or Directory.Read.All. Lanyard's federate pre-flight uses them to find
 * a Global Administrator left on an onmicrosoft.com account.
 */
const globalAdministrator = '62e90394-69f5-4237-9190-012177145e10';
let emulator: RunningEmulator;
let seeded: SeededTenant;
let token: string;

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  seeded = seedTenant(emulator, 'adatum', ['RoleManagement.Read.Directory'], {
    domains: [{ id: 'adatum.com' }],
    users: [
      { userPrincipalName: 'admin@adatum.onmicrosoft.com', directoryRoles: ['Global Administrator'] },
      { userPrincipalName: 'ops@adatum.com', directoryRoles: ['Global Administrator', 'Hybrid Identity Administrator'] },
      { userPrincipalName: 'alice@adatum.com' },
    ],
  });
  token = await fetchAccessToken(emulator, seeded);
});
afterAll(async () => {
  await emulator.close();
});

describe('directoryRoles', () => {
  it('lists the activated roles', async () => {
    const result = await graphRequest(emulator, token, 'GET', '/directoryRoles');
    expect(result.status).toBe(200);
    const roles = result.body?.value as { displayName: string; roleTemplateId: string; id: string }[];
    expect(roles.map((role) => role.displayName).sort()).toEqual(['Global Administrator', 'Hybrid Identity Administrator']);
    expect(roles.find((role) => role.displayName === 'Global Administrator')?.roleTemplateId).toBe(globalAdministrator);
  });

  it.each([
    ['the roleTemplateId key', `/directoryRoles(roleTemplateId='${globalAdministrator}')/members`],
    ['the roleTemplateId= segment', `/directoryRoles/roleTemplateId=${globalAdministrator}/members`],
  ])('lists members by %s', async (_form, path) => {
    const result = await graphRequest(emulator, token, 'GET', path);
    expect(result.status).toBe(200);
    const members = result.body?.value as { '@odata.type': string; userPrincipalName: string }[];
    expect(members.map((member) => member.userPrincipalName).sort()).toEqual(['admin@adatum.onmicrosoft.com', 'ops@adatum.com']);
    expect(members.every((member) => member['@odata.type'] === '#microsoft.graph.user')).toBe(true);
  });

  it('lists members by role object id and answers 404 for an unknown role', async () => {
    const roles = (await graphRequest(emulator, token, 'GET', '/directoryRoles')).body?.value as { id: string; displayName: string }[];
    const hybrid = roles.find((role) => role.displayName === 'Hybrid Identity Administrator')!;
    const members = (await graphRequest(emulator, token, 'GET', `/directoryRoles/${hybrid.id}/members`)).body?.value as { userPrincipalName: string }[];
    expect(members.map((member) => member.userPrincipalName)).toEqual(['ops@adatum.com']);
    const missing = await graphRequest(emulator, token, 'GET', '/directoryRoles/00000000-0000-0000-0000-000000000000/members');
    expect(missing.status).toBe(404);
    expect(graphErrorCode(missing)).toBe('Request_ResourceNotFound');
  });

  it('refuses an app without a role-reading permission', async () => {
    const other = seedTenant(emulator, 'norole', ['Domain.Read.All']);
    const result = await graphRequest(emulator, await fetchAccessToken(emulator, other), 'GET', '/directoryRoles');
    expect(result.status).toBe(403);
    expect(graphErrorCode(result)).toBe('Authorization_RequestDenied');
  });
});
