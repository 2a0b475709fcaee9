import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { fetchAccessToken, graphErrorCode, graphRequest, seedTenant, startTrustedEmulator, type SeededTenant } from './harness.ts';

/** JSON batching, subscribedSkus and assignLicense seat counting, throttling and injected faults. */
let emulator: RunningEmulator;
let seeded: SeededTenant;
let token: string;
const e3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  seeded = seedTenant(emulator, 'wingtip', ['User.ReadWrite.All', 'LicenseAssignment.ReadWrite.All', 'Organization.Read.All'], {
    users: [
      { userPrincipalName: 'one@wingtip.onmicrosoft.com', usageLocation: 'US' },
      { userPrincipalName: 'two@wingtip.onmicrosoft.com', usageLocation: 'US' },
      { userPrincipalName: 'nowhere@wingtip.onmicrosoft.com' },
    ],
    skus: [{ skuId: e3, skuPartNumber: 'ENTERPRISEPACK', prepaidUnits: 1 }],
  });
  token = await fetchAccessToken(emulator, seeded);
});

afterAll(async () => {
  await emulator.close();
});

const assign = (user: string) => graphRequest(emulator, token, 'POST', `/users/${user}/assignLicense`, { addLicenses: [{ skuId: e3, disabledPlans: [] }], removeLicenses: [] });

describe('licences', () => {
  it('counts seats: the first assignment succeeds, the second finds none free', async () => {
    const first = await assign('one@wingtip.onmicrosoft.com');
    expect(first.status).toBe(200);
    expect(first.body?.userPrincipalName).toBe('one@wingtip.onmicrosoft.com');
    const skus = await graphRequest(emulator, token, 'GET', '/subscribedSkus');
    expect(skus.body?.value).toEqual([
      expect.objectContaining({ skuId: e3, skuPartNumber: 'ENTERPRISEPACK', consumedUnits: 1, id: `${seeded.tenant.id}_${e3}`, prepaidUnits: { enabled: 1, lockedOut: 0, suspended: 0, warning: 0 } }),
    ]);
    const second = await assign('two@wingtip.onmicrosoft.com');
    expect(second.status).toBe(400);
    expect(graphErrorCode(second)).toBe('Request_BadRequest');
  });

  it('needs usageLocation and both arrays', async () => {
    expect((await assign('nowhere@wingtip.onmicrosoft.com')).status).toBe(400);
    const partial = await graphRequest(emulator, token, 'POST', '/users/two@wingtip.onmicrosoft.com/assignLicense', { addLicenses: [] });
    expect(partial.status).toBe(400);
  });
});

describe('$batch', () => {
  it('answers 200 with a status per request and fails dependents of a failed request with 424', async () => {
    const result = await graphRequest(emulator, token, 'POST', '/$batch', {
      requests: [
        { id: '1', method: 'GET', url: '/users/one@wingtip.onmicrosoft.com?$select=id' },
        { id: '2', method: 'GET', url: '/users/missing@wingtip.onmicrosoft.com' },
        { id: '3', method: 'PATCH', url: '/users/one@wingtip.onmicrosoft.com', headers: { 'Content-Type': 'application/json' }, body: { jobTitle: 'Lead' }, dependsOn: ['2'] },
      ],
    });
    expect(result.status).toBe(200);
    const responses = result.body?.responses as { id: string; status: number; body?: Record<string, unknown> }[];
    expect(responses.map((response) => [response.id, response.status])).toEqual([['1', 200], ['2', 404], ['3', 424]]);
    expect(responses[1]?.body).toMatchObject({ error: { code: 'Request_ResourceNotFound' } });
  });

  it('refuses more than 20 requests, duplicate ids and a body without Content-Type', async () => {
    const many = Array.from({ length: 21 }, (_, index) => ({ id: String(index), method: 'GET', url: '/users' }));
    expect((await graphRequest(emulator, token, 'POST', '/$batch', { requests: many })).status).toBe(400);
    const duplicate = [{ id: 'a', method: 'GET', url: '/users' }, { id: 'A', method: 'GET', url: '/users' }];
    expect((await graphRequest(emulator, token, 'POST', '/$batch', { requests: duplicate })).status).toBe(400);
    const untyped = [{ id: 'a', method: 'PATCH', url: '/users/one@wingtip.onmicrosoft.com', body: { jobTitle: 'x' } }];
    expect((await graphRequest(emulator, token, 'POST', '/$batch', { requests: untyped })).status).toBe(400);
  });

  it('throttles members one by one: a 429 inside the batch carries Retry-After', async () => {
    await fetch(`${emulator.baseUrl}/_emulator/tenants/${seeded.tenant.id}/throttle`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ writesPerWindow: 2, writeWindowSeconds: 120 }),
    });
    const requests = Array.from({ length: 4 }, (_, index) => ({
      id: String(index), method: 'PATCH', url: '/users/two@wingtip.onmicrosoft.com',
      headers: { 'Content-Type': 'application/json' }, body: { jobTitle: `Title ${index}` },
    }));
    const result = await graphRequest(emulator, token, 'POST', '/$batch', { requests });
    const responses = result.body?.responses as { status: number; headers: Record<string, string>; body?: { error: { code: string } } }[];
    const throttled = responses.filter((response) => response.status === 429);
    expect(throttled.length).toBeGreaterThanOrEqual(2);
    expect(Number(throttled[0]?.headers['Retry-After'])).toBeGreaterThan(0);
    expect(throttled[0]?.body?.error.code).toBe('TooManyRequests');
  });
});

describe('injected faults', () => {
  it('fails the next N matching requests with the given status and Retry-After, then recovers', async () => {
    await fetch(`${emulator.baseUrl}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pathPattern: '^/v1\\.0/subscribedSkus', status: 503, count: 2, retryAfterSeconds: 7 }),
    });
    const first = await graphRequest(emulator, token, 'GET', '/subscribedSkus');
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(graphErrorCode(first)).toBe('serviceNotAvailable');
    expect((await graphRequest(emulator, token, 'GET', '/subscribedSkus')).status).toBe(503);
    expect((await graphRequest(emulator, token, 'GET', '/subscribedSkus')).status).toBe(200);
  });
});
