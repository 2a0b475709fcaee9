import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { fetchAccessToken, graphErrorCode, graphRequest, seedTenant, startTrustedEmulator } from './harness.ts';

/**
 * Graph v1.0 GET /organization (Graph docs, "List organization"): a collection of exactly the
 * caller's tenant, its verifiedDomains only the verified ones; Organization.Read.All (or a
 * Directory role) needed, 403 Authorization_RequestDenied without; $select projects.
 */
describe('Graph organization', () => {
  let emulator: RunningEmulator;
  let token: string;
  let withoutRole: string;
  let tenantId: string;

  beforeAll(async () => {
    emulator = await startTrustedEmulator();
    const seeded = seedTenant(emulator, 'northwind', ['Organization.Read.All'], { domains: [{ id: 'northwind.com' }, { id: 'pending.example', isVerified: false }] });
    tenantId = seeded.tenant.id;
    token = await fetchAccessToken(emulator, seeded);
    withoutRole = await fetchAccessToken(emulator, seedTenant(emulator, 'domains-only', ['Domain.Read.All']));
  });
  afterAll(async () => emulator.close());

  it('lists the caller\'s tenant with its verified domains', async () => {
    const result = await graphRequest(emulator, token, 'GET', '/organization');
    expect(result.status).toBe(200);
    const value = result.body?.value as Array<{ id: string; displayName: string; tenantType: string; verifiedDomains: Array<{ name: string; isInitial: boolean; type: string }> }>;
    expect(value).toHaveLength(1);
    expect(value[0]).toMatchObject({ id: tenantId, displayName: expect.any(String), tenantType: 'AAD' });
    const names = value[0]!.verifiedDomains.map((domain) => domain.name);
    expect(names).toContain('northwind.com');
    expect(names).toContain('northwind.onmicrosoft.com');
    expect(names).not.toContain('pending.example');
    expect(String(result.body?.['@odata.context'])).toMatch(/\/v1\.0\/\$metadata#organization$/);
  });

  it('projects $select and refuses an unknown property', async () => {
    const result = await graphRequest(emulator, token, 'GET', '/organization?$select=id,displayName');
    expect(Object.keys((result.body?.value as object[])[0]!).sort()).toEqual(['displayName', 'id']);
    const unknown = await graphRequest(emulator, token, 'GET', '/organization?$select=secret');
    expect(unknown.status).toBe(400);
  });

  it('answers 403 Authorization_RequestDenied without Organization.Read.All or a Directory role', async () => {
    const result = await graphRequest(emulator, withoutRole, 'GET', '/organization');
    expect(result.status).toBe(403);
    expect(graphErrorCode(result)).toBe('Authorization_RequestDenied');
  });
});
