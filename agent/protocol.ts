import { z } from 'zod';

/**
 * The HTTP messages between `lanyard-agent` and Lanyard (`/agent/v1`), as strict schemas shared by
 * both ends: the server validates every push with them (unknown fields, wrong types and oversize
 * lists are refused with AGENT_PUSH_INVALID), and the agent builds its pushes from the same types.
 */
const guidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const text = (max: number) => z.string().min(1).max(max);
const optionalText = (max: number) => z.string().max(max).nullable();

export const maxBatchEntries = 1000;
export const maxDeletions = 200_000;

/** A directory anchor in canonical GUID text (lower case), e.g. an entryUUID or objectGUID. */
export const anchorSchema = z.string().regex(guidPattern, 'anchor must be a lower-case GUID');

export const directoryEntrySchema = z.strictObject({
  anchor: anchorSchema,
  dn: text(2048),
  upn: text(256),
  displayName: optionalText(256),
  givenName: optionalText(256),
  surname: optionalText(256),
  mail: optionalText(256),
  /** Two-letter country code from the directory (AD: `c`); absent from agents older than the field. */
  usageLocation: z.string().regex(/^[A-Z]{2}$/, 'usageLocation must be a two-letter country code').nullable().optional(),
  /** False for an account the directory has disabled (AD userAccountControl ACCOUNTDISABLE). */
  enabled: z.boolean().default(true),
});
export type DirectoryEntry = z.infer<typeof directoryEntrySchema>;

/** An entry the agent could not map (no anchor, no UPN attribute); reported, never applied. */
export const rejectedEntrySchema = z.strictObject({
  dn: text(2048),
  code: text(64),
  message: text(1024),
});
export type RejectedEntry = z.infer<typeof rejectedEntrySchema>;

export const startRunRequestSchema = z.strictObject({
  mode: z.enum(['full', 'delta']),
  version: z.string().max(64).optional(),
});

export const batchRequestSchema = z.strictObject({
  entries: z.array(directoryEntrySchema).max(maxBatchEntries),
  rejected: z.array(rejectedEntrySchema).max(maxBatchEntries).default([]),
});
export type BatchRequest = z.input<typeof batchRequestSchema>;

export const completeRunRequestSchema = z.strictObject({
  /** Anchors Lanyard lists as active that are no longer in the agent's scope. */
  deletions: z.array(anchorSchema).max(maxDeletions),
  checkpoint: z.string().max(256).nullable().default(null),
});

export const failRunRequestSchema = z.strictObject({
  code: text(64),
  message: text(1024),
});

export const agentErrorReportSchema = z.strictObject({
  error: z.strictObject({ code: text(64), message: text(1024) }).nullable(),
  version: z.string().max(64).optional(),
});

export const pollRequestSchema = z.strictObject({
  waitSeconds: z.number().int().min(0).max(60).default(25),
});

export const passThroughAnswerSchema = z.strictObject({
  result: z.enum(['valid', 'invalid', 'error']),
  code: z.string().max(64).nullable().default(null),
});

export interface EntryFailure {
  readonly anchor: string | null;
  readonly dn: string;
  readonly code: string;
  readonly message: string;
}

export interface BatchResult {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
  readonly failed: readonly EntryFailure[];
}

export interface PassThroughTask {
  readonly id: string;
  readonly anchor: string;
  readonly upn: string;
  readonly password: string;
}
