import type { Domain, Tenant } from '../state/model.ts';
import { EmulatorStateError } from '../state/store.ts';
import { requireAnyRole, type GraphCall, type GraphResponse, type GraphRoute } from './dispatcher.ts';
import { lookUpVerificationRecord, recordId, verificationCode } from './domain-verification.ts';
import { domainReadRoles, domainResource, findDomainOrThrow } from './domains.ts';
import { badRequest, objectConflict } from './errors.ts';
import { contextUrl } from './odata.ts';

const domainWriteRoles = ['Domain.ReadWrite.All', 'Directory.ReadWrite.All'];
/** Microsoft 365's domain syntax (lower-case LDH labels, alphabetic top level). */
const domainNamePattern = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const recordTtl = 3600;

/** `POST /domains` `{"id": "contoso.com"}`: 201 with the new, unverified domain (a subdomain of a verified root is verified with it). */
function addDomain(call: GraphCall): GraphResponse {
  requireAnyRole(call, domainWriteRoles);
  const body = call.request.body as Record<string, unknown> | null;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('A JSON object body is required.');
  for (const property of Object.keys(body)) {
    if (property !== 'id') throw badRequest(`Property '${property}' is read-only or unknown on type 'microsoft.graph.domain'.`);
  }
  const id = typeof body.id === 'string' ? body.id.trim().toLowerCase() : '';
  if (!domainNamePattern.test(id)) throw badRequest(`Invalid domain name '${String(body.id)}'.`);
  if (id.endsWith('.onmicrosoft.com')) throw badRequest('Domains ending in onmicrosoft.com cannot be added.');
  let domain: Domain;
  try {
    domain = call.context.state.addDomain(call.caller.tenant, { id, isVerified: false });
  } catch (error) {
    if (error instanceof EmulatorStateError) throw objectConflict('id');
    throw error;
  }
  return { status: 201, headers: { location: `${call.context.baseUrl}/v1.0/domains/${id}` }, body: { '@odata.context': contextUrl(call, 'domains/$entity'), ...domainResource(domain) } };
}

/**
 * `GET /domains/{id}/verificationDnsRecords`: the TXT record `MS=ms########` at the domain's name
 * (Graph doc shape, B.3), and the MX alternative (EMULATOR CHOICE: `ms########.msv1.invalid`,
 * preference 32767). Only the TXT record is checked by `verify`.
 */
function verificationRecords(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, domainReadRoles);
  const tenant = call.caller.tenant;
  const domain = findDomainOrThrow(tenant, parameters.domainId ?? '');
  const code = verificationCode(tenant, domain);
  const common = { isOptional: false, label: domain.id, supportedService: 'Email', ttl: recordTtl };
  const value = [
    { '@odata.type': '#microsoft.graph.domainDnsTxtRecord', id: recordId(tenant.id, domain.id, 'verify', 'txt'), ...common, recordType: 'Txt', text: `MS=${code}` },
    { '@odata.type': '#microsoft.graph.domainDnsMxRecord', id: recordId(tenant.id, domain.id, 'verify', 'mx'), ...common, recordType: 'Mx', mailExchange: `${code}.msv1.invalid`, preference: 32767 },
  ];
  return { status: 200, headers: {}, body: { '@odata.context': contextUrl(call, `domains('${domain.id}')/verificationDnsRecords`), value } };
}

/**
 * `POST /domains/{id}/verify`: 200 with the domain, now verified, when its TXT record is in DNS.
 * The lookup goes through the emulator's configured DNS server (domain-verification.ts). A missing
 * record is Graph's 400 "Domain verification failed with the following error: …"; the text after
 * the colon is the emulator's (it names the record and what the lookup saw). Verifying a verified
 * domain is 400 "Domain is already verified." (the prefixes are those seen from Graph by scripts
 * that parse them).
 */
