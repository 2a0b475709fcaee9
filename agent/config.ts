import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LanyardError } from '../core/errors.ts';

/**
 * The agent's configuration file (JSON), validated once at start; a bad value stops the agent with
 * AGENT_CONFIG_INVALID naming the exact key. Secrets never come from argv: the agent key is read
 * from `agentKeyFile` (or LANYARD_AGENT_KEY), the bind password from `ldap.bindPasswordFile` (or
 * LANYARD_AGENT_BIND_PASSWORD). agent/README.md documents every key.
 */
const attribute = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be an LDAP attribute name');

const schema = z.strictObject({
  server: z.url().refine((value) => /^https?:\/\//.test(value), 'must be an http(s) URL').transform((value) => value.replace(/\/+$/, '')),
  agentKeyFile: z.string().min(1).optional(),
  ldap: z.strictObject({
    url: z.string().regex(/^ldaps?:\/\/[^/]+\/?$/, 'must be ldap://host:port or ldaps://host:port'),
    startTls: z.boolean().default(false),
    /** Extra CA certificates (PEM file) to trust for ldaps:// and StartTLS. */
    caFile: z.string().min(1).optional(),
    bindDn: z.string().min(1),
    bindPasswordFile: z.string().min(1).optional(),
    baseDns: z.array(z.string().min(1)).min(1),
    excludeDns: z.array(z.string().min(1)).default([]),
    filter: z.string().min(3).default('(objectClass=inetOrgPerson)'),
    pageSize: z.number().int().min(1).max(5000).default(500),
    timeoutSeconds: z.number().int().min(1).max(600).default(30),
  }),
  mapping: z
    .strictObject({
      upn: attribute.default('mail'),
      upnSuffix: z.string().regex(/^[A-Za-z0-9.-]+$/, 'must be a DNS name').nullable().default(null),
      sourceAnchor: z.enum(['entryUUID', 'objectGUID', 'mS-DS-ConsistencyGuid']).default('entryUUID'),
      displayName: attribute.nullable().default('cn'),
      givenName: attribute.nullable().default('givenName'),
      surname: attribute.nullable().default('sn'),
      mail: attribute.nullable().default('mail'),
      /** Active Directory keeps the two-letter country in `c`; OpenLDAP's inetOrgPerson has no such attribute. */
      usageLocation: attribute.nullable().default(null),
    })
    .prefault({}),
  /** `modifyTimestamp` (OpenLDAP and most servers) or `uSNChanged` (Active Directory). */
  changeTracking: z.enum(['modifyTimestamp', 'uSNChanged']).optional(),
  // Down to 1 s: a delta is one cheap LDAP search, and tight intervals keep sign-in data fresh.
  intervalSeconds: z.number().int().min(1).max(86_400).default(60),
  /**
   * How often a delta run of the long-running `lanyard-agent run` also scans the whole scope for
   * deletions (0: every run). The scan costs time in proportion to the directory, so with short
   * intervals it is spread out; deletions and moves out of scope then take up to this long to
   * disable an account. Full syncs and `run --once` always scan.
   */
  deletionScanSeconds: z.number().int().min(0).max(604_800).default(60),
  stateDir: z.string().min(1),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type AgentConfig = Readonly<z.infer<typeof schema> & { changeTracking: 'modifyTimestamp' | 'uSNChanged' }>;

/**
 * Validates a parsed config object. AD anchors imply uSNChanged change tracking unless set.
 *
 * @example
 *   const config = parseAgentConfig(JSON.parse(readFileSync('agent.json', 'utf8')));
 */
export function parseAgentConfig(input: unknown): AgentConfig {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.join('.') || '(root)';
    throw new LanyardError('AGENT_CONFIG_INVALID', `agent config ${key}: ${issue.message}`, { key });
  }
  const value = parsed.data;
  const changeTracking = value.changeTracking ?? (value.mapping.sourceAnchor === 'entryUUID' ? 'modifyTimestamp' : 'uSNChanged');
  return Object.freeze({ ...value, changeTracking });
}

/** Reads and validates the config file. */
export function loadAgentConfig(file: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new LanyardError('AGENT_CONFIG_INVALID', `cannot read agent config ${file}: ${(error as Error).message}`);
  }
  try {
    return parseAgentConfig(JSON.parse(text));
  } catch (error) {
    if (error instanceof SyntaxError) throw new LanyardError('AGENT_CONFIG_INVALID', `agent config ${file} is not JSON: ${error.message}`);
    throw error;
  }
}

export interface AgentSecrets {
  readonly agentKey: string;
  readonly bindPassword: string;
}

/** The agent key and bind password, from their files or the environment (never argv). */
export function loadAgentSecrets(config: AgentConfig, env: Record<string, string | undefined> = process.env): AgentSecrets {
  return {
    agentKey: readSecret(config.agentKeyFile, env.LANYARD_AGENT_KEY, 'agentKeyFile', 'LANYARD_AGENT_KEY'),
    bindPassword: readSecret(config.ldap.bindPasswordFile, env.LANYARD_AGENT_BIND_PASSWORD, 'ldap.bindPasswordFile', 'LANYARD_AGENT_BIND_PASSWORD'),
  };
}

function readSecret(file: string | undefined, fromEnv: string | undefined, key: string, variable: string): string {
  if (file) {
    try {
      const value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      if (value) return value;
    } catch (error) {
      throw new LanyardError('AGENT_CONFIG_INVALID', `${key}: cannot read ${file}: ${(error as Error).message}`, { key });
    }
    throw new LanyardError('AGENT_CONFIG_INVALID', `${key}: ${file} is empty`, { key });
  }
  if (fromEnv) return fromEnv;
  throw new LanyardError('AGENT_CONFIG_INVALID', `set ${key} in the config or ${variable} in the environment`, { key });
}
