import type { Context } from 'koa';

/** Key Vault's error body: `{"error":{"code","message"}}`. */
export function keyVaultError(ctx: Context, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.body = { error: { code, message } };
}
