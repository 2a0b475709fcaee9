import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Agent, setGlobalDispatcher } from 'undici';
import { signJwt } from '../../emulator/entra/jwt.ts';
import { applyCustomerSeed, applyPartnerSeed, catalogFromSeed, catalogSchema, customerSchema, partnerSchema } from '../../emulator/partner-center/seed.ts';
import { startEmulator, type RunningEmulator } from '../../emulator/start.ts';
import { applyTenantSeed, tenantSchema } from '../../emulator/state/seed.ts';
import type { Tenant } from '../../emulator/state/model.ts';
import { loadOrCreateKeys, type EmulatorKeys } from '../../emulator/tls/key-store.ts';

export const businessBasic = 'CFQ7TTC0LH18:0001:CFQ7TTC0K971';
export const businessBasicSkuId = '3b555118-da6a-4418-894f-7df1e2096870';
export const legacyE3 = '796B6B5F-613C-4E24-A17C-EBA730D49C02';
export const legacyE3SkuId = '6fd2c87f-b296-42f0-b197-1e91e994b900';

const catalog = catalogSchema.parse({
  countries: ['US'],
  products: [{
    id: 'CFQ7TTC0LH18', title: 'Microsoft 365 Business Basic',
    skus: [{ id: '0001', title: 'Microsoft 365 Business Basic', minimumQuantity: 1, maximumQuantity: 300, licenseSkuId: businessBasicSkuId, skuPartNumber: 'O365_BUSINESS_ESSENTIALS',
      availabilities: [{ id: 'CFQ7TTC0K971', terms: [{ duration: 'P1M', billingCycle: 'monthly' }, { duration: 'P1Y', billingCycle: 'annual' }] }] }],
  }],
  offers: [{ id: legacyE3, name: 'Office 365 E3', minimumQuantity: 1, maximumQuantity: 100, licenseSkuId: legacyE3SkuId, skuPartNumber: 'ENTERPRISEPACK' }],
});

export interface PartnerCenterEmulator {
  readonly emulator: RunningEmulator;
  readonly keys: EmulatorKeys;
  readonly partner: Tenant;
  readonly appId: string;
  readonly agentUserId: string;
}

/**
 * An emulator with one partner (tenant `name`, one app, one service-account user) and a small catalog.
 * The token endpoint's authorization-code flow is another branch's work, so tests sign Partner Center
 * tokens with the emulator's own token key (read back from its state directory) instead.
 */
export async function startPartnerCenterEmulator(name = 'northwindcsp', partnerOptions: Record<string, unknown> = {}): Promise<PartnerCenterEmulator> {
  const stateDirectory = await mkdtemp(path.join(tmpdir(), 'pc-emulator-'));
  const emulator = await startEmulator({ stateDirectory });
  const keys = await loadOrCreateKeys(stateDirectory);
  setGlobalDispatcher(new Agent({ connect: { ca: [...tls.rootCertificates, emulator.caCertPem] } }));
  const partner = applyTenantSeed(emulator.state, tenantSchema.parse({
    name, apps: [{ clientSecret: 'partner-secret', displayName: 'CSP automation' }],
    users: [{ userPrincipalName: `agent@${name}.onmicrosoft.com`, displayName: 'Agent' }],
  }));
  emulator.state.partnerCenter.catalog = catalogFromSeed(catalog);
  applyPartnerSeed(emulator.state, partnerSchema.parse({ tenant: name, ...partnerOptions }));
  const agent = [...partner.users.values()][0];
  const app = partner.apps[0];
  if (!agent || !app) throw new Error('partner seed incomplete');
  return { emulator, keys, partner, appId: app.clientId, agentUserId: agent.id };
}

/** An existing tenant `name` made a customer of the partner, optionally with an accepted MCA and subscriptions. */
export function seedCustomer(pc: PartnerCenterEmulator, name: string, extra: Record<string, unknown> = {}): Tenant {
  const tenant = applyTenantSeed(pc.emulator.state, tenantSchema.parse({ name }));
  applyCustomerSeed(pc.emulator.state, customerSchema.parse({ tenant: tenant.id, partner: pc.partner.id, ...extra }));
  return tenant;
}

export interface TokenOptions {
  /** App+User with MFA (default), App+User without MFA, or App-only. */
  readonly kind?: 'user-mfa' | 'user-password' | 'app';
  readonly audience?: string;
  readonly lifetimeSeconds?: number;
}

/** A Partner Center access token shaped like Entra's v1 tokens, valid at the emulator's current time. */
export function partnerCenterToken(pc: PartnerCenterEmulator, options: TokenOptions = {}): string {
  const kind = options.kind ?? 'user-mfa';
  const issuedAt = Math.floor(pc.emulator.state.now() / 1000);
  const common = {
    aud: options.audience ?? 'https://api.partnercenter.microsoft.com',
    iss: `https://sts.windows.net/${pc.partner.id}/`,
    iat: issuedAt,
    nbf: issuedAt,
    exp: issuedAt + (options.lifetimeSeconds ?? 3599),
    appid: pc.appId,
    tid: pc.partner.id,
    ver: '1.0',
    uti: randomUUID(),
  };
  const claims = kind === 'app'
    ? { ...common, idtyp: 'app', oid: randomUUID(), roles: [] }
    : { ...common, idtyp: 'user', oid: pc.agentUserId, scp: 'user_impersonation', amr: kind === 'user-mfa' ? ['pwd', 'mfa'] : ['pwd'] };
  return signJwt(claims, pc.keys.tokenSigning);
}

export interface PartnerCenterResult {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown> | undefined;
}

/** A raw Partner Center call; the token is minted fresh (at the emulator's clock) unless given. */
export async function pcRequest(
  pc: PartnerCenterEmulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  token: string = partnerCenterToken(pc),
): Promise<PartnerCenterResult> {
  const response = await fetch(`${pc.emulator.baseUrl}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

/** The error code, after checking the body has Partner Center's error shape. */
export function pcErrorCode(result: PartnerCenterResult): number | string {
  const body = result.body;
  if (!body || typeof body.description !== 'string' || body.source !== 'PartnerFD' || !Array.isArray(body.data)) {
    throw new Error(`not a Partner Center error body: ${JSON.stringify(body)}`);
  }
  return body.code as number | string;
}

export async function control(pc: PartnerCenterEmulator, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${pc.emulator.baseUrl}/_emulator${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}
