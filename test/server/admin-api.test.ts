import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../emulator/start.ts';
import { createApiToken, revokeApiToken } from '../../api/api-tokens.ts';
import { findJob } from '../../core/jobs/job-store.ts';
import { startTrustedEmulator } from '../emulator/harness.ts';
import { runCli } from '../harness/cli.ts';
import { dialects } from '../harness/databases.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { createManualClock } from '../harness/manual-clock.ts';
import { seedOrganization, seedUser } from '../harness/seed.ts';
import { addAccounts, connectOrganization, type ConnectedOrganization } from '../provisioning/provisioning-fixture.ts';

/**
 * The admin API over real HTTP: token authentication (missing, forged, revoked), one organization
 * per token (another organization's run is not found), paging, input validation, and a provisioning
 * run started through the API against the Microsoft 365 emulator: handed to the job runner as a
 * `provisioning.run` job, worked by the runner, followed to its report and its job's row.
 */
let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startTrustedEmulator();
});
afterAll(async () => emulator?.close());

describe.each(dialects)('admin API on %s', (dialect) => {
  let lanyard: RunningLanyard;
  let connected: ConnectedOrganization;
  let connectedToken: string;
  let contosoToken: string;

  beforeAll(async () => {
    // The job runner is driven by hand (`runDue()`), on a clock that moves only when told.
    lanyard = await startLanyard(dialect, { LANYARD_MICROSOFT_LOGIN_URL: emulator.baseUrl, LANYARD_GRAPH_URL: emulator.baseUrl }, { clock: createManualClock() });
    await seedOrganization(lanyard.context);
    for (const name of ['amy', 'ben', 'cat']) await seedUser(lanyard.context, `${name}@contoso.com`, { enrolled: false });
    contosoToken = (await createApiToken(lanyard.context.db, 'contoso', 'ops', 'test')).secret;
    connected = await connectOrganization(emulator, lanyard.context.db, {}, { masterKey: lanyard.context.masterKey });
    connectedToken = (await createApiToken(lanyard.context.db, connected.slug, 'hr-system', 'test')).secret;
  });
  afterAll(async () => lanyard?.stop());

  const api = (path: string, token: string | undefined, init: { method?: string; body?: unknown; contentType?: string } = {}) =>
    fetch(`${lanyard.url}/api/v1${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        accept: 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.body !== undefined ? { 'content-type': init.contentType ?? 'application/json' } : {}),
      },
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    });

  it('refuses requests without a valid token, each with its own code', async () => {
    const expectError = async (response: Response, status: number, code: string) => {
      expect(response.status).toBe(status);
      expect(await response.json()).toMatchObject({ error: { code } });
    };
    await expectError(await api('/organization', undefined), 401, 'API_TOKEN_MISSING');
    await expectError(await api('/organization', 'not-a-token'), 401, 'API_TOKEN_INVALID');
    const forged = `${contosoToken.slice(0, contosoToken.lastIndexOf('.'))}.${'A'.repeat(43)}`;
    await expectError(await api('/organization', forged), 401, 'API_TOKEN_INVALID');

    const { token, secret } = await createApiToken(lanyard.context.db, 'contoso', 'short-lived', 'test');
    expect((await api('/organization', secret)).status).toBe(200);
    await revokeApiToken(lanyard.context.db, token.id, 'test');
    await expectError(await api('/organization', secret), 401, 'API_TOKEN_REVOKED');
  });

  it('answers for the token\'s own organization, with paged users', async () => {
    expect(await (await api('/organization', contosoToken)).json()).toMatchObject({ slug: 'contoso', domains: [{ name: 'contoso.com' }] });
    const first: any = await (await api('/users?limit=2', contosoToken)).json();
    expect(first.users.map((user: { upn: string }) => user.upn)).toEqual(['amy@contoso.com', 'ben@contoso.com']);
    expect(first.next).toBe('ben@contoso.com');
    const second = await (await api(`/users?limit=2&after=${encodeURIComponent(first.next)}`, contosoToken)).json();
    expect(second).toMatchObject({ users: [{ upn: 'cat@contoso.com', source: 'local', status: 'active' }], next: null });
    const badLimit = await api('/users?limit=0', contosoToken);
    expect(badLimit.status).toBe(400);
    expect(await badLimit.json()).toMatchObject({ error: { code: 'API_REQUEST_INVALID' } });
  });

  it('validates run requests and changes nothing when they are bad', async () => {
    for (const body of [{ kind: 'sync' }, { kind: 'export', dryRun: 'yes' }, { kind: 'export', extra: true }, '{"kind":']) {
      const response = await api('/provisioning/runs', connectedToken, { body });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'API_REQUEST_INVALID' } });
    }
    expect((await api('/provisioning/runs', connectedToken, { body: '{"kind":"export"}', contentType: 'text/plain' })).status).toBe(415);
    expect(await (await api('/provisioning/runs', connectedToken)).json()).toEqual({ runs: [] });
  });

  it('starts an export as a job of the job runner, reports it, and keeps it from other organizations', async () => {
    await addAccounts(lanyard.context.db, connected.managed, ['dana', 'eli']);
    const started = await api('/provisioning/runs', connectedToken, { body: { kind: 'export' } });
    expect(started.status).toBe(202);
    const { run, resumed, jobId } = (await started.json()) as any;
    expect(run).toMatchObject({ kind: 'export', trigger: 'api', requestedBy: 'api:hr-system', status: 'running' });
    expect(resumed).toBe(false);
    expect(started.headers.get('location')).toBe(`/api/v1/provisioning/runs/${run.id}`);
    // Nothing works it in the request's process: it waits for a job runner.
    expect(await findJob(lanyard.context.db, jobId)).toMatchObject({ kind: 'provisioning.run', key: `provisioning-run:${run.id}`, state: 'queued', attempts: 0 });
    expect((await (await api(`/provisioning/runs/${run.id}`, connectedToken)).json() as any).report).toMatchObject({ status: 'running', processed: 0 });

    expect(await lanyard.server.jobs.runDue()).toBe(1);
    expect(await findJob(lanyard.context.db, jobId)).toMatchObject({ state: 'succeeded', attempts: 1, lastErrorCode: null, leaseOwner: null });
    const shown: any = await (await api(`/provisioning/runs/${run.id}`, connectedToken)).json();
    expect(shown.report).toMatchObject({ status: 'completed', counts: { created: 2 } });
    expect(shown.results.map((result: { upn: string; outcome: string }) => [result.upn, result.outcome])).toEqual([
      [`dana@${connected.managed}`, 'created'],
      [`eli@${connected.managed}`, 'created'],
    ]);
    const created: any = await (await api(`/provisioning/runs/${run.id}?outcome=created&limit=1`, connectedToken)).json();
    expect(created.results).toHaveLength(1);

    const elsewhere = await api(`/provisioning/runs/${run.id}`, contosoToken);
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ error: { code: 'RUN_NOT_FOUND' } });
    expect(await (await api('/provisioning/runs', contosoToken)).json()).toEqual({ runs: [] });
  });

  it('a run for an organization without a tenant ends failed with TENANT_NOT_CONNECTED, and so does its job', async () => {
    const { run, jobId } = (await (await api('/provisioning/runs', contosoToken, { body: { kind: 'import', dryRun: true } })).json()) as any;
    expect(await lanyard.server.jobs.runDue()).toBe(1);
    const { report } = (await (await api(`/provisioning/runs/${run.id}`, contosoToken)).json()) as any;
    expect(report).toMatchObject({ status: 'failed', error: { code: 'TENANT_NOT_CONNECTED' } });
    // A run that ended failed is not worth repeating: the job fails at its first attempt with the run's error.
    expect(await findJob(lanyard.context.db, jobId)).toMatchObject({ state: 'failed', attempts: 1, lastErrorCode: 'TENANT_NOT_CONNECTED' });
    expect(await lanyard.server.jobs.runDue()).toBe(0);
  });

  it('wakes the runner of the node that answered: the run starts at once, not at the next poll', async () => {
    // On the manual clock a started runner never polls again by itself: only a wake gets it going.
    await lanyard.server.jobs.start();
    try {
      await addAccounts(lanyard.context.db, connected.managed, ['fay']);
      const { run, jobId } = (await (await api('/provisioning/runs', connectedToken, { body: { kind: 'export' } })).json()) as any;
      let job = await findJob(lanyard.context.db, jobId);
      for (let look = 0; look < 400 && job?.state !== 'succeeded' && job?.state !== 'failed'; look += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        job = await findJob(lanyard.context.db, jobId);
      }
      expect(job).toMatchObject({ state: 'succeeded', attempts: 1 });
      expect(((await (await api(`/provisioning/runs/${run.id}`, connectedToken)).json()) as any).report).toMatchObject({ status: 'completed', counts: { created: 1 } });
    } finally {
      await lanyard.server.jobs.stop();
    }
  });

  it('api-token create / list / revoke through the CLI', async () => {
    const created = await runCli(['api-token', 'create', 'contoso', '--name', 'cli-made', '--json'], lanyard.env);
    expect(created.code, created.stderr).toBe(0);
    const { token, secret } = created.json<{ token: { id: string }; secret: string }>();
    expect((await api('/organization', secret)).status).toBe(200);
    const listed = await runCli(['api-token', 'list', 'contoso', '--json'], lanyard.env);
    expect(listed.json<{ id: string; name: string }[]>().map((entry) => entry.name)).toContain('cli-made');
    expect(listed.stdout).not.toContain(secret);
    expect((await runCli(['api-token', 'revoke', token.id], lanyard.env)).code).toBe(0);
    expect((await api('/organization', secret)).status).toBe(401);
    const again = await runCli(['api-token', 'revoke', token.id, '--json'], lanyard.env);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr)).toMatchObject({ error: { code: 'API_TOKEN_ALREADY_REVOKED' } });
  });
});
