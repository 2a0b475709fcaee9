import { recordAuditEvent } from '../../core/db/audit-events.ts';
import type { Db } from '../../core/db/database.ts';
import type { User } from '../../core/db/schema.ts';
import { requireUser } from '../accounts/users.ts';
import { accountNameHash, accountNameKey, clearAccountCounters } from './throttle.ts';

/**
 * Admin unlock (`lanyard user unlock <upn>`): clears the account's password counters (familiar and
 * unfamiliar) and its second-factor counter, audited. Address counters stay: they belong to the
 * addresses, not to the person.
 *
 * @example
 *   await unlockAccount(context.db, context.masterKey, 'alice@contoso.com', 'cli');
 */
export async function unlockAccount(db: Db, masterKey: Buffer, upn: string, actor: string): Promise<User> {
  const user = await requireUser(db, upn);
  await clearAccountCounters(db, accountNameHash(accountNameKey(masterKey), user.upn), user.id);
  await recordAuditEvent(db, { actor, action: 'user.unlock', target: user.upn, outcome: 'success' });
  return user;
}
