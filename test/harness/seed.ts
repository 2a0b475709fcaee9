import { generate } from 'otplib';
import { addDomain } from '../../idp/accounts/domains.ts';
import { createOrganization } from '../../idp/accounts/organizations.ts';
import { addUser, enrolUserTotp } from '../../idp/accounts/users.ts';
import type { User } from '../../core/db/schema.ts';
import type { AppContext } from '../../core/context.ts';

export const testPassword = 'correct horse battery staple';

/** An organization with one domain, created through the same services the CLI uses. */
export async function seedOrganization(context: AppContext, options: { slug?: string; domain?: string; mfaPolicy?: 'required' | 'optional' } = {}) {
  const slug = options.slug ?? 'contoso';
  const organization = await createOrganization(context.db, { slug, name: `${slug} Ltd`, mfaPolicy: options.mfaPolicy ?? 'required' }, 'test');
  const domain = await addDomain(context.db, context.config.publicUrl, { organization: slug, name: options.domain ?? `${slug}.com` }, 'test');
  return { organization, domain };
}

/** A user with a password and, unless `enrolled: false`, a confirmed TOTP credential. */
export async function seedUser(context: AppContext, upn: string, options: { enrolled?: boolean; password?: string } = {}): Promise<{ user: User; totpSecret: string | undefined }> {
  const user = await addUser(context.db, { upn, displayName: upn.split('@')[0], password: options.password ?? testPassword }, { actor: 'test', passwordHashCost: context.config.passwordHashCost });
  const totpSecret = options.enrolled === false ? undefined : (await enrolUserTotp(context.db, context.secretBox, upn, 'test')).secret;
  return { user, totpSecret };
}

/** The TOTP code for `secret` at `at` (default now), as an authenticator app would show it. */
export function totpCode(secret: string, at: Date = new Date()): Promise<string> {
  return generate({ secret, epoch: Math.floor(at.getTime() / 1000), period: 30 });
}
