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

const updateSecretSchema = z.object({
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
    if (secrets.isDeleted(name)) {
      keyVaultError(ctx, 409, 'Conflict', `Secret ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`);
      return;
    }
    const secret = secrets.set(name, { value: body.value, contentType: body.contentType, tags: body.tags, enabled: body.attributes?.enabled }, context.state.now());
    ctx.body = bundle(secret, true);
  }));
  // Update Secret: attributes only (Lanyard disables a refresh token version it no longer uses).
  router.patch('/secrets/:name/:version', guarded(async (ctx, name) => {
    let body;
    try {
      body = updateSecretSchema.parse(await readJsonBody(ctx));
    } catch (error) {
      if (error instanceof z.ZodError || error instanceof BodyError) {
        keyVaultError(ctx, 400, 'BadParameter', 'The request body must be JSON with "attributes".');
        return;
      }
      throw error;
    }
    const secret = secrets.update(name, (ctx.params as Record<string, string>).version ?? '', { enabled: body.attributes?.enabled }, context.state.now());
    if (!secret) return notFound(ctx, name);
    ctx.body = bundle(secret, false);
  }));
  // Delete Secret: soft delete (every version), answered with the DeletedSecretBundle.
  router.delete('/secrets/:name', guarded((ctx, name) => {
    const deleted = secrets.delete(name, context.state.now());
    if (!deleted) return notFound(ctx, name);
    ctx.body = {
      ...bundle(deleted.current, false),
      recoveryId: `${context.baseUrl}/deletedsecrets/${deleted.current.name}`,
      deletedDate: deleted.deletedDate,
      scheduledPurgeDate: deleted.deletedDate + 90 * 86_400,
    };
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
  // A disabled version's value is not given out: 403 Forbidden, inner error SecretDisabled.
  const withValue = (ctx: Context, name: string, secret: SecretVersion | undefined): void => {
    if (!secret) return notFound(ctx, name);
    if (!secret.enabled) {
      ctx.status = 403;
      ctx.body = { error: { code: 'Forbidden', message: 'Operation get is not allowed on a disabled secret.', innererror: { code: 'SecretDisabled' } } };
      return;
    }
    ctx.body = bundle(secret, true);
  };
  router.get('/secrets/:name/:version', guarded((ctx, name) => withValue(ctx, name, secrets.get(name, (ctx.params as Record<string, string>).version))));
  router.get('/secrets/:name', guarded((ctx, name) => withValue(ctx, name, secrets.get(name))));
}
