import { systemClock } from '../../core/clock.ts';
import { table, type CommandDefinition } from '../../core/commands.ts';
import { errorCodes, type ErrorCode } from '../../core/error-codes.ts';
import { LanyardError } from '../../core/errors.ts';
import { findCustomerDomain, listCustomerDomains } from '../data/customer-domains.ts';
import { findCustomerById } from '../data/customers.ts';
import type { CspCustomerDomain } from '../data/tables.ts';
import { requireCustomer } from '../customers/require-customer.ts';
import { addDomainForCustomer, recordsForCustomerDomain, verifyDomainForCustomer } from '../domains/domain-actions.ts';
import type { DomainSetupOutcome } from '../domains/domain-setup.ts';
import { cliDnsWriter } from '../domains/hosted-zone-access.ts';
import { federateCustomerDomain } from '../domains/federate-customer-domain.ts';
import type { CspCustomer } from '../data/tables.ts';
import type { AppContext } from '../../core/context.ts';
import type { DelegatedTenantAccess } from '../../core/services.ts';

/** The outcome of add / verify for people: state, what was written, what to add by hand, what failed. */
function describeOutcome(outcome: DomainSetupOutcome): string {
  const lines = [`${outcome.domain}: ${outcome.state}${outcome.hostedZone ? ` (zone ${outcome.hostedZone} hosted by Lanyard's DNS provider, ${outcome.written.length} rrset(s) written)` : ''}`];
  if (outcome.error) lines.push(`  ${outcome.error.code}: ${outcome.error.message}`);
  else if (outcome.note) lines.push(`  ${outcome.note}`);
  for (const conflict of outcome.conflicts) lines.push(`  not written: ${conflict.reason}`);
  if (outcome.toAdd.length > 0) {
    lines.push(outcome.state === 'verified' ? '  add these records at the domain’s DNS host for Microsoft 365’s services:' : `  add this record at the domain’s DNS host, then run \`lanyard csp domain verify ${outcome.domain}\`:`);
    for (const entry of outcome.toAdd) lines.push(`    ${entry.line}${entry.optional ? '  (optional)' : ''}`);
  }
  return lines.join('\n');
}

async function requireDomain(context: AppContext, domain: string): Promise<{ row: CspCustomerDomain; customer: NonNullable<Awaited<ReturnType<typeof findCustomerById>>> }> {
  const row = await findCustomerDomain(context.db, domain);
  if (!row) throw new LanyardError('CSP_DOMAIN_NOT_FOUND', `${domain} is not a customer domain in Lanyard; add it with \`lanyard csp domain add <customer> ${domain}\``, { domain });
  const customer = await findCustomerById(context.db, row.customerId);
  if (!customer) throw new LanyardError('CSP_CUSTOMER_NOT_FOUND', `the customer of ${domain} is gone`, { domain });
  return { row, customer };
}

/** A failed outcome as the error the command exits with (its code when registered). */
function outcomeError(outcome: DomainSetupOutcome): LanyardError {
  const code = outcome.error!.code;
  const registered: ErrorCode = code in errorCodes ? (code as ErrorCode) : 'CSP_DOMAIN_VERIFICATION_FAILED';
  return new LanyardError(registered, outcome.error!.message, { domain: outcome.domain, state: outcome.state, toAdd: outcome.toAdd, resolverSaw: outcome.checks.map((check) => ({ record: `${check.record.type} ${check.record.name}`, status: check.status, seen: check.seen })) });
}

/**
 * `--federate` after add / verify: a verified domain is federated now; one still waiting for its
 * record is not (the job does not federate), and the text says how to do it once verified.
 */
async function federateIfAsked(context: AppContext & { delegatedAccess: DelegatedTenantAccess | undefined }, customer: CspCustomer, outcome: DomainSetupOutcome, federate: boolean): Promise<{ json: unknown; text: string }> {
  if (!federate) return { json: outcome, text: describeOutcome(outcome) };
  if (outcome.state !== 'verified') {
    return { json: { ...outcome, federation: null }, text: `${describeOutcome(outcome)}
not federated yet: ${outcome.domain} is not verified; run \`lanyard csp domain verify ${outcome.domain} --federate\` once its record is in place` };
  }
  const report = await federateCustomerDomain(context, customer, outcome.domain, 'cli');
  return { json: { ...outcome, federation: report }, text: `${describeOutcome(outcome)}
${report.domain} is federated to Lanyard (${report.protocol === 'wsfed' ? 'WS-Federation' : 'SAML 2.0'}, MFA ${report.mfaBehavior}); Microsoft shows it as ${report.result?.authenticationType}.` };
}

export const domainCommands: readonly CommandDefinition[] = [
  {
    words: ['csp', 'domain', 'add'],
    positionals: ['customer', 'domain'],
    options: { federate: { type: 'boolean' } },
    summary: 'csp domain add <customer> <domain> [--federate]',
    async run({ args, options, context, services }) {
      const customer = await requireCustomer(context.db, args.customer!);
      const outcome = await addDomainForCustomer({ ...context, delegatedAccess: services.delegatedTenantAccess }, systemClock, customer, args.domain!, cliDnsWriter);
      // Added and waiting for its TXT record is the expected first step for a zone Lanyard does not host.
      if (outcome.error && outcome.error.code !== 'CSP_DOMAIN_VERIFICATION_FAILED') throw outcomeError(outcome);
      return federateIfAsked({ ...context, delegatedAccess: services.delegatedTenantAccess }, customer, outcome, options.federate === true);
    },
  },
  {
    words: ['csp', 'domain', 'verify'],
    positionals: ['domain'],
    options: { federate: { type: 'boolean' } },
    summary: 'csp domain verify <domain> [--federate]',
    async run({ args, options, context, services }) {
      const { row, customer } = await requireDomain(context, args.domain!);
      const outcome = await verifyDomainForCustomer({ ...context, delegatedAccess: services.delegatedTenantAccess }, systemClock, customer, row, cliDnsWriter);
      if (outcome.error) throw outcomeError(outcome);
      return federateIfAsked({ ...context, delegatedAccess: services.delegatedTenantAccess }, customer, outcome, options.federate === true);
    },
  },
  {
    words: ['csp', 'domain', 'records'],
    positionals: ['domain'],
    options: { setup: { type: 'boolean' } },
    summary: 'csp domain records <domain> [--setup]',
    async run({ args, options, context, services }) {
      const { row, customer } = await requireDomain(context, args.domain!);
      const setup = options.setup === true;
      const view = await recordsForCustomerDomain({ ...context, delegatedAccess: services.delegatedTenantAccess }, systemClock, customer, row, { setup }, cliDnsWriter);
      const lines = [
        `${view.domain}: ${view.verified ? 'verified; the service records' : 'not verified; the verification record'}${view.hostedZone ? ` (zone ${view.hostedZone} hosted by Lanyard's DNS provider${setup ? `, ${view.written.length} rrset(s) written` : ''})` : ''}:`,
        ...view.records.map((entry, index) => `  ${entry.line}\n      ${view.checks[index]!.explanation}`),
        ...view.conflicts.map((conflict) => `  not written: ${conflict.reason}`),
        ...(view.note ? [`  ${view.note}`] : []),
      ];
      return { json: view, text: lines.join('\n') };
    },
  },
  {
    words: ['csp', 'domain', 'list'],
    positionals: ['customer'],
    summary: 'csp domain list <customer>',
    async run({ args, context, services }) {
      const customer = await requireCustomer(context.db, args.customer!);
      const rows = await listCustomerDomains(context.db, customer.id);
      const text = rows.length
        ? table(['DOMAIN', 'STATE', 'ATTEMPTS', 'NEXT ATTEMPT', 'LAST ERROR'], rows.map((row) => [row.domain, row.state, String(row.attempts), row.nextAttemptAt ?? '-', row.lastError ?? '-']))
        : `no domains for ${customer.domain}; add one with \`lanyard csp domain add ${customer.domain} <domain>\``;
      return { json: rows, text };
    },
  },
];
