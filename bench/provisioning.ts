/**
 * Provisioning benchmark (`benchProvisioning()`, called by bench/run.ts; or `npx tsx bench/provisioning.ts`).
 *
 * The emulator runs as its own process (seeded from a file), so the memory figures are Lanyard's
 * alone; Lanyard runs here on SQLite with the real Graph client.
 *
 * Export: 10,000 accounts, each created and given one licence = 20,000 Graph writes. The emulator
 * enforces Graph's per app+tenant write quota, 3,000 writes per window, with the window scaled from
 * the documented 150 s to 10 s (factor 15) so the bench takes about a minute; resource units are
 * the large-tenant quota, 8,000 per 10 s (not binding here). The emulator counts fixed windows
 * starting at the first write, so the fastest any client can finish is when the window holding the
 * last write opens: floor((20,000 − 1) / 3,000) × 10 s = 60 s. The figure is run time ÷ that minimum.
 * (The tenant-wide quota of 18,000 writes / 5 min for all apps is looser than the per-app one and is
 * not modelled.)
 *
 * Import: 100,000 tenant users (with immutable IDs, so no write-back) into pending accounts: users/s.
 *
 * Memory: the peak live V8 heap (collected, then read, every 250 ms) above its level at the start of each run,
 * at two sizes (1,000 vs 10,000 exported, 10,000 vs 100,000 imported): flat means the larger run
 * does not need more.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import tls from 'node:tls';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Agent, setGlobalDispatcher } from 'undici';
import { createLogger } from '../core/logger.ts';
import { createSecretBox } from '../core/secret-box.ts';
import { allMigrations } from '../server/modules.ts';
import { migrateToLatest, openDatabase, type Db } from '../core/db/database.ts';
import { insertDomain } from '../core/db/domains.ts';
import { insertOrganization } from '../core/db/organizations.ts';
import { updateProvisioningSettings } from '../provisioning/data/provisioning-settings.ts';
import type { User } from '../core/db/schema.ts';
import type { ProvisioningRun } from '../provisioning/data/tables.ts';
import { saveTenantConnection } from '../provisioning/data/tenant-connections.ts';
import { runProvisioning } from '../provisioning/runs/run-admin.ts';
import { newLeaseOwner, type ProvisioningDeps } from '../provisioning/runs/run-context.ts';
import { openTenantGraph, tenantSecretContext } from '../provisioning/tenant/graph-client.ts';
import type { BenchFigure } from './measure.ts';

const skuId = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const writeQuota = 3000;
const writeWindowSeconds = 10;
const documentedWriteWindowSeconds = 150;

interface TenantPlan {
  readonly name: string;
  readonly tenantUsers: number;
  readonly throttle: Record<string, number>;
}

export async function benchProvisioning(options: { exportUsers?: number; importUsers?: number; smallExport?: number; smallImport?: number } = {}): Promise<BenchFigure[]> {
  const exportUsers = options.exportUsers ?? 10_000;
  const importUsers = options.importUsers ?? 100_000;
  const smallExport = options.smallExport ?? 1_000;
  const smallImport = options.smallImport ?? 10_000;
  const dir = mkdtempSync(path.join(tmpdir(), 'lanyard-bench-provisioning-'));
  const throttle = { writesPerWindow: writeQuota, writeWindowSeconds, resourceUnitsPerWindow: 8000, windowSeconds: 10 };
  const plans: TenantPlan[] = [
    { name: 'bexportsmall', tenantUsers: 0, throttle },
    { name: 'bexport', tenantUsers: 0, throttle },
    { name: 'bimportsmall', tenantUsers: smallImport, throttle },
    { name: 'bimport', tenantUsers: importUsers, throttle },
  ];
  const secrets = writeSeed(dir, plans);
  const emulator = await startEmulatorProcess(dir);
  const { db, close } = openDatabase(path.join(dir, 'lanyard.sqlite'));
  try {
    await migrateToLatest(db, allMigrations);
    setGlobalDispatcher(new Agent({ connect: { ca: [...tls.rootCertificates, readFileSync(emulator.caCertPath, 'utf8')] } }));
    const masterKey = randomBytes(32);
    const deps: ProvisioningDeps = {
      db,
      logger: createLogger('warn'),
      openGraph: (organizationId) => openTenantGraph({ db, masterKey, config: { microsoftLoginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl } }, organizationId),
      leaseSeconds: 60,
      owner: newLeaseOwner(),
      publicUrl: 'https://idp.bench',
    };
    const connect = async (plan: TenantPlan, accounts: number) => {
      const organization = await insertOrganization(db, { slug: plan.name, name: plan.name });
      await insertDomain(db, { organizationId: organization.id, name: `${plan.name}.test`, issuerUri: `https://idp.bench/federation/${plan.name}.test` });
      const tenant = (await (await fetch(`${emulator.baseUrl}/_emulator/tenants/${plan.name}.onmicrosoft.com`)).json()) as { id: string; apps: { clientId: string }[] };
      await saveTenantConnection(db, {
        organizationId: organization.id,
        tenantId: tenant.id,
        clientId: tenant.apps[0]!.clientId,
        clientSecretEncrypted: createSecretBox(masterKey).seal(secrets.get(plan.name)!, tenantSecretContext(organization.id)),
      });
      await updateProvisioningSettings(db, organization.id, { defaultLicences: JSON.stringify([{ skuId, skuPartNumber: 'ENTERPRISEPACK' }]), defaultUsageLocation: 'US' });
      await insertAccounts(db, organization.id, `${plan.name}.test`, accounts);
      return plan.name;
    };

    const small = await measure(deps, await connect(plans[0]!, smallExport), 'export');
    const large = await measure(deps, await connect(plans[1]!, exportUsers), 'export');
    const writes = exportUsers * 2;
    const minimumSeconds = Math.floor((writes - 1) / writeQuota) * writeWindowSeconds;
    const smallImported = await measure(deps, await connect(plans[2]!, 0), 'import');
    const imported = await measure(deps, await connect(plans[3]!, 0), 'import');
    for (const result of [small, large, smallImported, imported]) {
      if (result.run.status !== 'completed' || result.run.counts !== JSON.stringify(JSON.parse(result.run.counts))) throw new Error(`bench run ${result.run.id} ended ${result.run.status}`);
    }
    const ratio = large.seconds / minimumSeconds;
    return [
      {
        name: `export ${exportUsers} users with licences (${writes} writes, write window ${documentedWriteWindowSeconds}s scaled to ${writeWindowSeconds}s), time ÷ quota minimum`,
        value: large.seconds,
        unit: 's',
        reference: { name: 'minimum the write quota allows', value: minimumSeconds, unit: 's' },
        ratio,
        target: '≤ 1.2',
        met: ratio <= 1.2,
      },
      { name: `export ${exportUsers}: 429 answers received (retried)`, value: large.run.throttledCount, unit: '429s' },
      { name: `export ${exportUsers}: outcomes`, value: JSON.parse(large.run.counts).created ?? 0, unit: 'created' },
      heapFlatness('export', exportUsers, large.peakHeapMiB, smallExport, small.peakHeapMiB),
      { name: `import ${importUsers} tenant users`, value: importUsers / imported.seconds, unit: 'users/s' },
      { name: `import ${importUsers}: run time`, value: imported.seconds, unit: 's' },
      heapFlatness('import', importUsers, imported.peakHeapMiB, smallImport, smallImported.peakHeapMiB),
    ];
  } finally {
    await close();
    emulator.child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Peak live heap of the large run against the small one. Growth under 1 MiB counts as 1 MiB, so
 * noise around zero does not make a ratio.
 */
