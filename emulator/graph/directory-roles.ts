import type { DirectoryRole } from '../state/model.ts';
import { requireAnyRole, type GraphCall, type GraphResponse, type GraphRoute } from './dispatcher.ts';
import { notFound } from './errors.ts';
import { contextUrl } from './odata.ts';

/** Graph docs (directoryrole-list, directoryrole-list-members): least privilege RoleManagement.Read.Directory. */
const directoryRoleReadRoles = ['RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All'];

function roleResource(role: DirectoryRole): Record<string, unknown> {
  return { id: role.id, deletedDateTime: null, description: role.description, displayName: role.displayName, roleTemplateId: role.roleTemplateId };
}

function listDirectoryRoles(call: GraphCall): GraphResponse {
  requireAnyRole(call, directoryRoleReadRoles);
  const value = [...call.caller.tenant.directoryRoles.values()].map(roleResource);
  return { status: 200, headers: {}, body: { '@odata.context': contextUrl(call, 'directoryRoles'), value } };
}

/** A role by object id, or by `roleTemplateId=` in either OData alternate-key form. */
function findRole(call: GraphCall, key: string): DirectoryRole {
  const templateKey = /^\(?roleTemplateId='?(?<id>[0-9a-f-]+)'?\)?$/i.exec(key)?.groups?.id;
  const roles = [...call.caller.tenant.directoryRoles.values()];
  const role = templateKey ? roles.find((candidate) => candidate.roleTemplateId === templateKey) : roles.find((candidate) => candidate.id === key);
  if (!role) throw notFound(templateKey ?? key);
  return role;
}

function getDirectoryRole(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, directoryRoleReadRoles);
  const role = findRole(call, parameters.roleKey ?? '');
  return { status: 200, headers: {}, body: { '@odata.context': contextUrl(call, 'directoryRoles/$entity'), ...roleResource(role) } };
}

/** Members as directoryObjects typed `#microsoft.graph.user` (Graph returns up to 1,000, without paging). */
function listMembers(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, directoryRoleReadRoles);
  const role = findRole(call, parameters.roleKey ?? '');
  const tenant = call.caller.tenant;
  const value = [...role.memberIds]
    .map((id) => tenant.users.get(id))
    .filter((user) => user !== undefined)
    .map((user) => ({
      '@odata.type': '#microsoft.graph.user',
      id: user.id,
      businessPhones: user.businessPhones,
      displayName: user.displayName,
      givenName: user.givenName,
      jobTitle: user.jobTitle,
      mail: user.mail,
      mobilePhone: user.mobilePhone,
      officeLocation: user.officeLocation,
      preferredLanguage: user.preferredLanguage,
      surname: user.surname,
      userPrincipalName: user.userPrincipalName,
    }));
  return { status: 200, headers: {}, body: { '@odata.context': contextUrl(call, 'directoryObjects'), value } };
}

// `/directoryRoles(roleTemplateId='…')/members` and `/directoryRoles/roleTemplateId=…/members` are both Graph forms.
const rolePath = String.raw`^\/directoryRoles(?:\/(?<roleKey>[^/()]+)|(?<roleKey2>\(roleTemplateId=(?:'|%27)[0-9a-f-]+(?:'|%27)\)))`;

export const directoryRoleRoutes: readonly GraphRoute[] = [
  { method: 'GET', pattern: /^\/directoryRoles\/?$/, handler: listDirectoryRoles },
  { method: 'GET', pattern: new RegExp(`${rolePath}\\/members\\/?$`), handler: (call, parameters) => listMembers(call, { roleKey: parameters.roleKey ?? parameters.roleKey2 ?? '' }) },
  { method: 'GET', pattern: new RegExp(`${rolePath}\\/?$`), handler: (call, parameters) => getDirectoryRole(call, { roleKey: parameters.roleKey ?? parameters.roleKey2 ?? '' }) },
];
