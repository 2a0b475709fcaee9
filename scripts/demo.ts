import { loadLanyardConfig, openLanyard } from '../server/modules.ts';
/**
 * `npm run demo`: the Microsoft 365 emulator and Lanyard side by side on this machine, with a demo
 * domain that Lanyard itself connected and federated (tenant connect + federate), and a user with a
 * password and TOTP. Prints what to open and type. Ctrl-C stops both. Only this demo (and tests)
 * may import the emulator.
 *
 * Ports: DEMO_EMULATOR_PORT (default 8443), PORT (Lanyard, default 9443). State: ./data/demo (fresh each run).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { generate } from 'otplib';
import { Agent, setGlobalDispatcher } from 'undici';
import { createLogger } from '../core/logger.ts';
import { startEmulator } from '../emulator/start.ts';
import { applyTenantSeed, tenantSchema } from '../emulator/state/seed.ts';
import { issueServerCertificate } from '../emulator/tls/key-store.ts';
import { addDomain } from '../idp/accounts/domains.ts';
import { createOrganization } from '../idp/accounts/organizations.ts';
import { addUser, enrolUserTotp } from '../idp/accounts/users.ts';
import { federateDomain } from '../provisioning/federation/federate.ts';
import { connectTenant } from '../provisioning/tenant/tenant-connection.ts';
import { createServer } from '../server/app.ts';

const domain = 'contoso.test';
const upn = `alice@${domain}`;
const password = 'Demo-Password-2024!';
const dataDir = path.resolve('data/demo');
const emulatorPort = Number(process.env.DEMO_EMULATOR_PORT ?? 8443);
const lanyardPort = Number(process.env.PORT ?? 9443);

rmSync(dataDir, { recursive: true, force: true });
const emulatorDir = path.join(dataDir, 'emulator');
const emulator = await startEmulator({ port: emulatorPort, stateDirectory: emulatorDir });
// Lanyard runs in this process and calls the emulator (MSAL, Graph): trust the emulator's CA here.
setGlobalDispatcher(new Agent({ connect: { ca: [...tls.rootCertificates, emulator.caCertPem] } }));
const { certFile, keyFile } = await issueServerCertificate(emulatorDir, 'lanyard');

const env = {
  LANYARD_DATA_DIR: dataDir,
  LANYARD_MASTER_KEY: randomBytes(32).toString('base64'),
  PORT: String(lanyardPort),
  LANYARD_PUBLIC_URL: `https://127.0.0.1:${lanyardPort}`,
  LANYARD_TLS_CERT_FILE: certFile,
  LANYARD_TLS_KEY_FILE: keyFile,
  LANYARD_MICROSOFT_LOGIN_URL: emulator.baseUrl,
  LANYARD_GRAPH_URL: emulator.baseUrl,
  LANYARD_LOG_LEVEL: 'warn',
};
const context = await openLanyard(loadLanyardConfig(env), { logger: createLogger('warn') });
const server = await createServer(context);
const listening = await server.listen();

await createOrganization(context.db, { slug: 'contoso', name: 'Contoso (demo)', mfaPolicy: 'required' }, 'demo');
await addDomain(context.db, context.config.publicUrl, { organization: 'contoso', name: domain }, 'demo');
const alice = await addUser(context.db, { upn, displayName: 'Alice Demo', password }, { actor: 'demo', passwordHashCost: context.config.passwordHashCost });
const totp = await enrolUserTotp(context.db, context.secretBox, upn, 'demo');

const clientSecret = randomBytes(24).toString('base64url');
const tenant = applyTenantSeed(emulator.state, tenantSchema.parse({
  name: 'contoso',
  displayName: 'Contoso (demo tenant)',
  apps: [{ clientSecret, displayName: 'Lanyard', roles: ['Domain.Read.All', 'Domain-InternalFederation.ReadWrite.All', 'User.ReadWrite.All', 'RoleManagement.Read.Directory'] }],
  domains: [{ id: domain }],
  users: [
    { userPrincipalName: 'breakglass@contoso.onmicrosoft.com', displayName: 'Break-glass admin', directoryRoles: ['Global Administrator'] },
    { userPrincipalName: upn, displayName: 'Alice Demo', onPremisesImmutableId: alice.immutableId },
  ],
}));
await connectTenant(context, { organization: 'contoso', tenantId: tenant.id, clientId: tenant.apps[0]!.clientId, clientSecret }, 'demo');
await federateDomain(context, { domain, protocol: 'wsfed', mfaBehavior: 'enforce', dryRun: false }, 'demo');

const code = await generate({ secret: totp.secret, epoch: Math.floor(Date.now() / 1000), period: 30 });
process.stdout.write(`
Lanyard demo is running.

  Microsoft 365 (emulator)  ${emulator.baseUrl}/signin
  Lanyard                   ${listening.url}   (metadata: ${context.config.publicUrl}/federation/${domain}/federationmetadata.xml)

${domain} is federated to Lanyard (WS-Federation, MFA enforced by Lanyard).

Sign in:
  1. Open ${emulator.baseUrl}/signin in a browser. Both servers use certificates from the emulator's
     own CA (${emulator.caCertPath}): accept the browser warning, or import that CA.
  2. Type ${upn}: Microsoft sends you to Lanyard.
  3. Password: ${password}
  4. TOTP: add secret ${totp.secret} to an authenticator app
     (otpauth URI: ${totp.otpauthUri}); the code right now is ${code}.
  5. You land on the emulator's "You're signed in" page, with MFA satisfied by Lanyard.

The CLI against this demo (another terminal; the server keeps running):
  export LANYARD_DATA_DIR=${dataDir} LANYARD_MASTER_KEY=${env.LANYARD_MASTER_KEY} \\
         LANYARD_PUBLIC_URL=${env.LANYARD_PUBLIC_URL} LANYARD_MICROSOFT_LOGIN_URL=${emulator.baseUrl} \\
         LANYARD_GRAPH_URL=${emulator.baseUrl} NODE_EXTRA_CA_CERTS=${emulator.caCertPath}
  npx lanyard federate ${domain} --dry-run
  npx lanyard keys rotate        # pushes the certificates to Microsoft before each switch
  npx lanyard unfederate ${domain}

Ctrl-C stops the demo.
`);

await new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
await listening.close();
await context.close();
await emulator.close();