function heapFlatness(kind: string, users: number, peakMiB: number, smallUsers: number, smallPeakMiB: number): BenchFigure {
  const ratio = peakMiB / Math.max(smallPeakMiB, 1);
  return {
    name: `${kind} peak heap growth, ${users} vs ${smallUsers} users`,
    value: peakMiB,
    unit: 'MiB',
    reference: { name: `${smallUsers} users`, value: smallPeakMiB, unit: 'MiB' },
    ratio,
    target: 'flat (≤ 1.5)',
    met: ratio <= 1.5,
  };
}

/** V8's collector, reachable without starting Node with --expose-gc. */
const collectGarbage = (() => {
  v8.setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/**
 * Runs one import or export and measures its time and its peak live heap: every 250 ms the heap is
 * collected and what survives is read, so garbage waiting for collection does not count.
 */
async function measure(deps: ProvisioningDeps, organization: string, kind: 'import' | 'export'): Promise<{ run: ProvisioningRun; seconds: number; peakHeapMiB: number }> {
  collectGarbage();
  const baseline = process.memoryUsage().heapUsed;
  let peak = baseline;
  const sampler = setInterval(() => {
    collectGarbage();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, 250);
  const started = process.hrtime.bigint();
  const { run } = await runProvisioning(deps, { organization, kind, dryRun: false, confirm: false, requestedBy: 'bench', trigger: 'cli' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  return { run, seconds, peakHeapMiB: (peak - baseline) / 1024 / 1024 };
}

async function insertAccounts(db: Db, organizationId: string, domain: string, count: number): Promise<void> {
  const now = new Date().toISOString();
  for (let start = 0; start < count; start += 500) {
    const page: User[] = Array.from({ length: Math.min(500, count - start) }, (_, offset) => ({
      id: randomUUID(), organizationId, upn: `u${String(start + offset).padStart(6, '0')}@${domain}`, immutableId: randomBytes(16).toString('base64'),
      displayName: `User ${start + offset}`, givenName: 'User', surname: String(start + offset), mail: null, source: 'local', externalId: null,
      status: 'active', passwordHash: null, microsoftObjectId: null, usageLocation: null, createdAt: now, updatedAt: now,
    }));
    await db.insertInto('users').values(page).execute();
  }
}

/** One emulator seed file with every tenant (users of import tenants carry immutable IDs). */
function writeSeed(dir: string, plans: readonly TenantPlan[]): Map<string, string> {
  const secrets = new Map(plans.map((plan) => [plan.name, `Bench~${randomBytes(12).toString('hex')}`]));
  const tenants = plans.map((plan) => ({
    name: plan.name,
    apps: [{ clientSecret: secrets.get(plan.name)!, roles: ['User.ReadWrite.All', 'Domain.Read.All', 'LicenseAssignment.ReadWrite.All', 'Organization.Read.All'] }],
    domains: [{ id: `${plan.name}.test` }],
    users: Array.from({ length: plan.tenantUsers }, (_, index) => ({
      userPrincipalName: `t${index}@${plan.name}.test`,
      displayName: `Tenant User ${index}`,
      onPremisesImmutableId: `${plan.name}${index}`,
      usageLocation: 'US',
    })),
    skus: [{ skuId, skuPartNumber: 'ENTERPRISEPACK', prepaidUnits: 1_000_000 }],
    throttle: plan.throttle,
  }));
  writeFileSync(path.join(dir, 'seed.json'), JSON.stringify({ tenants }));
  return secrets;
}

async function startEmulatorProcess(dir: string): Promise<{ baseUrl: string; caCertPath: string; child: ChildProcess }> {
  const root = path.resolve(import.meta.dirname, '..');
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'emulator/main.ts'), '--port', '0', '--seed', path.join(dir, 'seed.json'), '--state-dir', path.join(dir, 'emulator')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  return { ...(JSON.parse(line) as { baseUrl: string; caCertPath: string }), child };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [exportUsers, importUsers] = process.argv.slice(2).map(Number);
  const figures = await benchProvisioning({ ...(exportUsers ? { exportUsers, smallExport: Math.ceil(exportUsers / 10) } : {}), ...(importUsers ? { importUsers, smallImport: Math.ceil(importUsers / 10) } : {}) });
  const { formatFigure } = await import('./measure.ts');
  for (const figure of figures) console.log(formatFigure(figure));
}
