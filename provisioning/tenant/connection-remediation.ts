import type { ConnectionCheck } from './connection-test.ts';

const connectAgain = 'then enter it under "Change the app registration" on this page (or `lanyard tenant connect`)';

/**
 * What an admin does about a failed step of "Test connection" when the organization uses its own
 * app registration: Entra's refusals of the client-credential token by AADSTS code, Graph's by
 * status and code, and the checks of the organization's domains. (A CSP partner's delegated access
 * has its own table, csp/graph/graph-remediation.ts.)
 */
export const appRegistrationTokenRemediations: Readonly<Record<string, string>> = {
  AADSTS7000215: `The client secret is not right: often the secret's ID was pasted instead of its Value. In the app registration's Certificates & secrets, create a new client secret and copy its Value, ${connectAgain}.`,
  AADSTS7000222: `The client secret has expired. Create a new client secret in the app registration (Certificates & secrets), ${connectAgain}.`,
  AADSTS700016: 'No app with this client id is in this tenant. Check the tenant id and the application (client) id on the app registration\'s Overview page; an app from another tenant must first be consented in this one.',
  AADSTS90002: 'No tenant has this id or domain. Use the Directory (tenant) id from the app registration\'s Overview page.',
  AADSTS7000229: 'The app has no service principal in this tenant. A Global Administrator grants admin consent for it (Enterprise applications, or the app registration\'s API permissions → Grant admin consent).',
  AADSTS53003: 'Conditional Access blocked the token. Exclude this workload identity from the blocking policy, or allow it from Lanyard\'s addresses.',
};

const permissionsNeeded = 'Domain.Read.All, Domain-InternalFederation.ReadWrite.All, User.ReadWrite.All and RoleManagement.Read.Directory';

/** The remediation of a failed or warned check, or null when there is nothing to do (or Lanyard knows nothing better than Microsoft's message). */
export function appRegistrationRemediation(check: ConnectionCheck): string | null {
  if (check.outcome === 'ok' || check.outcome === 'skipped') return null;
  if (check.code === 'MICROSOFT_UNREACHABLE') return 'Lanyard could not reach Microsoft: check this server\'s network, DNS and proxy, and LANYARD_MICROSOFT_LOGIN_URL / LANYARD_GRAPH_URL.';
  if (check.id === 'token') return (check.aadsts && appRegistrationTokenRemediations[check.aadsts]) || `Read Entra's message above; check the tenant id, client id and secret of the app registration, ${connectAgain}.`;
  if (check.id === 'organization') {
    if (check.graphStatus === 403) return 'Optional: grant the app the Organization.Read.All application permission (with admin consent) to see the tenant\'s name here. Lanyard does not need it.';
    if (check.code === 'TENANT_ID_INVALID') return `The credentials belong to another tenant than the one entered: use the Directory (tenant) id of the app registration, ${connectAgain}.`;
  }
  if (check.graphStatus === 403) return `The app lacks a Graph permission. In the app registration's API permissions, add the application permissions ${permissionsNeeded}, then Grant admin consent.`;
  if (check.id.startsWith('domain:')) {
    return check.outcome === 'warn'
      ? 'Verify the domain in the Microsoft 365 admin center (Settings → Domains): add the DNS TXT record it shows.'
      : 'Add and verify the domain in the Microsoft 365 admin center (Settings → Domains), or connect the tenant that holds it.';
  }
  return null;
}
