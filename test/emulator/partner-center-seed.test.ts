import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Agent, setGlobalDispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../emulator/start.ts';
import { loadOrCreateKeys } from '../../emulator/tls/key-store.ts';
import { partnerCenterToken, pcRequest, type PartnerCenterEmulator } from './partner-center-harness.ts';

/** The example seed's Partner Center section: partner, catalog, and contoso as a customer whose subscription is its licence pool. */
let pc: PartnerCenterEmulator;
let emulator: RunningEmulator;

beforeAll(async () => {
  const stateDirectory = await mkdtemp(path.join(tmpdir(), 'pc-seed-'));
  emulator = await startEmulator({ stateDirectory, seedPath: 'emulator/seed.example.json' });
  setGlobalDispatcher(new Agent({ connect: { ca: [...tls.rootCertificates, emulator.caCertPem] } }));
  const partner = emulator.state.findTenant('fabrikampartner.onmicrosoft.com');
  if (!partner) throw new Error('seed has no partner tenant');
  pc = { emulator, keys: await loadOrCreateKeys(stateDirectory), partner, appId: partner.apps[0]?.clientId ?? '', agentUserId: [...partner.users.values()][0]?.id ?? '' };
});
afterAll(async () => {
  await emulator.close();
});

describe('seed.example.json', () => {
  it('makes contoso a customer with a Business Basic subscription bought 30 days ago, shown in its licence pool', async () => {
    const customers = await pcRequest(pc, 'GET', '/customers', undefined, {}, partnerCenterToken(pc));
    const contoso = (customers.body?.items as { id: string; companyProfile: { domain: string } }[])[0];
    expect(contoso?.companyProfile.domain).toBe('contoso.onmicrosoft.com');
    const subscriptions = await pcRequest(pc, 'GET', `/customers/${contoso?.id ?? ''}/subscriptions`);
    expect(subscriptions.body?.items).toEqual([expect.objectContaining({ offerId: 'CFQ7TTC0LH18:0001:CFQ7TTC0K971', quantity: 10, refundableQuantity: { totalQuantity: 0, details: [] } })]);
    const pool = await pcRequest(pc, 'GET', `/customers/${contoso?.id ?? ''}/subscribedskus`);
    expect(pool.body?.items).toEqual(expect.arrayContaining([expect.objectContaining({ totalUnits: 10, productSku: expect.objectContaining({ skuPartNumber: 'O365_BUSINESS_ESSENTIALS' }) })]));
    const products = await pcRequest(pc, 'GET', '/products?country=GB&targetView=OnlineServices');
    expect(products.body?.totalCount).toBe(3);
  });
});