async function verifyDomain(call: GraphCall, parameters: Readonly<Record<string, string>>): Promise<GraphResponse> {
  requireAnyRole(call, domainWriteRoles);
  const tenant = call.caller.tenant;
  const domain = findDomainOrThrow(tenant, parameters.domainId ?? '');
  if (domain.isVerified) throw badRequest('Domain is already verified.');
  const lookup = await lookUpVerificationRecord(call.context.domainVerificationDns, domain.id, verificationCode(tenant, domain));
  if (!lookup.found) throw badRequest(`Domain verification failed with the following error: ${lookup.reason}`);
  // The domain may have been removed or verified while the lookup ran.
  const current = tenant.domains.get(domain.id);
  if (current !== domain) throw badRequest(`Domain verification failed with the following error: the domain ${domain.id} is no longer in this tenant.`);
  // Seeded domains get isRoot from isVerified alike; a subdomain of a verified root never gets here (it is verified with it).
  domain.isVerified = true;
  domain.isRoot = true;
  return {
    status: 200,
    headers: {},
    body: { '@odata.context': contextUrl(call, 'domains/$entity'), ...domainResource(domain), availabilityStatus: 'AvailableImmediately' },
  };
}

/**
 * `GET /domains/{id}/serviceConfigurationRecords`: the records Microsoft 365's services need (MX,
 * SPF TXT, autodiscover CNAME for Email; sip/lyncdiscover CNAMEs and two SRV for Teams/Skype;
 * Intune's two CNAMEs), in Graph's documented shape (B.3) with FQDN labels (EMULATOR CHOICE).
 */
function serviceConfigurationRecords(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, domainReadRoles);
  const tenant = call.caller.tenant;
  const domain = findDomainOrThrow(tenant, parameters.domainId ?? '');
  return {
    status: 200,
    headers: {},
    body: { '@odata.context': contextUrl(call, `domains('${domain.id}')/serviceConfigurationRecords`), value: serviceRecords(tenant, domain) },
  };
}

function serviceRecords(tenant: Tenant, domain: Domain): Record<string, unknown>[] {
  const name = domain.id;
  const record = (kind: string, recordType: string, label: string, supportedService: string, fields: Record<string, unknown>, isOptional = false) => ({
    '@odata.type': `#microsoft.graph.domainDns${kind}Record`,
    id: recordId(tenant.id, name, 'service', recordType, label, JSON.stringify(fields)),
    isOptional,
    label,
    recordType,
    supportedService,
    ttl: recordTtl,
    ...fields,
  });
  return [
    record('Mx', 'Mx', name, 'Email', { mailExchange: `${name.replaceAll('.', '-')}.mail.protection.outlook.com`, preference: 0 }),
    record('Txt', 'Txt', name, 'Email', { text: 'v=spf1 include:spf.protection.outlook.com -all' }),
    record('Cname', 'CName', `autodiscover.${name}`, 'Email', { canonicalName: 'autodiscover.outlook.com' }),
    record('Cname', 'CName', `sip.${name}`, 'OfficeCommunicationsOnline', { canonicalName: 'sipdir.online.lync.com' }),
    record('Cname', 'CName', `lyncdiscover.${name}`, 'OfficeCommunicationsOnline', { canonicalName: 'webdir.online.lync.com' }),
    record('Srv', 'Srv', name, 'OfficeCommunicationsOnline', { nameTarget: 'sipdir.online.lync.com', port: 443, priority: 100, protocol: '_tls', service: '_sip', weight: 1 }),
    record('Srv', 'Srv', name, 'OfficeCommunicationsOnline', { nameTarget: 'sipfed.online.lync.com', port: 5061, priority: 100, protocol: '_tcp', service: '_sipfederationtls', weight: 1 }),
    record('Cname', 'CName', `enterpriseregistration.${name}`, 'Intune', { canonicalName: 'enterpriseregistration.windows.net' }),
    record('Cname', 'CName', `enterpriseenrollment.${name}`, 'Intune', { canonicalName: 'enterpriseenrollment.manage.microsoft.com' }),
  ];
}

export const domainSetupRoutes: readonly GraphRoute[] = [
  { method: 'POST', pattern: /^\/domains\/?$/, handler: addDomain },
  { method: 'GET', pattern: /^\/domains\/(?<domainId>[^/]+)\/verificationDnsRecords\/?$/, handler: verificationRecords },
  { method: 'POST', pattern: /^\/domains\/(?<domainId>[^/]+)\/verify\/?$/, handler: verifyDomain },
  { method: 'GET', pattern: /^\/domains\/(?<domainId>[^/]+)\/serviceConfigurationRecords\/?$/, handler: serviceConfigurationRecords },
];
