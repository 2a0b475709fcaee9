import { randomUUID } from 'node:crypto';
import { bearerKeyMatches, hashBearerKey, idOfBearerKey, newBearerKey } from '../core/bearer-keys.ts';
import { LanyardError } from '../core/errors.ts';
import { findApiToken, insertApiToken, listApiTokens, markApiTokenRevoked, touchApiToken } from './data/api-token-store.ts';
import { recordAuditEvent } from '../core/db/audit-events.ts';
import type { Db } from '../core/db/database.ts';
import type { ApiToken } from './data/tables.ts';
import { requireOrganization } from '../idp/accounts/organizations.ts';

/**
 * Admin API tokens: `lyt.<id>.<randomness>`, one organization each, shown once at creation and
 * stored as a SHA-256. Creating and revoking are audited; use is recorded as last-used time.
 */
export interface ApiTokenSummary {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

const summarize = (token: ApiToken): ApiTokenSummary => ({ id: token.id, name: token.name, createdAt: token.createdAt, lastUsedAt: token.lastUsedAt, revokedAt: token.revokedAt });

export async function createApiToken(db: Db, organizationSlug: string, name: string, actor: string, now = new Date()): Promise<{ token: ApiTokenSummary; secret: string }> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 100) throw new LanyardError('API_TOKEN_NAME_INVALID', 'token name must be 1 to 100 characters');
  const organization = await requireOrganization(db, organizationSlug);
  const id = randomUUID();
  const secret = newBearerKey('lyt', id);
  const row: ApiToken = { id, organizationId: organization.id, name: trimmed, tokenHash: hashBearerKey(secret), createdAt: now.toISOString(), lastUsedAt: null, revokedAt: null };
  await insertApiToken(db, row);
  await recordAuditEvent(db, { actor, action: 'api-token.create', target: `api-token:${id}`, outcome: 'success', details: { organization: organization.slug, name: trimmed } }, now);
  return { token: summarize(row), secret };
}

export async function listOrganizationApiTokens(db: Db, organizationSlug: string): Promise<ApiTokenSummary[]> {
  const organization = await requireOrganization(db, organizationSlug);
  return (await listApiTokens(db, organization.id)).map(summarize);
}

export async function revokeApiToken(db: Db, id: string, actor: string, now = new Date()): Promise<void> {
  if (!(await findApiToken(db, id))) throw new LanyardError('API_TOKEN_NOT_FOUND', `no API token ${id}`);
  if (!(await markApiTokenRevoked(db, id, now))) throw new LanyardError('API_TOKEN_ALREADY_REVOKED', `API token ${id} is already revoked`);
  await recordAuditEvent(db, { actor, action: 'api-token.revoke', target: `api-token:${id}`, outcome: 'success' }, now);
}

/**
 * The token a request presents, checked in constant time. Unknown and wrong tokens get the same
 * answer; a revoked one is named only after it matched.
 */
export async function authenticateApiToken(db: Db, secret: string | undefined, now = new Date()): Promise<ApiToken> {
  if (!secret) throw new LanyardError('API_TOKEN_MISSING', 'send an API token as Authorization: Bearer <token> (create one with `lanyard api-token create`)');
  const id = idOfBearerKey('lyt', secret);
  const token = id ? await findApiToken(db, id) : undefined;
  if (!token || !bearerKeyMatches(secret, token.tokenHash)) throw new LanyardError('API_TOKEN_INVALID', 'the API token is not valid');
  if (token.revokedAt) throw new LanyardError('API_TOKEN_REVOKED', 'this API token was revoked');
  await touchApiToken(db, token.id, now);
  return token;
}
