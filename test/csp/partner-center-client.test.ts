import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEvents } from '../../core/db/audit-events.ts';
import { openPartnerCenter } from '../../csp/partner-center/open-partner-center.ts';
import { PartnerCenterClient } from '../../csp/partner-center/partner-center-client.ts';
import { freePort } from '../harness/free-port.ts';
import { createManualClock } from '../harness/manual-clock.ts';
import { startCspWorld, type CspWorld } from './csp-harness.ts';

/**
 * The Partner Center client against the emulator: the delegated token from the consented refresh
 * token (redeemed once, then cached), paging with MS-ContinuationToken, 429 retried after
 * Retry-After on an injected clock, and refusals turned into Lanyard codes naming Partner Center's.
 */
describe('Partner Center client', () => {
  let world: CspWorld;
  beforeAll(async () => {
    world = await startCspWorld('sqlite');
    for (let index = 0; index < 5; index += 1) world.seedCustomer(`pagecust${index}`);
  });
  afterAll(async () => {
    await world?.stop();
  });

  it('lists every customer across pages, redeeming the refresh token once for several calls', async () => {
    const client = openPartnerCenter({ db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock: createManualClock() }, await world.partner(), 'cli:tester');
    const refreshesBefore = (await listAuditEvents(world.lanyard.context.db, {})).filter((event) => event.action === 'csp.partner.refresh').length;
    const customers = await client.all<{ id: string; companyProfile: { domain: string } }>('/v1/customers', { size: '2' });
    expect(customers.map((customer) => customer.companyProfile.domain).sort()).toEqual([0, 1, 2, 3, 4].map((index) => `pagecust${index}.onmicrosoft.com`));
    await client.call('GET', '/v1/customers', { query: { size: '1' } });
    const refreshes = (await listAuditEvents(world.lanyard.context.db, {})).filter((event) => event.action === 'csp.partner.refresh').length;
    expect(refreshes - refreshesBefore).toBe(1);
  });

  it('waits out a 429 for its Retry-After on the clock and then succeeds', async () => {
    const clock = createManualClock();
    const slept: number[] = [];
    // Waiting moves the emulator's clock on by as long, so its throttle window passes without real time passing.
    const sleepingClock = {
      now: () => clock.now(),
      sleep: async (ms: number) => {
        slept.push(ms);
        await world.control('/clock', 'POST', { advanceSeconds: Math.max(ms, 1) / 1000 });
      },
    };
    const client = openPartnerCenter({ db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock: sleepingClock }, await world.partner(), 'cli:tester');
    await client.call('GET', '/v1/customers');
    expect((await world.control(`/partner-center/partners/${world.partnerTenant.id}/throttle`, 'PUT', { enabled: true, requestsPerWindow: 1, windowSeconds: 1 })).status).toBe(200);
    try {
      await client.call('GET', '/v1/customers');
      await client.call('GET', '/v1/customers');
      expect(slept.length).toBeGreaterThan(0);
      expect(slept.every((ms) => ms >= 0 && ms <= 60_000)).toBe(true);
    } finally {
      await world.control(`/partner-center/partners/${world.partnerTenant.id}/throttle`, 'PUT', { enabled: false });
    }
  });

  it('names Partner Center\'s code: a customer the partner does not serve is CSP_NO_RELATIONSHIP (403 / 20002)', async () => {
    const client = openPartnerCenter({ db: world.lanyard.context.db, secretBox: world.lanyard.context.secretBox, clock: createManualClock() }, await world.partner(), 'cli:tester');
    await expect(client.call('GET', '/v1/customers/00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'CSP_NO_RELATIONSHIP', details: { status: 403, partnerCenterCode: '20002', remediation: expect.any(String) } });
  });

  it('asks for a new token once after a 401, then reports the refusal', async () => {
    let asked = 0;
    const client = new PartnerCenterClient({ baseUrl: world.emulator.baseUrl, clock: createManualClock(), token: async () => `not-a-token-${(asked += 1)}` });
    await expect(client.call('GET', '/v1/customers')).rejects.toMatchObject({ code: 'PARTNER_CENTER_REFUSED', details: { status: 401 } });
    expect(asked).toBe(2);
  });

  it('reports an unreachable Partner Center as MICROSOFT_UNREACHABLE', async () => {
    const client = new PartnerCenterClient({ baseUrl: `https://127.0.0.1:${await freePort()}`, clock: createManualClock(), token: async () => 'token' });
    await expect(client.call('GET', '/v1/customers')).rejects.toMatchObject({ code: 'MICROSOFT_UNREACHABLE' });
  });
});
