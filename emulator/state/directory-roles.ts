import { randomUUID } from 'node:crypto';
import type { DirectoryRole, Tenant } from './model.ts';
import { EmulatorStateError } from './store.ts';

/** Built-in role templates (ids are fixed across all tenants; Entra "Role template IDs"). */
const templates = [
  { roleTemplateId: '62e90394-69f5-4237-9190-012177145e10', displayName: 'Global Administrator', description: 'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.' },
  { roleTemplateId: '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2', displayName: 'Hybrid Identity Administrator', description: 'Can manage cloud provisioning and federation settings.' },
  { roleTemplateId: 'fe930be7-5e62-47db-91af-98c3a49a38b1', displayName: 'User Administrator', description: 'Can manage all aspects of users and groups.' },
] as const;

export const globalAdministratorTemplateId = templates[0].roleTemplateId;
export const directoryRoleNames = templates.map((template) => template.displayName) as [string, ...string[]];

/** Activates the role of `roleTemplateId` in the tenant (idempotent) and returns it. */
export function activateDirectoryRole(tenant: Tenant, roleTemplateId: string): DirectoryRole {
  const existing = tenant.directoryRoles.get(roleTemplateId);
  if (existing) return existing;
  const template = templates.find((candidate) => candidate.roleTemplateId === roleTemplateId);
  if (!template) throw new EmulatorStateError(`unknown directory role template ${roleTemplateId}`, 'not-found');
  const role: DirectoryRole = { id: randomUUID(), ...template, memberIds: new Set() };
  tenant.directoryRoles.set(roleTemplateId, role);
  return role;
}

/** Makes user `userId` a member of the built-in role named `displayName`. */
export function assignDirectoryRole(tenant: Tenant, displayName: string, userId: string): void {
  const template = templates.find((candidate) => candidate.displayName === displayName);
  if (!template) throw new EmulatorStateError(`unknown directory role ${displayName}`);
  activateDirectoryRole(tenant, template.roleTemplateId).memberIds.add(userId);
}
