import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { createSigner } from './federation-tokens.ts';
import { fetchAccessToken, graphErrorCode, graphRequest, seedTenant, startTrustedEmulator } from './harness.ts';

/**
 * The `/_emulator/quirks` switches: each one turns on one federation behaviour real Graph has been
 * seen to show, none is on by default, an unknown switch is a 400, and reset turns them all off.
 */
let emulator: RunningEmulator;
let token: string;
let certificate: string;

beforeAll(async () => {
  emulator = await startTrustedEmulator();
  certificate = (await createSigner('CN=Quirk IdP')).certificate;
});
afterAll(async () => {
  await emulator.close();
});

const setQuirks = (body: Record<string, unknown>) =>
  fetch(`${emulator.baseUrl}/_emulator/quirks`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** A fresh tenant with `domain` federated (a configuration POSTed), and its configuration id. */
async function federated(name: string): Promise<{ domain: string; id: string }> {
  const domain = `${name}.example`;
  token = await fetchAccessToken(emulator, seedTenant(emulator, name, ['Domain.ReadWrite.All', 'Domain-InternalFederation.ReadWrite.All'], { domains: [{ id: domain }] }));
  const created = await graphRequest(emulator, token, 'POST', `/domains/${domain}/federationConfiguration`, {
    issuerUri: `https://idp.test/federation/${domain}`, passiveSignInUri: `https://idp.test/federation/${domain}/wsfed`, signingCertificate: certificate,
  });
  expect(created.status).toBe(201);
  return { domain, id: String(created.body?.id) };
}

const authenticationType = async (domain: string) => (await graphRequest(emulator, token, 'GET', `/domains/${domain}`)).body?.authenticationType;
const configurations = async (domain: string) => (await graphRequest(emulator, token, 'GET', `/domains/${domain}/federationConfiguration`)).body?.value;

describe('Graph quirk switches', () => {
  it('are all off by default and listed in the state', async () => {
    const state = (await (await fetch(`${emulator.baseUrl}/_emulator/state`)).json()) as { quirks: Record<string, boolean> };
    expect(state.quirks).toEqual({ federationConfigurationNotFoundWhenNone: false, managedDeletesFederationConfiguration: false, deletingFederationConfigurationMakesManaged: false });
    expect((await setQuirks({ somethingElse: true })).status).toBe(400);
  });

  it('federationConfigurationNotFoundWhenNone: 404 Request_ResourceNotFound for an empty list, the list when there is one', async () => {
    const { domain, id } = await federated('quirk-list');
    expect((await graphRequest(emulator, token, 'DELETE', `/domains/${domain}/federationConfiguration/${id}`)).status).toBe(204);
    expect(await configurations(domain)).toEqual([]);
    expect((await setQuirks({ federationConfigurationNotFoundWhenNone: true })).status).toBe(200);
    const empty = await graphRequest(emulator, token, 'GET', `/domains/${domain}/federationConfiguration`);
    expect([empty.status, graphErrorCode(empty)]).toEqual([404, 'Request_ResourceNotFound']);
    await setQuirks({ federationConfigurationNotFoundWhenNone: false });
  });

  it('managedDeletesFederationConfiguration: PATCH Managed takes the configuration with it', async () => {
    const kept = await federated('quirk-managed-off');
    expect((await graphRequest(emulator, token, 'PATCH', `/domains/${kept.domain}`, { authenticationType: 'Managed' })).status).toBe(204);
    expect(await configurations(kept.domain)).toHaveLength(1);
    await setQuirks({ managedDeletesFederationConfiguration: true });
    const removed = await federated('quirk-managed-on');
    expect((await graphRequest(emulator, token, 'PATCH', `/domains/${removed.domain}`, { authenticationType: 'Managed' })).status).toBe(204);
    expect(await configurations(removed.domain)).toEqual([]);
    await setQuirks({ managedDeletesFederationConfiguration: false });
  });

  it('deletingFederationConfigurationMakesManaged: DELETE turns the domain Managed', async () => {
    const kept = await federated('quirk-delete-off');
    await graphRequest(emulator, token, 'DELETE', `/domains/${kept.domain}/federationConfiguration/${kept.id}`);
    expect(await authenticationType(kept.domain)).toBe('Federated');
    await setQuirks({ deletingFederationConfigurationMakesManaged: true });
    const converted = await federated('quirk-delete-on');
    await graphRequest(emulator, token, 'DELETE', `/domains/${converted.domain}/federationConfiguration/${converted.id}`);
    expect(await authenticationType(converted.domain)).toBe('Managed');
  });

  it('reset turns every switch off again', async () => {
    await setQuirks({ federationConfigurationNotFoundWhenNone: true, managedDeletesFederationConfiguration: true });
    expect((await fetch(`${emulator.baseUrl}/_emulator/reset`, { method: 'POST' })).status).toBe(204);
    const state = (await (await fetch(`${emulator.baseUrl}/_emulator/state`)).json()) as { quirks: Record<string, boolean> };
    expect(Object.values(state.quirks)).toEqual([false, false, false]);
  });
});
