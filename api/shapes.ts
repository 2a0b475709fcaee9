import { z } from 'zod';

/**
 * The admin API's named shapes: each is one schema, registered under its name, so the OpenAPI
 * document lists it once under components/schemas and every route that uses it refers to it.
 * Anything not named here is written inline where it is used. Names and descriptions go to zod's
 * global registry, where `.describe()` puts every field's description too (the converter reads one registry).
 */
export const namedShapes = z.globalRegistry;
const byName = new Map<string, z.ZodType>();

/** Registers `schema` as the component `id` (and returns it, to declare and name in one line). */
export function named<Schema extends z.ZodType>(id: string, schema: Schema, description?: string): Schema {
  if (byName.has(id)) throw new Error(`two API shapes are named ${id}`);
  namedShapes.add(schema, { id, ...(description && { description }) });
  byName.set(id, schema);
  return schema;
}

/** The schema registered as `id`, for the document builder. */
export function shapeNamed(id: string): z.ZodType | undefined {
  return byName.get(id);
}

/** The answer to every refused request (core/http/error-handler.ts writes it). */
export const errorShape = named('Error', z.strictObject({
  error: z.strictObject({
    code: z.string().describe('Stable code (core/error-codes.ts): match on this, never on the message.'),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional().describe('Facts the caller may act on: the invalid field, the running run.'),
  }),
}), 'A refused request: its stable code, a message for people, and facts to act on.');

const time = z.string().describe('ISO 8601 time (UTC)');
export const timeShape = time;

export const domainShape = named('Domain', z.strictObject({
  name: z.string(),
  protocol: z.enum(['wsfed', 'saml']),
  mfaBehavior: z.enum(['enforce', 'accept', 'reject']),
  federated: z.boolean(),
  tenantId: z.string().nullable(),
  federatedAt: time.nullable(),
}), 'A domain of the organization with its federation state.');

export const organizationShape = named('Organization', z.strictObject({
  slug: z.string(),
  name: z.string(),
  mfaPolicy: z.enum(['required', 'optional']),
  domains: z.array(z.strictObject({ name: z.string(), issuerUri: z.string(), protocol: z.enum(['wsfed', 'saml']), mfaBehavior: z.enum(['enforce', 'accept', 'reject']) })),
}), 'An organization, its MFA policy and its domains with their issuers.');

export const userShape = named('User', z.strictObject({
  id: z.string(),
  upn: z.string(),
  immutableId: z.string(),
  displayName: z.string().nullable(),
  givenName: z.string().nullable(),
  surname: z.string().nullable(),
  source: z.enum(['local', 'directory', 'imported']),
  status: z.enum(['active', 'disabled', 'pending']),
  usageLocation: z.string().nullable(),
  microsoftObjectId: z.string().nullable(),
  mfaEnrolled: z.boolean(),
  createdAt: time,
  updatedAt: time,
}), 'An account of the organization.');

export const activationLinkShape = named('ActivationLink', z.strictObject({
  upn: z.string(),
  url: z.string().describe('Shown once: the person opens it to choose a password and set up an authenticator app.'),
  expiresAt: time,
}), 'The one-time link a pending account is activated with.');

const outcomeCounts = z.record(z.string(), z.number().int()).describe('Accounts by outcome (created, updated, disabled, unchanged, skipped, failed, …)');

export const runShape = named('ProvisioningRun', z.strictObject({
  id: z.string(),
  organization: z.string(),
  kind: z.enum(['import', 'export']),
  trigger: z.string(),
  requestedBy: z.string(),
  status: z.string(),
  phase: z.string(),
  dryRun: z.boolean(),
  total: z.number().int().nullable(),
  processed: z.number().int(),
  counts: outcomeCounts,
  throttled: z.number().int(),
  error: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  heldBy: z.string().nullable(),
  createdAt: time,
  finishedAt: time.nullable(),
}), 'A provisioning run (import from or export to the tenant) and its progress.');

export const preflightCheckShape = named('PreflightCheck', z.looseObject({
  id: z.string(),
  ok: z.boolean(),
  message: z.string(),
  fix: z.string().optional(),
  users: z.array(z.record(z.string(), z.unknown())).optional(),
}), 'One check made before federating, with what to fix when it fails.');

export const federateReportShape = named('FederateReport', z.strictObject({
  domain: z.string(),
  tenantId: z.string(),
  dryRun: z.boolean(),
  action: z.enum(['create', 'update']),
  protocol: z.enum(['wsfed', 'saml']),
  mfaBehavior: z.enum(['enforce', 'accept', 'reject']),
  checks: z.array(preflightCheckShape),
  body: z.record(z.string(), z.unknown()).describe('The Graph internalDomainFederation body sent (or, for a dry run, that would be sent).'),
  result: z.strictObject({ authenticationType: z.string(), federationConfigurationId: z.string() }).optional(),
}), 'What federating a domain did (or, as a dry run, would do).');

export const unfederateReportShape = named('UnfederateReport', z.strictObject({
  domain: z.string(),
  tenantId: z.string(),
  dryRun: z.boolean(),
  action: z.enum(['convert', 'none']),
  authenticationType: z.enum(['Managed', 'Federated']),
  warnings: z.array(z.string()),
}), 'What unfederating a domain did (or, as a dry run, would do).');

export const agentShape = named('DirectoryAgent', z.strictObject({
  id: z.string(),
  name: z.string(),
  organizationId: z.string(),
  createdAt: time,
  revokedAt: time.nullable(),
  lastSeenAt: time.nullable(),
  connected: z.boolean(),
  version: z.string().nullable(),
  lastError: z.strictObject({ code: z.string(), message: z.string(), at: time.nullable() }).nullable(),
}), 'An on-premises directory agent of the organization.');

export const auditEventShape = named('AuditEvent', z.strictObject({
  id: z.string(),
  occurredAt: time,
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(['success', 'failure']),
  reason: z.string().nullable(),
  clientAddress: z.string().nullable(),
  details: z.string().nullable().describe('JSON object with further facts (never secrets).'),
}), 'One audited event.');
