import { loadLanyardConfig, openLanyard } from '../server/modules.ts';
/**
 * Sign-in throughput of a real `lanyard serve` process over HTTP (SQLite, production password-hash
 * cost), each figure as a ratio to the primitive it cannot avoid, measured in this run:
 * - tokens per second for users with an SSO session (WS-Fed and SAML; one RSA-2048 signature each)
 *   ÷ raw RSA-2048 signatures per second on one core (the server signs on one thread);
 * - full password + TOTP sign-ins per second ÷ raw password-hash verifications per second at the
 *   same cost and the same concurrency (both run on libuv's thread pool).
 * The load comes from this process through keep-alive HTTP; the server is a separate process, so its
 * peak RSS is its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashPassword, verifyPassword } from '../core/password-hash.ts';
import { createLogger } from '../core/logger.ts';
import { addDomain } from '../idp/accounts/domains.ts';
import { createOrganization } from '../idp/accounts/organizations.ts';
import { addUser, enrolUserTotp } from '../idp/accounts/users.ts';
import { BrowserClient, readForm } from '../test/harness/browser-client.ts';
import { freePort } from '../test/harness/free-port.ts';
import { startPostgres } from '../test/harness/postgres-server.ts';
import { entraAuthnRequest, redirectQuery } from '../test/harness/saml-request.ts';
import { totpCode } from '../test/harness/seed.ts';
import { wsFedSignInUrl } from '../test/harness/wsfed-request.ts';
import { KeepAliveGetClient, type LoadResponse } from './http-load.ts';
import { commandCpuSeconds, concurrentRate, peakRssMiB, processCpuSeconds, ratioFigure, rsaSignaturesPerSecond, type BenchFigure } from './measure.ts';

const password = 'bench password that is long enough';
const domain = 'bench.test';

export async function benchSignIn(
  options: { users?: number; durationMilliseconds?: number; concurrency?: number; hashCost?: number; postgres?: boolean } = {},
): Promise<BenchFigure[]> {
  const userCount = options.users ?? 150;
  const durationMilliseconds = options.durationMilliseconds ?? 10_000;
  const concurrency = options.concurrency ?? 4;
  const hashCost = options.hashCost ?? 17;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lanyard-bench-signin-'));
  const port = await freePort();
  const env: Record<string, string> = {
    LANYARD_DATA_DIR: dataDir,
    LANYARD_MASTER_KEY: randomBytes(32).toString('base64'),
    LANYARD_PUBLIC_URL: `http://127.0.0.1:${port}`,
    PORT: String(port),
    LANYARD_PASSWORD_HASH_COST: String(hashCost),
    // Every request comes from 127.0.0.1: lift the per-address limit so the bench measures work, not throttling.
    LANYARD_THROTTLE_ADDRESS_LIMIT: '1000000',
    LANYARD_LOG_LEVEL: 'warn',
  };
  // PostgreSQL (multi-node mode): a private server with its default durability, on this machine.
  const postgres = options.postgres ? await startPostgres({ durable: true }) : undefined;
  if (postgres) env.LANYARD_DATABASE_URL = postgres.url;
  const on = postgres ? ' (PostgreSQL)' : '';
  // Targets hold for the default, embedded SQLite; PostgreSQL's figures are reported beside them.
  const targetOf = (target: number) => (postgres ? undefined : target);
  const secrets = await seed(env, userCount, hashCost);
  const server = await startServer(env, port);
  const base = `http://127.0.0.1:${port}`;
  try {
    // References are measured just before and just after what they are compared with, and averaged,
    // so load from elsewhere on the machine weighs on both sides alike.
    const hash = await hashPassword(password, hashCost);
    const rawHashRate = async () => (await concurrentRate({ durationMilliseconds: Math.min(durationMilliseconds, 6000), concurrency }, async () => {
      if (!(await verifyPassword(password, hash))) throw new Error('reference verification failed');
    })).perSecond;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

    // (b) Full sign-ins: each user once (a TOTP step is accepted once per credential).
    const sessions: BrowserClient[] = [];
    const hashBefore = await rawHashRate();
    const full = await concurrentRate({ durationMilliseconds, concurrency, limit: userCount }, async (_worker, index) => {
      const browser = new BrowserClient();
      await fullSignIn(browser, base, `user${index}@${domain}`, secrets[index]!);
      sessions.push(browser);
    });
    const rawHash = (hashBefore + (await rawHashRate())) / 2;

    // (a) SSO tokens for users with a session: each token is one GET answered directly. The load
    // comes from a lean keep-alive client and precomputed requests (each SAML request with its own
    // ID, as Entra sends them), so the load generator takes as little as possible of the machine.
    const workers = 2 * concurrency;
    const clients = Array.from({ length: workers }, () => new KeepAliveGetClient(new URL(base)));
    const headersOf = (worker: number) => {
      const browser = sessions[worker % sessions.length]!;
      return { cookie: ['lanyard_session', 'lanyard_browser'].map((name) => `${name}=${browser.cookie(name) ?? ''}`).join('; '), accept: 'text/html' };
    };
    const wsFedPath = new URL(wsFedSignInUrl(base, domain)).pathname + new URL(wsFedSignInUrl(base, domain)).search;
    const samlPaths = Array.from({ length: 30_000 }, () => `/federation/${domain}/saml2?${redirectQuery(entraAuthnRequest().xml, 'relay')}`);
    const expectToken = (response: LoadResponse, field: string) => {
      if (response.status !== 200 || response.body.indexOf(`name="${field}"`) < 0) throw new Error(`no ${field} in the answer (${response.status})`);
    };
    const wsFedToken = async (worker: number) => expectToken(await clients[worker]!.get(wsFedPath, headersOf(worker)), 'wresult');
    let samlRequests = 0;
    const samlToken = async (worker: number) => expectToken(await clients[worker]!.get(samlPaths[samlRequests++ % samlPaths.length]!, headersOf(worker)), 'SAMLResponse');
    // Warm-up (not counted): the server's JIT compiles the SSO path before it is measured.
    await concurrentRate({ durationMilliseconds: 2000, concurrency: workers }, (worker) => (worker % 2 ? wsFedToken(worker) : samlToken(worker)));
    const rsaBefore = rsaSignaturesPerSecond(privateKey, 2000);
    const cpuBefore = { server: processCpuSeconds(server.pid), bench: processCpuSeconds(), postgres: postgres && commandCpuSeconds('postgres') };
    const wsfed = await concurrentRate({ durationMilliseconds: 6000, concurrency: workers }, wsFedToken);
    const saml = await concurrentRate({ durationMilliseconds: 6000, concurrency: workers }, samlToken);
    for (const client of clients) client.close();
    const cpu = (pid: number | undefined, before: number | undefined) => ((processCpuSeconds(pid) ?? NaN) - (before ?? NaN)) * 1000 / (wsfed.count + saml.count);
    const serverCpuPerToken = cpu(server.pid, cpuBefore.server);
    const benchCpuPerToken = cpu(process.pid, cpuBefore.bench);
    // Ended backends drop out of the sum, so this is a lower bound; the pool keeps its connections open.
    const postgresCpuPerToken = postgres && ((commandCpuSeconds('postgres') ?? NaN) - (cpuBefore.postgres ?? NaN)) * 1000 / (wsfed.count + saml.count);
    const rsa = (rsaBefore + rsaSignaturesPerSecond(privateKey, 2000)) / 2;
    const rsaReference = { name: 'raw RSA-2048 signatures (1 core)', value: rsa, unit: '/s' };
    const serverPeak = peakRssMiB(server.pid!);

    const figures: BenchFigure[] = [
      ratioFigure(`WS-Fed tokens over HTTP, SSO session${on}`, wsfed.perSecond, '/s', rsaReference, targetOf(0.5)),
      ratioFigure(`SAML responses over HTTP, SSO session${on}`, saml.perSecond, '/s', rsaReference, targetOf(0.5)),
      ratioFigure(`full password + TOTP sign-ins (scrypt logN ${hashCost}, ${full.count} users)${on}`, full.perSecond, '/s',
        { name: `raw password-hash verifications (${concurrency} concurrent)`, value: rawHash, unit: '/s' }, targetOf(0.9)),
    ];
    figures.push(ratioFigure(`lanyard serve CPU per SSO token (both protocols)${on}`, serverCpuPerToken, 'ms', { name: 'one raw RSA-2048 signature', value: 1000 / rsa, unit: 'ms' }));
    figures.push({ name: 'load generator CPU per SSO token (this process)', value: benchCpuPerToken, unit: 'ms' });
    if (postgresCpuPerToken !== undefined) figures.push({ name: 'PostgreSQL server CPU per SSO token (all its processes)', value: postgresCpuPerToken, unit: 'ms' });
    if (serverPeak !== undefined) figures.push({ name: `lanyard serve peak RSS during sign-in bench${on}`, value: serverPeak, unit: 'MiB' });
    return figures;
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await postgres?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One organization, one domain, `count` users with the same password hash (hashed once) and their own TOTP secrets. */
async function seed(env: Record<string, string>, count: number, hashCost: number): Promise<string[]> {
  const context = await openLanyard(loadLanyardConfig(env), { logger: createLogger('silent') });
  try {
    await createOrganization(context.db, { slug: 'bench', name: 'Bench', mfaPolicy: 'required' }, 'bench');
    await addDomain(context.db, context.config.publicUrl, { organization: 'bench', name: domain }, 'bench');
    const passwordHash = await hashPassword(password, hashCost);
    const secrets: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const upn = `user${index}@${domain}`;
      await addUser(context.db, { upn, displayName: `User ${index}` }, { actor: 'bench', passwordHashCost: hashCost });
      await context.db.updateTable('users').set({ passwordHash }).where('upn', '=', upn).execute();
      secrets.push((await enrolUserTotp(context.db, context.secretBox, upn, 'bench')).secret);
    }
    return secrets;
  } finally {
    await context.close();
  }
}

async function startServer(env: Record<string, string>, port: number): Promise<ChildProcess> {
  const entry = path.resolve(import.meta.dirname, '../bin/lanyard.mjs');
  // e.g. LANYARD_BENCH_SERVER_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the server.
  const nodeFlags = (process.env.LANYARD_BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, entry, 'serve'], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error('lanyard serve did not become ready');
}

async function fullSignIn(browser: BrowserClient, base: string, upn: string, secret: string): Promise<void> {
  const loginPage = await browser.follow(wsFedSignInUrl(base, domain, { username: upn }));
  const login = readForm(loginPage.html);
  const totpPage = await browser.follow(new URL(login.action, loginPage.url).toString(), { form: { ...login.fields, username: upn, password } });
  const totp = readForm(totpPage.html);
  const done = await browser.follow(new URL(totp.action, totpPage.url).toString(), { form: { ...totp.fields, code: await totpCode(secret) } });
  if (!readForm(done.html).fields.wresult) throw new Error(`sign-in of ${upn} did not end with a token (${done.response.status})`);
}
