import { LanyardError } from '../../core/errors.ts';
import { guidPattern } from './partner-admin.ts';

/** Partner settings typed by an admin at `add` / `change`, checked and turned into column values. */

const emailPattern = /^[^\s@<>",;]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i;
const datePattern = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** `--admin-emails a@x,b@y` → JSON string[] (lower case, no duplicates); "" clears the list. */
export function adminEmailsColumn(typed: string): string {
  const emails = typed.split(',').map((email) => email.trim().toLowerCase()).filter((email) => email.length > 0);
  const bad = emails.find((email) => !emailPattern.test(email));
  if (bad !== undefined) throw new LanyardError('CSP_ADMIN_EMAIL_INVALID', `--admin-emails takes e-mail addresses separated by commas; "${bad}" is not one`);
  return JSON.stringify([...new Set(emails)]);
}

/** `--resellers <guid>,…` → JSON string[]; "" clears the list. */
export function resellerIdsColumn(typed: string): string {
  const ids = typed.split(',').map((id) => id.trim().toLowerCase()).filter((id) => id.length > 0);
  const bad = ids.find((id) => !guidPattern.test(id));
  if (bad !== undefined) throw new LanyardError('CSP_RESELLER_ID_INVALID', `--resellers takes reseller tenant GUIDs separated by commas; "${bad}" is not one`);
  return JSON.stringify([...new Set(ids)]);
}

/** `--licence-cap <n|unlimited>` (or `--licence-cap=-1`): most licences one customer may order; -1 unlimited. */
export function licenceCapColumn(typed: string): number {
  if (typed.trim().toLowerCase() === 'unlimited') return -1;
  const cap = /^-?\d{1,9}$/.test(typed.trim()) ? Number(typed.trim()) : Number.NaN;
  if (!Number.isInteger(cap) || cap < -1) throw new LanyardError('CSP_LICENCE_CAP_INVALID', `--licence-cap takes a whole number of licences per customer, or unlimited (-1) for no cap; "${typed}" is not one`);
  return cap;
}

/** `--client-secret-expires <YYYY-MM-DD | ISO time>`, as the app registration shows it; "" forgets it. */
export function secretExpiryColumn(typed: string): string | null {
  if (typed.trim() === '') return null;
  const date = datePattern.test(typed.trim()) ? new Date(typed.trim()) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw new LanyardError('CSP_SECRET_EXPIRY_INVALID', `--client-secret-expires takes the date the app's client secret expires (YYYY-MM-DD, as Entra's Certificates & secrets page shows it); "${typed}" is not one`);
  return date.toISOString();
}

/** `--login-url` / `--partner-center-url` / `--graph-url`: https, or http on the loopback (the emulator on a laptop); no trailing slash. */
export function endpointColumn(option: string, typed: string): string {
  let url: URL;
  try {
    url = new URL(typed.trim());
  } catch {
    throw new LanyardError('CSP_ENDPOINT_INVALID', `--${option} must be a URL such as https://login.microsoftonline.com; "${typed}" is not one`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if ((url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) || url.username || url.search || url.hash) {
    throw new LanyardError('CSP_ENDPOINT_INVALID', `--${option} must be an https:// URL without credentials, query or fragment; "${typed}" is not one`);
  }
  return url.toString().replace(/\/+$/, '');
}
