import { isErrorCode, isLanyardError, LanyardError } from '../../core/errors.ts';
import type { JobDefinition } from '../../core/jobs/job-runner.ts';
import type { Job } from '../../core/jobs/jobs-table.ts';
import type { JobQueue } from '../../core/module.ts';
import { findRun } from '../data/provisioning-runs.ts';
import type { ProvisioningRun } from '../data/tables.ts';
import type { ProvisioningDeps } from './run-context.ts';
import { claimInterruptedRun, executeRun, requestRun, type RunRequest } from './run-service.ts';

export const provisioningRunJobKind = 'provisioning.run';

interface RunJobPayload {
  readonly runId: string;
}

/**
 * Starts (or resumes) a run as a job of the job runner rather than in the background of a request:
 * the run is reserved for its job, and whichever node's runner claims the job works it. The job's
 * key makes a repeated hand-over of the same run (and attempt) one job.
 *
 * @example
 *   const { run, resumed, job } = await startRunAsJob(deps, host.jobs, { organization, kind: 'export', dryRun: false, confirm: false, trigger: 'api', requestedBy: 'api:hr' });
 */
export async function startRunAsJob(
  deps: ProvisioningDeps,
  jobs: JobQueue,
  request: Omit<RunRequest, 'forJob'>,
): Promise<{ run: ProvisioningRun; resumed: boolean; job: Job }> {
  const { run, resumed } = await requestRun(deps, { ...request, forJob: true });
  // A resumption is a new piece of work: the job that worked the run before has ended.
  const key = resumed ? `provisioning-run:${run.id}:${run.attempts}` : `provisioning-run:${run.id}`;
  const payload: RunJobPayload = { runId: run.id };
  return { run, resumed, job: await jobs.enqueue({ kind: provisioningRunJobKind, key, payload }) };
}

/**
 * Works a run handed over by startRunAsJob. Safe to repeat (a node may die after the run finished
 * and before the job was marked done): the run's lease lets one process at a time work it, its
 * recorded per-account results are skipped on resumption, and a run that has ended is only reported.
 * The job ends as the run ended: succeeded when it completed, failed with the run's error otherwise.
 */
export function provisioningRunJob(deps: ProvisioningDeps): JobDefinition {
  return {
    kind: provisioningRunJobKind,
    leaseSeconds: deps.leaseSeconds,
    // A run that ended failed stays failed; only a run another process is still working is looked at again.
    isRetryable: (error) => !isLanyardError(error) || isLanyardError(error, 'RUN_HELD') || isLanyardError(error, 'RUN_LEASE_LOST'),
    run: async (payload, job) => {
      const { runId } = payload as RunJobPayload;
      // A stopping node stops the run at its next page; the job and the run are taken over after their leases.
      if (await claimInterruptedRun(deps, runId)) return outcomeOf(await executeRun(deps, runId, undefined, job.signal));
      const run = await findRun(deps.db, runId);
      if (!run) throw new LanyardError('RUN_NOT_FOUND', `no provisioning run "${runId}"`);
      if (run.status !== 'running') return outcomeOf(run);
      // Resumed by hand (`runs resume`) or by the worker: its outcome is recorded on a later attempt.
      throw new LanyardError('RUN_HELD', `run ${runId} is being worked by ${run.leaseOwner ?? 'another process'}`, { runId });
    },
  };
}

function outcomeOf(run: ProvisioningRun): { runId: string; status: string } {
  if (run.status === 'completed') return { runId: run.id, status: run.status };
  // The job ends the way the run did, with the code the run stored.
  const code = run.errorCode && isErrorCode(run.errorCode) ? run.errorCode : 'PROVISIONING_FAILED';
  throw new LanyardError(code, run.errorMessage ?? `run ${run.id} ended ${run.status}`, { runId: run.id, status: run.status });
}
