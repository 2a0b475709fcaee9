import type { Selectable } from 'kysely';

/** The job runner's part of the one Kysely `Database` type. */
declare module '../db/schema.ts' {
  interface Database {
    jobs: JobsTable;
  }
}

/**
 * A job's life: `queued` (waiting for `runAt`) → `running` (leased by one node) → `succeeded` or
 * `failed` (attempts used up, or an error retrying cannot fix); a failure that may pass goes back to
 * `queued` with a later `runAt`. A periodic job never ends: after each run it is queued again.
 * `cancelled` is set by an admin and is final.
 */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobsTable {
  id: string;
  /** What the job does, e.g. `provisioning.run`; the runner hands it to the definition of that kind. */
  kind: string;
  /** One job per key, ever (e.g. `provisioning-run:<id>`, `periodic:<kind>`); null for anonymous jobs. */
  key: string | null;
  /** JSON input of the job. */
  payload: string;
  state: JobState;
  runAt: string;
  /** Claims so far, including the one in progress. */
  attempts: number;
  maxAttempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  /** JSON result of the last successful run. */
  result: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}


export type Job = Selectable<JobsTable>;
