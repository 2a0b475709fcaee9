import { requireAnyRole, type GraphCall, type GraphResponse, type GraphRoute } from './dispatcher.ts';
import { notFound } from './errors.ts';
import { contextUrl, paginate, parseFilter } from './odata.ts';

const memberReadRoles = ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];

/**
 * GET /groups/{id}/members and /groups/{id}/transitiveMembers: the group's users as directoryObjects
 * (`@odata.type` `#microsoft.graph.user`), paged as /users is. The emulator has no nested groups, so
 * both answer the same. Members deleted from the tenant are not listed.
 */
function listMembers(call: GraphCall, parameters: Readonly<Record<string, string>>): GraphResponse {
  requireAnyRole(call, memberReadRoles);
  const tenant = call.caller.tenant;
  const group = tenant.groups.get(parameters.groupId ?? '');
  if (!group) throw notFound(parameters.groupId ?? '');
  const members = [...group.memberIds].flatMap((id) => {
    const user = tenant.users.get(id);
    return user ? [{ '@odata.type': '#microsoft.graph.user', id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName }] : [];
  });
  const page = paginate(call, `/groups/${group.id}/${parameters.kind}`, members);
  return {
    status: 200,
    headers: {},
    body: { '@odata.context': contextUrl(call, 'directoryObjects'), value: page.items, ...(page.nextLink ? { '@odata.nextLink': page.nextLink } : {}) },
  };
}

/** GET /groups with `$filter=displayName eq '…'` (or id): the groups' id and displayName. */
function listGroups(call: GraphCall): GraphResponse {
  requireAnyRole(call, ['Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All']);
  const predicate = parseFilter(call, { displayName: ['eq', 'startswith'], id: ['eq'] });
  const groups = [...call.caller.tenant.groups.values()].map((group) => ({ id: group.id, displayName: group.displayName, securityEnabled: true, mailEnabled: false })).filter((group) => predicate?.(group) ?? true);
  const page = paginate(call, '/groups', groups);
  return { status: 200, headers: {}, body: { '@odata.context': contextUrl(call, 'groups'), value: page.items, ...(page.nextLink ? { '@odata.nextLink': page.nextLink } : {}) } };
}

export const groupRoutes: readonly GraphRoute[] = [
  { method: 'GET', pattern: /^\/groups\/?$/, handler: listGroups },{ method: 'GET', pattern: /^\/groups\/(?<groupId>[^/]+)\/(?<kind>members|transitiveMembers)\/?$/, handler: listMembers },
];
