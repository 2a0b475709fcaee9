import type { Tenant } from '../state/model.ts';

/** A tenant as the inspect API shows it: everything except client secrets and passwords. */
export function serializeTenant(tenant: Tenant): Record<string, unknown> {
  return {
    id: tenant.id,
    name: tenant.name,
    displayName: tenant.displayName,
    apps: tenant.apps.map(({ clientSecret: _secret, ...app }) => app),
    domains: [...tenant.domains.values()].map((domain) => ({ ...domain })),
    users: [...tenant.users.values()].map((user) => ({ ...user, hasPassword: tenant.passwords.has(user.id) })),
    skus: [...tenant.skus.values()],
    directoryRoles: [...tenant.directoryRoles.values()].map(({ memberIds, ...role }) => ({ ...role, memberIds: [...memberIds] })),
    throttle: tenant.throttle,
  };
}
