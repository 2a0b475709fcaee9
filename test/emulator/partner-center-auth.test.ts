import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { control, partnerCenterToken, pcErrorCode, pcRequest, seedCustomer, startPartnerCenterEmulator, type PartnerCenterEmulator } from './partner-center-harness.ts';

/** Partner Center authentication (bearer, audience, expiry, MFA, App-only), correlation headers, throttling and faults. */
let pc: PartnerCenterEmulator;

beforeAll(async () => {
  pc = await startPartnerCenterEmulator('authcsp', { throttle: { requestsPerWindow: 1000, windowSeconds: 60 } });
  seedCustomer(pc, 'authcustomer');
});
afterAll(async () => {
  await pc.emulator.close();
});

describe('authentication', () => {
  it('needs a bearer token for the Partner Center audience, unexpired', async () => {
    const none = await fetch(`${pc.emulator.baseUrl}/v1/customers`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^OAuth realm=urn:cpsvc:cpid:/);
    const graphAudience = await pcRequest(pc, 'GET', '/customers', undefined, {}, partnerCenterToken(pc, { audience: 'https://graph.microsoft.com' }));
    expect(graphAudience.status).toBe(401);
    expect(pcErrorCode(graphAudience)).toBe(400);
    const expiring = partnerCenterToken(pc, { lifetimeSeconds: 60 });
    await control(pc, 'POST', '/clock', { advanceSeconds: 61 });
    expect((await pcRequest(pc, 'GET', '/customers', undefined, {}, expiring)).status).toBe(401);
  });

  it('refuses App+User tokens without mfa in amr with 401 900421', async () => {
    const result = await pcRequest(pc, 'GET', '/customers', undefined, {}, partnerCenterToken(pc, { kind: 'user-password' }));
    expect(result.status).toBe(401);
    expect(pcErrorCode(result)).toBe(900421);
    expect((await pcRequest(pc, 'GET', '/customers')).status).toBe(200);
  });

  it('serves App-only tokens for reads and refuses them for App+User operations with 403 2032', async () => {
    const app = partnerCenterToken(pc, { kind: 'app' });
    expect((await pcRequest(pc, 'GET', '/customers', undefined, {}, app)).status).toBe(200);
    const created = await pcRequest(pc, 'POST', '/customers', { CompanyProfile: { Domain: 'appsonly.onmicrosoft.com' } }, {}, app);
    expect(created.status).toBe(403);
    expect(pcErrorCode(created)).toBe(2032);
  });

  it('answers HEAD /domains with 200 for a taken domain and 404 for a free one', async () => {
    expect((await pcRequest(pc, 'HEAD', '/domains/authcustomer.onmicrosoft.com')).status).toBe(200);
    expect((await pcRequest(pc, 'HEAD', '/domains/nobodyhere.onmicrosoft.com')).status).toBe(404);
  });

  it('echoes MS-RequestId and MS-CorrelationId', async () => {
    const result = await pcRequest(pc, 'GET', '/customers', undefined, { 'MS-RequestId': 'req-1', 'MS-CorrelationId': 'corr-1' });
    expect(result.headers.get('ms-requestid')).toBe('req-1');
    expect(result.headers.get('ms-correlationid')).toBe('corr-1');
    expect(result.headers.get('ms-cv')).toBeTruthy();
  });
});

describe('throttling and faults', () => {
  it('answers 429 with Retry-After once the partner window is used, and again after the window', async () => {
    await control(pc, 'PUT', `/partner-center/partners/${pc.partner.id}/throttle`, { requestsPerWindow: 2, windowSeconds: 30 });
    await control(pc, 'POST', '/clock', { advanceSeconds: 31 });
    expect((await pcRequest(pc, 'GET', '/customers')).status).toBe(200);
    expect((await pcRequest(pc, 'GET', '/customers')).status).toBe(200);
    const throttled = await pcRequest(pc, 'GET', '/customers');
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(throttled.body).toEqual({ statusCode: 429, message: expect.stringMatching(/^Rate limit is exceeded\. Try again in \d+ seconds\.$/) });
    await control(pc, 'PUT', `/partner-center/partners/${pc.partner.id}/throttle`, { enabled: false });
    expect((await pcRequest(pc, 'GET', '/customers')).status).toBe(200);
  });

  it('injects faults with the Partner Center error body', async () => {
    await control(pc, 'POST', '/faults', { pathPattern: '^/v1/customers$', method: 'GET', status: 503, retryAfterSeconds: 4 });
    const failed = await pcRequest(pc, 'GET', '/customers');
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('4');
    expect(pcErrorCode(failed)).toBe(0);
    expect((await pcRequest(pc, 'GET', '/customers')).status).toBe(200);
  });
});
