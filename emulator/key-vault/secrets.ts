import type { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { EmulatorContext } from '../context.ts';
import { BodyError, readJsonBody } from '../http/body.ts';
import type { SecretVersion } from '../state/key-vault-secrets.ts';
import { authenticateVaultCaller } from './authentication.ts';
import { keyVaultError } from './errors.ts';

/** Key Vault pages version lists by 25. */
const pageSize = 25;
const secretName = /^[0-9a-zA-Z-]{1,127}$/;

const setSecretSchema = z.object({
  value: z.string(),
  contentType: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  attributes: z.object({ enabled: z.boolean().optional() }).loose().optional(),
});

/**
 * Key Vault's secrets data plane at the emulator's root (EMULATOR CHOICE: one vault, `vaultUrl` =
 * the emulator's base URL, so ids are `{baseUrl}/secrets/{name}/{version}` and parse like real ones):
 * `PUT /secrets/{name}`, `GET /secrets/{name}[/{version}]`, `GET /secrets/{name}/versions`,
 * `GET /secrets`. Every call needs `api-version` and a bearer token for https://vault.azure.net.
 */
export function registerKeyVaultRoutes(router: Router, context: EmulatorContext): void {
  const secrets = context.state.keyVaultSecrets;
  const guarded = (handler: (ctx: Context, name: string) => Promise<void> | void) => async (ctx: Context) => {
    if (typeof ctx.query['api-version'] !== 'string') {
      keyVaultError(ctx, 400, 'BadParameter', 'The request URI contains an invalid or missing api-version.');
      return;
    }
    if (!authenticateVaultCaller(ctx, context)) return;
    const name = (ctx.params as Record<string, string>).name ?? '';
    if (name !== '' && !secretName.test(name)) {
      keyVaultError(ctx, 400, 'BadParameter', `The request URI contains an invalid name: ${name}`);
      return;
    }
    await handler(ctx, name);
  };
  const bundle = (secret: SecretVersion, withValue: boolean): Record<string, unknown> => ({
    ...(withValue ? { value: secret.value } : {}),
    id: `${context.baseUrl}/secrets/${secret.name}/${secret.version}`,
    attributes: { enabled: secret.enabled, created: secret.created, updated: secret.updated, recoveryLevel: 'Recoverable+Purgeable', recoverableDays: 90 },
    ...(secret.tags ? { tags: secret.tags } : {}),
    ...(secret.contentType !== undefined ? { contentType: secret.contentType } : {}),
  });
  const notFound = (ctx: Context, name: string): void =>
    keyVaultError(
      ctx,
      404,
      'SecretNotFound',
      `A secret with (name/id) ${name} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
    );

  router.put('/secrets/:name', guarded(async (ctx, name) => {
    let body;
    try {
      body = setSecretSchema.parse(await readJsonBody(ctx));
    } catch (error) {
      if (error instanceof z.ZodError || error instanceof BodyError) {
        keyVaultError(ctx, 400, 'BadParameter', 'The request body must be JSON with a string "value".');
        return;
      }
      throw error;
    }
    const secret = secrets.set(name, { value: body.value, contentType: body.contentType, tags: body.tags, enabled: body.attributes?.enabled }, context.state.now());
    ctx.body = bundle(secret, true);
  }));
  router.get('/secrets', guarded((ctx) => {
    ctx.body = { value: secrets.current().map((secret) => ({ ...bundle(secret, false), id: `${context.baseUrl}/secrets/${secret.name}` })), nextLink: null };
  }));
  router.get('/secrets/:name/versions', guarded((ctx, name) => {
    const versions = secrets.versions(name);
    const skip = Number(typeof ctx.query.$skiptoken === 'string' ? ctx.query.$skiptoken : 0) || 0;
    const limit = Math.min(Number(ctx.query.maxresults) || pageSize, pageSize);
    const page = versions.slice(skip, skip + limit);
    const more = skip + limit < versions.length;
    ctx.body = {
      value: page.map((secret) => bundle(secret, false)),
      nextLink: more ? `${context.baseUrl}/secrets/${name}/versions?api-version=${String(ctx.query['api-version'])}&$skiptoken=${skip + limit}&maxresults=${limit}` : null,
    };
  }));
  router.get('/secrets/:name/:version', guarded((ctx, name) => {
    const secret = secrets.get(name, (ctx.params as Record<string, string>).version);
    if (!secret) return notFound(ctx, name);
    ctx.body = bundle(secret, true);
  }));
  router.get('/secrets/:name', guarded((ctx, name) => {
    const secret = secrets.get(name);
    if (!secret) return notFound(ctx, name);
    ctx.body = bundle(secret, true);
  }));
}
