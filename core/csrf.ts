import { hkdfSync } from 'node:crypto';

/**
 * The key every form's CSRF token is an HMAC under, derived from the master key so that all nodes
 * agree without sharing another secret. Each form binds its own context into the HMAC (a sign-in
 * request and browser, an activation token), so a token is good for one form only.
 */
export function csrfKeyOf(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'lanyard csrf v1', 32));
}
