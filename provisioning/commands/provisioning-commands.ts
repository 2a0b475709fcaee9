import { isErrorCode, LanyardError } from '../../core/errors.ts';
import { listResults } from '../data/provisioning-results.ts';
import { type User } from '../../core/db/schema.ts';
import { provisioningOutcomes, type ProvisioningOutcome, type ProvisioningRunKind } from '../data/tables.ts';
import { findUserById } from '../../core/db/users.ts';
import { requireOrganization } from '../../idp/accounts/organizations.ts';
import { requireUser } from '../../idp/accounts/users.ts';
import { deliverActivationLinks, type ActivationDelivery } from '../activation/activation-mail.ts';
import { listLicences, setDefaultLicences } from '../licences/licences.ts';
import {
  listRunReports, provisioningDeps, resumeProvisioning, runProvisioning, runReport, setAutoProvisioning, setDefaultUsageLocation,
  setProvisioningThreshold, showRun, type RunReport,
} from '../runs/run-admin.ts';
import type { RunProgress } from '../runs/run-context.ts';
import { openTenantGraph } from '../tenant/graph-client.ts';
import type { AppContext } from '../../core/context.ts';
import { table, type CommandDefinition, type CommandOutput } from '../../core/commands.ts';

const outcomes: readonly ProvisioningOutcome[] = provisioningOutcomes;

