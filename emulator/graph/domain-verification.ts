import { createHash } from 'node:crypto';
import dns from 'node:dns';
import type { Domain, Tenant } from '../state/model.ts';

/**
 * Where the emulator looks up a domain's verification record. With a DNS server (`host:port`, e.g.
 * the test's PowerDNS), `POST /domains/{id}/verify` really resolves the TXT record through it, so a
 * verified domain in a test means the record is in DNS. Without one, verification succeeds without
 * a lookup: the emulator's behaviour before it could resolve, kept for tests that are not about DNS
 * and named here so nobody mistakes it for a check.
 */
export interface DomainVerificationDns {
  server: string | undefined;
}

/**
 * The `MS=ms########` value of a domain in a tenant. Derived (not stored) from the tenant and the
 * domain, so it is stable across calls, differs between tenants adding the same name, and needs no
 * state of its own.
 */
export function verificationCode(tenant: Tenant, domain: Domain): string {
  const digest = createHash('sha256').update(`${tenant.id}:${domain.id}`).digest();
  return `ms${String(digest.readUInt32BE(0) % 100_000_000).padStart(8, '0')}`;
}

/** A stable GUID-shaped record id (Graph gives each DNS record an id). */
export function recordId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join(':')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export type VerificationLookup =
  | { readonly found: true }
  | { readonly found: false; readonly reason: string };

/**
 * Looks `MS=<code>` up in the TXT records of the domain through the configured server. Any answer
 * without it (no such name, no TXT records, other TXT values, the server refusing or not answering)
 * is a failed verification, and `reason` says which, as a person would need it.
 */
export async function lookUpVerificationRecord(configured: DomainVerificationDns, domainName: string, code: string): Promise<VerificationLookup> {
  if (configured.server === undefined) return { found: true };
  const resolver = new dns.promises.Resolver({ timeout: 2000, tries: 2 });
  resolver.setServers([configured.server]);
  const expected = `MS=${code}`;
  let answers: string[][];
  try {
    answers = await resolver.resolveTxt(domainName);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'ERROR';
    return { found: false, reason: `the DNS lookup of TXT records for ${domainName} failed (${code}); expected a TXT record "${expected}".` };
  }
  const values = answers.map((strings) => strings.join(''));
  if (values.includes(expected)) return { found: true };
  const seen = values.length === 0 ? 'none' : values.map((value) => `"${value}"`).join(', ');
  return { found: false, reason: `no TXT record "${expected}" was found for ${domainName} (TXT records seen: ${seen}).` };
}
