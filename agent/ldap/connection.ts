import { readFileSync } from 'node:fs';
import { Client, InvalidCredentialsError } from 'ldapts';
import { LanyardError, type ErrorCode } from '../../core/errors.ts';
import type { AgentConfig } from '../config.ts';

/**
 * Opens an LDAP connection as the configured server (StartTLS when asked) and binds. Failures
 * become stable codes the agent log and Lanyard's agent status show: LDAP_UNREACHABLE (connect or
 * timeout), LDAP_TLS_FAILED, LDAP_BIND_FAILED (credentials refused).
 *
 * @example
 *   const client = await openDirectory(config.ldap, bindPassword);
 *   try { ... } finally { await client.unbind(); }
 */
export async function openDirectory(ldap: AgentConfig['ldap'], bindPassword: string): Promise<Client> {
  const client = connect(ldap);
  try {
    await upgrade(client, ldap);
    await bindAs(client, ldap.bindDn, bindPassword, 'LDAP_BIND_FAILED');
    return client;
  } catch (error) {
    await client.unbind().catch(() => {});
    throw error;
  }
}

/**
 * A second connection used only to check one user's password (pass-through sign-in). True when
 * the directory accepted the bind, false when it refused the credentials.
 */
export async function verifyPasswordByBind(ldap: AgentConfig['ldap'], dn: string, password: string): Promise<boolean> {
  // An empty password would be an unauthenticated bind (RFC 4513 §5.1.2), which servers accept.
  if (password.length === 0) return false;
  const client = connect(ldap);
  try {
    await upgrade(client, ldap);
    await bindAs(client, dn, password, 'PASS_THROUGH_INVALID');
    return true;
  } catch (error) {
    if (error instanceof LanyardError && error.code === 'PASS_THROUGH_INVALID') return false;
    throw error;
  } finally {
    await client.unbind().catch(() => {});
  }
}

function connect(ldap: AgentConfig['ldap']): Client {
  const ca = ldap.caFile ? [readFileSync(ldap.caFile)] : undefined;
  // TLS options only for ldaps://: given for ldap://, ldapts breaks the later StartTLS handshake
  // (the socket is dropped before TLS is established; found by test/agent/tls.test.ts).
  const ldaps = ldap.url.toLowerCase().startsWith('ldaps://');
  return new Client({
    url: ldap.url,
    timeout: ldap.timeoutSeconds * 1000,
    connectTimeout: Math.min(ldap.timeoutSeconds, 10) * 1000,
    ...(ldaps ? { tlsOptions: ca ? { ca } : {} } : {}),
  });
}

async function upgrade(client: Client, ldap: AgentConfig['ldap']): Promise<void> {
  if (!ldap.startTls) return;
  try {
    await client.startTLS(ldap.caFile ? { ca: [readFileSync(ldap.caFile)] } : {});
  } catch (error) {
    throw asDirectoryError(error, ldap.url, 'LDAP_TLS_FAILED');
  }
}

async function bindAs(client: Client, dn: string, password: string, refusedCode: ErrorCode): Promise<void> {
  try {
    await client.bind(dn, password);
  } catch (error) {
    if (error instanceof InvalidCredentialsError) {
      throw new LanyardError(refusedCode, `the directory refused the credentials of ${dn}`);
    }
    throw asDirectoryError(error, '', 'LDAP_BIND_FAILED');
  }
}

/** Maps socket and protocol failures to LanyardErrors with a stable code. */
export function asDirectoryError(error: unknown, url: string, fallbackCode: ErrorCode): LanyardError {
  if (error instanceof LanyardError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|ECONNRESET|EAI_AGAIN)$/.test(code)) {
    return new LanyardError('LDAP_UNREACHABLE', `cannot reach the directory${url ? ` at ${url}` : ''}: ${code}`);
  }
  // Certificate checks fail on connect for ldaps:// (and on upgrade for StartTLS): say so, rather
  // than blaming the credentials of whatever operation happened to open the connection.
  if (typeof code === 'string' && /CERT|^ERR_TLS_|^ERR_SSL_/.test(code)) {
    return new LanyardError('LDAP_TLS_FAILED', `TLS with the directory${url ? ` at ${url}` : ''} failed: ${message} (${code})`);
  }
  if (/timeout|timed out|connection closed|socket/i.test(message)) {
    return new LanyardError('LDAP_UNREACHABLE', `cannot reach the directory${url ? ` at ${url}` : ''}: ${message}`);
  }
  return new LanyardError(fallbackCode, `directory error: ${message}`);
}
