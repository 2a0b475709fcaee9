/**
 * Threat: MFA bypass through a stale sign-in request. The attacker knows the victim's password but
 * not their second factor, and has an account of their own in the same organization. On one sign-in
 * request they pass the password step as themselves, open POST /signin/{id}/totp and send its body
 * slowly; meanwhile they post the victim's password to /signin/{id}/password; then they finish the
 * TOTP body with their own code. The TOTP handler read the request (attacker) before the body,
 * verified the attacker's code, and marked the request, by then the victim's, as MFA-verified.
 * Invariant: every step is a compare-and-set on the exact state it verified (user, version); a
 * password on a request that already has a user starts a new request; the MFA step lands only for
 * the user and credential whose code was checked. No token for the victim carries the MFA claim.
 * Why this way: the TOTP body really is sent late over a raw socket to a served app; the password
 * step goes to a second node (its own connection pool on the same database) while the first node's
 * handler is parked on the body. A query observer on the first node says when its handler has read
 * the request, so the interleaving is forced, not timed.
 */
import http from 'node:http';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db, type OpenedDatabase } from '../../core/db/database.ts';
import { createServer } from '../../server/app.ts';
import { BrowserClient, readForm } from '../harness/browser-client.ts';
import { dialects } from '../harness/databases.ts';
import { freePort } from '../harness/free-port.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';
import { seedOrganization, seedUser, testPassword, totpCode } from '../harness/seed.ts';
import { readWsFedResult } from '../harness/token-reader.ts';
import { wsFedSignInUrl } from '../harness/wsfed-request.ts';

/** Resolves the next time a read of sign_in_requests has returned on the observed connection. */
class SignInRequestReads implements KyselyPlugin {
  private readonly reads = new WeakSet<object>();
  private waiter: (() => void) | undefined;

  next(): Promise<void> {
    return new Promise((resolve) => (this.waiter = resolve));
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (args.node.kind === 'SelectQueryNode' && /sign_?in_?requests/i.test(JSON.stringify(args.node.from))) this.reads.add(args.queryId);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.reads.has(args.queryId) && this.waiter) {
      this.waiter();
      this.waiter = undefined;
    }
    return args.result;
  }
}

async function serveNode(lanyard: RunningLanyard, db: Db) {
  const server = await createServer({ ...lanyard.context, db });
  return server.listen(await freePort(), '127.0.0.1');
}

describe.each(dialects)('a stale sign-in request cannot carry MFA to another user on %s', (dialect) => {
  let lanyard: RunningLanyard;
  let secondConnection: OpenedDatabase;
  let nodeA: { url: string; close(): Promise<void> };
  let nodeB: { url: string; close(): Promise<void> };
  const reads = new SignInRequestReads();
  let mallorySecret: string;

  beforeAll(async () => {
    lanyard = await startLanyard(dialect);
    await seedOrganization(lanyard.context);
    mallorySecret = (await seedUser(lanyard.context, 'mallory@contoso.com')).totpSecret!;
    await seedUser(lanyard.context, 'victim@contoso.com');
    secondConnection = openDatabase(lanyard.database.url);
    nodeA = await serveNode(lanyard, lanyard.context.db.withPlugin(reads));
    nodeB = await serveNode(lanyard, secondConnection.db);
  });
  afterAll(async () => {
    await nodeA.close();
    await nodeB.close();
    await secondConnection.close();
    await lanyard.stop();
  });

  it('refuses the attacker’s slow TOTP on a request the victim’s password took over', async () => {
    const attacker = new BrowserClient();
    const passwordPage = await attacker.follow(wsFedSignInUrl(nodeB.url, 'contoso.com'));
    const passwordForm = readForm(passwordPage.html);
    const totpPage = await attacker.follow(new URL(passwordForm.action, passwordPage.url).toString(), {
      form: { ...passwordForm.fields, username: 'mallory@contoso.com', password: testPassword },
    });
    expect(totpPage.html).toContain('Enter your code');
    const requestId = new URL(totpPage.url).pathname.split('/')[2]!;
    const csrf = readForm(totpPage.html).fields.csrf!;

    // The TOTP post goes to node A with its headers only; the handler reads the request, then waits.
    const body = new URLSearchParams({ csrf, code: await totpCode(mallorySecret) }).toString();
    const rowRead = reads.next();
    const slowTotp = http.request(`${nodeA.url}/signin/${requestId}/totp`, {
      method: 'POST',
      headers: {
        cookie: `lanyard_browser=${attacker.cookie('lanyard_browser')}`,
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': Buffer.byteLength(body),
      },
    });
    const totpAnswer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      slowTotp.on('response', (response) => {
        let text = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: response.statusCode!, text }));
      });
      slowTotp.on('error', reject);
    });
    slowTotp.flushHeaders();
    await rowRead;

    // Meanwhile, on node B: the victim's password on the same request id.
    const victimStep = await attacker.request(`${nodeB.url}/signin/${requestId}/password`, {
      form: { csrf, username: 'victim@contoso.com', password: testPassword },
    });
    expect(victimStep.status).toBe(303);
    const victimRequestId = victimStep.headers.get('location')!.split('/')[2]!;

    slowTotp.end(body);
    const totp = await totpAnswer;

    // Whatever each request now says, none yields a token for the victim with the MFA claim.
    for (const id of new Set([requestId, victimRequestId])) {
      const page = await attacker.follow(`${nodeA.url}/signin/${id}`);
      const wresult = readForm(page.html).fields.wresult;
      if (wresult) expect(readWsFedResult(wresult)).not.toMatchObject({ upn: 'victim@contoso.com', mfa: true });
    }
    // The victim's password started a request of its own, which still asks for the victim's code.
    expect(victimRequestId).not.toBe(requestId);
    expect((await attacker.follow(`${nodeB.url}/signin/${victimRequestId}`)).html).toContain('Enter your code');
    // The stale TOTP step was refused: the request it was verified against had been replaced.
    expect(totp.status).toBe(409);
    expect(totp.text).toContain('SIGNIN_REQUEST_CHANGED');
    const stale = await lanyard.context.db.selectFrom('signInRequests').selectAll().where('id', '=', requestId).executeTakeFirstOrThrow();
    expect(stale).toMatchObject({ mfaAt: null, mfaCredentialId: null });
    expect(stale.completedAt).not.toBeNull();
  });
});