/** A one-line progress bar on stderr, only when a person is watching (stderr is a terminal). */
function progressBar(): ((progress: RunProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  return ({ phase, processed, total }) => {
    const width = 30;
    const ratio = phase === 'apply' && total ? Math.min(1, processed / total) : 0;
    const bar = phase === 'apply' ? `[${'#'.repeat(Math.round(ratio * width)).padEnd(width, '.')}] ${Math.round(ratio * 100)}%` : 'reading tenant users…';
    process.stderr.write(`\r${bar} ${processed}${phase === 'apply' && total ? `/${total}` : ''}   `);
  };
}

function summaryText(report: RunReport): string {
  const counts = outcomes.filter((outcome) => report.counts[outcome]).map((outcome) => `${outcome} ${report.counts[outcome]}`).join(', ');
  return [
    `${report.dryRun ? 'dry run (nothing written): ' : ''}${report.kind} run ${report.id} of ${report.organization}: ${report.status}`,
    `accounts: ${report.processed}${report.total === null ? '' : `/${report.total}`}${counts ? ` — ${counts}` : ''}`,
    ...(report.throttled > 0 ? [`Graph throttled ${report.throttled} requests (retried)`] : []),
    ...(report.error ? [`${report.error.code}: ${report.error.message}`] : []),
  ].join('\n');
}

function resultTable(results: Awaited<ReturnType<typeof showRun>>['results']): string {
  return table(
    ['UPN', 'OUTCOME', 'REASON', 'DETAIL'],
    results.map((result) => [result.upn, result.outcome, result.reason ?? '', result.message ?? (result.details ? JSON.stringify(result.details) : '')]),
  );
}

/** The accounts a run created that are still pending (they need an activation link). */
async function pendingAccountsOf(context: AppContext, runId: string): Promise<User[]> {
  const users: User[] = [];
  for (let page = await listResults(context.db, runId, { outcomes: ['created'] }); page.length > 0; page = await listResults(context.db, runId, { outcomes: ['created'], after: page.at(-1)!.subject })) {
    for (const result of page) {
      const user = result.userId ? await findUserById(context.db, result.userId) : undefined;
      if (user?.status === 'pending') users.push(user);
    }
  }
  return users;
}

function deliveryText(delivery: ActivationDelivery): string[] {
  return [
    ...(delivery.emailed.length > 0 ? ['', `${delivery.emailed.length} activation links sent by e-mail.`] : []),
    ...(delivery.shown.length > 0
      ? ['', `${delivery.shown.length} activation links to pass on yourself (shown once):`, table(['UPN', 'LINK', 'EXPIRES', 'WHY SHOWN'], delivery.shown.map((link) => [link.upn, link.url, link.expiresAt.slice(0, 10), link.reason]))]
      : []),
  ];
}

const runCommand = (kind: ProvisioningRunKind): CommandDefinition => ({
  words: ['users', kind],
  positionals: ['org'],
  options: { 'dry-run': { type: 'boolean' }, confirm: { type: 'boolean' } },
  summary: `users ${kind} <org> [--dry-run] [--confirm]`,
  async run({ args, options, context, services }): Promise<CommandOutput> {
    const deps = provisioningDeps(context, undefined, services);
    const dryRun = options['dry-run'] === true;
    const { run, resumed } = await runProvisioning(deps, { organization: args.org!, kind, dryRun, confirm: options.confirm === true, requestedBy: 'cli', trigger: 'cli' }, progressBar());
    if (process.stderr.isTTY) process.stderr.write('\n');
    const report = await runReport(context.db, run);
    // The run stored the code of the error that stopped it; the command fails with that code.
    const stoppedBy = report.error?.code;
    if (run.status !== 'completed') throw new LanyardError(stoppedBy && isErrorCode(stoppedBy) ? stoppedBy : 'PROVISIONING_FAILED', `${summaryText(report)}`, { runId: run.id });
    const shown = dryRun ? outcomes.filter((outcome) => outcome !== 'unchanged') : (['failed', 'skipped', 'disabled'] as const);
    const { results } = await showRun(context.db, run.id, { outcomes: shown, limit: dryRun ? 100_000 : 200 });
    const delivery: ActivationDelivery = kind === 'import' && !dryRun
      ? await deliverActivationLinks(context, await pendingAccountsOf(context, run.id), 'cli')
      : { emailed: [], shown: [] };
    const text = [
      ...(resumed ? [`resumed the interrupted run ${run.id}`] : []),
      summaryText(report),
      ...(results.length > 0 ? ['', resultTable(results)] : []),
      ...(!dryRun && results.length >= 200 ? [`(first 200; all of them: lanyard runs show ${run.id} --outcome failed)`] : []),
      ...deliveryText(delivery),
    ].join('\n');
    return { json: { run: report, results, activationLinks: delivery.shown, activationEmails: delivery.emailed }, text };
  },
});

export const provisioningCommands: readonly CommandDefinition[] = [
  runCommand('import'),
  runCommand('export'),
  {
    words: ['runs', 'show'],
    positionals: ['id'],
    options: { outcome: { type: 'string', choices: outcomes } },
    summary: 'runs show <id> [--outcome created|updated|matched|unchanged|disabled|skipped|failed]',
    async run({ args, options, context }) {
      const outcome = options.outcome as ProvisioningOutcome | undefined;
      const { report, results } = await showRun(context.db, args.id!, { limit: 100_000, ...(outcome ? { outcomes: [outcome] } : {}) });
      return { json: { run: report, results }, text: [summaryText(report), '', resultTable(results)].join('\n') };
    },
  },
  {
    words: ['runs', 'list'],
    positionals: ['org'],
    summary: 'runs list <org>',
    async run({ args, context }) {
      const reports = await listRunReports(context.db, args.org!);
      return {
        json: reports,
        text: table(
          ['ID', 'KIND', 'STATUS', 'DRY RUN', 'ACCOUNTS', 'FAILED', 'STARTED'],
          reports.map((report) => [report.id, report.kind, report.status, report.dryRun ? 'yes' : '', `${report.processed}/${report.total ?? '?'}`, String(report.counts.failed ?? 0), report.createdAt.slice(0, 19)]),
        ),
      };
    },
  },
  {
    words: ['runs', 'resume'],
    positionals: ['id'],
    summary: 'runs resume <id>   (an interrupted run, once its lease has expired)',
    async run({ args, context, services }) {
      const run = await resumeProvisioning(provisioningDeps(context, undefined, services), args.id!, progressBar());
      if (process.stderr.isTTY) process.stderr.write('\n');
      const report = await runReport(context.db, run);
      return { json: report, text: summaryText(report) };
    },
  },
  {
    words: ['licences', 'list'],
    positionals: ['org'],
    summary: 'licences list <org>   (the tenant\'s subscriptions with seats; * marks the default list)',
    async run({ args, context, services }) {
      const organization = await requireOrganization(context.db, args.org!);
      const { client } = await openTenantGraph({ db: context.db, masterKey: context.masterKey, config: context.config, delegatedAccess: services.delegatedTenantAccess }, organization.id);
      const { skus, missingDefaults } = await listLicences(context.db, client, organization);
      return {
        json: { skus, missingDefaults },
        text: [
          table(['', 'SKU', 'SKU ID', 'SEATS', 'USED', 'FREE', 'STATUS'], skus.map((sku) => [sku.isDefault ? '*' : '', sku.skuPartNumber, sku.skuId, String(sku.enabled), String(sku.consumed), String(sku.free), sku.capabilityStatus])),
          ...missingDefaults.map((licence) => `default licence ${licence.skuPartNumber} is no longer in the tenant`),
        ].join('\n'),
      };
    },
  },
  {
    words: ['licences', 'set-default'],
    positionals: ['org', 'skus'],
    summary: 'licences set-default <org> <sku[,sku…]|none>   (SKU part numbers or ids from `licences list`)',
    async run({ args, context, services }) {
      const organization = await requireOrganization(context.db, args.org!);
      const references = args.skus === 'none' ? [] : args.skus!.split(',').map((sku) => sku.trim()).filter(Boolean);
      const { client } = await openTenantGraph({ db: context.db, masterKey: context.masterKey, config: context.config, delegatedAccess: services.delegatedTenantAccess }, organization.id);
      const licences = await setDefaultLicences(context.db, client, organization, references, 'cli');
      return { json: licences, text: licences.length > 0 ? `exported accounts get ${licences.map((licence) => licence.skuPartNumber).join(', ')}` : 'no default licences' };
    },
  },
  {
    words: ['org', 'set-auto-provisioning'],
    positionals: ['org', 'state'],
    summary: 'org set-auto-provisioning <org> on|off',
    async run({ args, context }) {
      if (args.state !== 'on' && args.state !== 'off') throw new LanyardError('USAGE', 'usage: lanyard org set-auto-provisioning <org> on|off');
      await setAutoProvisioning(context.db, args.org!, args.state === 'on', 'cli');
      return {
        json: { organization: args.org, autoProvisioning: args.state === 'on' },
        text: args.state === 'on' ? 'auto-provisioning on: `lanyard serve` exports new and changed accounts within seconds (earlier ones need one `users export`)' : 'auto-provisioning off',
      };
    },
  },
  {
    words: ['org', 'set-usage-location'],
    positionals: ['org', 'country'],
    summary: 'org set-usage-location <org> <country|none>   (ISO 3166 code set on exported accounts; licences need one)',
    async run({ args, context }) {
      await setDefaultUsageLocation(context.db, args.org!, args.country === 'none' ? null : args.country!, 'cli');
      return { json: { organization: args.org, usageLocation: args.country }, text: `default usage location: ${args.country}` };
    },
  },
  {
    words: ['org', 'set-provisioning-threshold'],
    positionals: ['org', 'count'],
    summary: 'org set-provisioning-threshold <org> <count>   (runs disabling more accounts stop for --confirm; default 500)',
    async run({ args, context }) {
      await setProvisioningThreshold(context.db, args.org!, Number(args.count), 'cli');
      return { json: { organization: args.org, threshold: Number(args.count) }, text: `provisioning runs disabling more than ${args.count} accounts now need --confirm` };
    },
  },
  {
    words: ['user', 'activation-link'],
    positionals: ['upn'],
    summary: 'user activation-link <upn>   (a new link for a pending account, e-mailed when SMTP is set; earlier links stop working)',
    async run({ args, context }) {
      const user = await requireUser(context.db, args.upn!);
      if (user.status !== 'pending') throw new LanyardError('USER_NOT_PENDING', `${user.upn} is ${user.status}; only pending accounts are activated`);
      const delivery = await deliverActivationLinks(context, [user], 'cli');
      const sent = delivery.emailed[0];
      const link = delivery.shown[0];
      return sent
        ? { json: { upn: user.upn, emailedTo: sent.to }, text: `activation link sent to ${sent.to}` }
        : { json: link, text: `${link!.url}\nvalid until ${link!.expiresAt}; send it to ${link!.upn} (${link!.reason})` };
    },
  },
];
