import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Agent, setGlobalDispatcher } from 'undici';
import type { Clock } from '../../core/clock.ts';
import type { Dialect } from '../../core/db/database.ts';
import { startEmulator, type RunningEmulator } from '../../emulator/start.ts';
import { issueServerCertificate } from '../../emulator/tls/key-store.ts';
import type { FederationProtocol, MfaBehavior } from '../../idp/federation/graph-federation-body.ts';
import { federateDomain } from '../../provisioning/federation/federate.ts';
import { connectTenant } from '../../provisioning/tenant/tenant-connection.ts';
import { seedTenant, type SeededTenant } from '../emulator/harness.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization, seedUser } from '../harness/seed.ts';

/** The Graph permissions Lanyard's app registration needs for tenant connect, federate and key pushes. */
export const federationAppRoles = ['Domain.Read.All', 'Domain-InternalFederation.ReadWrite.All', 'User.ReadWrite.All', 'RoleManagement.Read.Directory'];

export interface FederationStack {
  readonly emulator: RunningEmulator;
  readonly lanyard: RunningLanyard;
  close(): Promise<void>;
}

/**
 * The emulator and a Lanyard server in this process, both on HTTPS: the emulator insists on an https
 * passiveSignInUri, as Entra does. Lanyard's certificate (127.0.0.1) is issued by the emulator's CA,
 * and this process trusts that CA through undici's global dispatcher (MSAL, Graph client and fetch all
 * use it). Chromium contexts use `ignoreHTTPSErrors` instead of importing the CA into an NSS store.
 */
export async function startFederationStack(options: { dialect?: Dialect; env?: Record<string, string>; clock?: Clock } = {}): Promise<FederationStack> {
  const stateDirectory = mkdtempSync(path.join(tmpdir(), 'lanyard-e2e-'));
  const emulator = await startEmulator({ stateDirectory });
  setGlobalDispatcher(new Agent({ connect: { ca: [...tls.rootCertificates, emulator.caCertPem] } }));
  const { certFile, keyFile } = await issueServerCertificate(stateDirectory, 'lanyard');
  const lanyard = await startLanyard(options.dialect ?? 'sqlite', {
    LANYARD_TLS_CERT_FILE: certFile,
    LANYARD_TLS_KEY_FILE: keyFile,
    LANYARD_MICROSOFT_LOGIN_URL: emulator.baseUrl,
    LANYARD_GRAPH_URL: emulator.baseUrl,
    LANYARD_PARTNER_CENTER_URL: emulator.baseUrl,
    ...options.env,
  }, { clock: options.clock });
  return {
    emulator,
    lanyard,
    async close() {
      await lanyard.stop();
      await emulator.close();
      rmSync(stateDirectory, { recursive: true, force: true });
    },
  };
}

export interface FederatedUser {
  readonly upn: string;
  readonly immutableId: string;
  readonly totpSecret: string;
}

export interface FederatedDomain {
  readonly domain: string;
  readonly tenant: SeededTenant;
  readonly users: Readonly<Record<string, FederatedUser>>;
}

/**
 * An organization `slug` with domain `slug`.test in Lanyard (users with password and TOTP) and a tenant
 * `slug` in the emulator holding the same users with matching ImmutableIDs and a break-glass Global
 * Administrator, then connected and federated through the same services the CLI uses. A user named
 * `dana@sales` lives in the subdomain sales.`slug`.test, which the tenant has too and which follows
 * the federated root domain.
 */
export async function setUpFederatedDomain(
  stack: FederationStack,
  input: { slug: string; protocol: FederationProtocol; mfaBehavior: MfaBehavior; users: readonly string[] },
): Promise<FederatedDomain> {
  const { context } = stack.lanyard;
  const domain = `${input.slug}.test`;
  await seedOrganization(context, { slug: input.slug, domain });
  const users: Record<string, FederatedUser> = {};
  const subdomains = new Set<string>();
  for (const name of input.users) {
    const [alias, subdomain] = name.split('@');
    if (subdomain) subdomains.add(`${subdomain}.${domain}`);
    const { user, totpSecret } = await seedUser(context, `${alias}@${subdomain ? `${subdomain}.` : ''}${domain}`);
    users[name] = { upn: user.upn, immutableId: user.immutableId, totpSecret: totpSecret! };
  }
  const tenant = seedTenant(stack.emulator, input.slug, federationAppRoles, {
    domains: [{ id: domain }, ...[...subdomains].map((id) => ({ id }))],
    users: [
      { userPrincipalName: `breakglass@${input.slug}.onmicrosoft.com`, directoryRoles: ['Global Administrator'] },
      ...Object.values(users).map((user) => ({ userPrincipalName: user.upn, onPremisesImmutableId: user.immutableId })),
    ],
  });
  await connectTenant(context, { organization: input.slug, tenantId: tenant.tenant.id, clientId: tenant.clientId, clientSecret: tenant.clientSecret }, 'test');
  await federateDomain(context, { domain, protocol: input.protocol, mfaBehavior: input.mfaBehavior, dryRun: false }, 'test');
  return { domain, tenant, users };
}
