import { z } from 'zod';
import { LanyardError } from './errors.ts';

/**
 * The one configuration object, read from the environment once at start, validated, and frozen.
 * Every option is documented here, where its default is defined (README mirrors this list).
 * A bad value stops the process with the exact variable named (CONFIG_INVALID).
 */
const origin = (name: string) =>
  z
    .string()
    .url(`${name} must be an absolute URL`)
    .transform((value) => value.replace(/\/+$/, ''))
    .refine((value) => /^https?:\/\//.test(value), `${name} must be http(s)`);

export const positiveInt = z.coerce.number().int().positive();

const schema = z.object({
  /** Folder for the SQLite database and the generated master key. */
  LANYARD_DATA_DIR: z.string().min(1).default('./data'),
  /** `postgres://…` for multi-node mode; otherwise a SQLite file path or `sqlite:` URL. Default: `<data dir>/lanyard.sqlite`. */
  LANYARD_DATABASE_URL: z.string().min(1).optional(),
  /** TCP port of `lanyard serve`. */
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Address to bind. Loopback by default; set 0.0.0.0 behind a reverse proxy or in a container. */
  LANYARD_HOST: z.string().min(1).default('127.0.0.1'),
  /** Public base URL; issuers and endpoints are derived from it. Default: http://localhost:<PORT>. */
  LANYARD_PUBLIC_URL: origin('LANYARD_PUBLIC_URL').optional(),
  /** Base64 of 32 random bytes; encrypts secrets at rest. Generated into the data dir when unset. */
  LANYARD_MASTER_KEY: z.string().optional(),
  /** Microsoft endpoints as origins (no version path). The emulator's URLs in tests. */
  LANYARD_MICROSOFT_LOGIN_URL: origin('LANYARD_MICROSOFT_LOGIN_URL').default('https://login.microsoftonline.com'),
  LANYARD_GRAPH_URL: origin('LANYARD_GRAPH_URL').default('https://graph.microsoft.com'),
  LANYARD_PARTNER_CENTER_URL: origin('LANYARD_PARTNER_CENTER_URL').default('https://api.partnercenter.microsoft.com'),
  /**
   * PEM file with the certificate(s) Entra signs SAML AuthnRequests with (from Microsoft's SAML 2.0
   * metadata). Needed only for domains that require signed AuthnRequests.
   */
  LANYARD_MICROSOFT_REQUEST_SIGNING_CERT_FILE: z.string().min(1).optional(),
  /**
   * PEM certificate chain and private key: when both are set, `lanyard serve` speaks HTTPS itself
   * (no reverse proxy needed). Set both or neither.
   */
  LANYARD_TLS_CERT_FILE: z.string().min(1).optional(),
  LANYARD_TLS_KEY_FILE: z.string().min(1).optional(),
  /**
   * How many reverse proxies in front of Lanyard append to X-Forwarded-For (0: none, the headers are
   * ignored). The client address is the entry that many places from the right: the address the
   * outermost trusted proxy saw. Entries further left are written by the client and never used.
   * `true` means 1 and `false` 0 (the former yes/no form).
   */
  LANYARD_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2})$/, 'must be the number of trusted proxy hops (0 = none; true = 1)')
    .default('0')
    .transform((value) => (value === 'true' ? 1 : value === 'false' ? 0 : Number(value))),
  /** SSO session lifetime. */
  LANYARD_SESSION_TTL_MINUTES: positiveInt.default(480),
  /** Validity of issued tokens (AD FS default: 60 minutes). */
  LANYARD_TOKEN_LIFETIME_MINUTES: positiveInt.default(60),
  /** How long a person has to finish a sign-in started by Microsoft. */
  LANYARD_SIGNIN_TIMEOUT_MINUTES: positiveInt.default(15),
  /**
   * Failed attempts allowed in one window. The account limit applies to each of an account's three
   * counters on its own: wrong passwords from familiar addresses, wrong passwords from unfamiliar
   * addresses (so an attacker elsewhere cannot lock the real user out), and wrong TOTP codes. The
   * address limit counts every failure from one client address.
   */
  LANYARD_THROTTLE_ACCOUNT_LIMIT: positiveInt.default(10),
  LANYARD_THROTTLE_ADDRESS_LIMIT: positiveInt.default(50),
  LANYARD_THROTTLE_WINDOW_SECONDS: positiveInt.default(900),
  /** How many addresses per account count as familiar: the most recently seen ones a sign-in completed from. */
  LANYARD_THROTTLE_FAMILIAR_ADDRESSES: positiveInt.default(20),
  /** Largest request body accepted (bytes); larger bodies get 413 REQUEST_TOO_LARGE. */
  LANYARD_MAX_BODY_BYTES: positiveInt.default(256 * 1024),
  /** scrypt cost (log2 N). 17 = OWASP's minimum for scrypt (N=2^17, r=8, p=1). Tests may lower it. */
  LANYARD_PASSWORD_HASH_COST: z.coerce.number().int().min(10).max(20).default(17),
  /**
   * /metrics is not served to just anyone. With a token, `/metrics` on the main port answers only
   * `Authorization: Bearer <token>` (16 characters or more). With a port, a separate listener on
   * LANYARD_METRICS_HOST (loopback by default) serves `/metrics`, also asking for the token when one
   * is set. With neither, /metrics is not served (404).
   */
  LANYARD_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters (e.g. openssl rand -base64 32)').optional(),
  LANYARD_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LANYARD_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  LANYARD_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /**
   * Outgoing mail for activation links: `smtp://user:pass@host:587` (STARTTLS when offered) or
   * `smtps://…:465`. Unset: links are shown to the admin instead. LANYARD_SMTP_FROM is the sender.
   */
  LANYARD_SMTP_URL: z.string().regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL').optional(),
  LANYARD_SMTP_FROM: z.string().min(3).max(256).optional(),
});

export type CoreConfig = Readonly<{
  dataDir: string;
  databaseUrl: string | undefined;
  port: number;
  host: string;
  publicUrl: string;
  masterKey: string | undefined;
  microsoftLoginUrl: string;
  graphUrl: string;
  partnerCenterUrl: string;
  microsoftRequestSigningCertFile: string | undefined;
  tls: Readonly<{ certFile: string; keyFile: string }> | undefined;
  /** Reverse proxies trusted to append to X-Forwarded-For; 0: the headers are ignored. */
  trustedProxyHops: number;
  sessionTtlMinutes: number;
  tokenLifetimeMinutes: number;
  signInTimeoutMinutes: number;
  throttle: Readonly<{ accountLimit: number; addressLimit: number; windowSeconds: number; familiarAddresses: number }>;
  maxBodyBytes: number;
  passwordHashCost: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  metrics: Readonly<{ token: string | undefined; port: number | undefined; host: string }>;
  smtp: Readonly<{ url: string; from: string }> | undefined;
}>;

/** The settings of the modules, by section key; each module adds its own (declaration merging). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ModuleConfig {}

export type Config = CoreConfig & Readonly<ModuleConfig>;

/**
 * A module's part of the configuration: its environment variables (zod, documented where the
 * default is defined, as here) and the object it reads them into, found at `config[key]`.
 */
export interface ConfigSection {
  readonly key: string;
  readonly variables: z.ZodRawShape;
  read(values: Record<string, unknown>): unknown;
}

/** A section whose key and value type match the module's entry in ModuleConfig. */
export function defineConfigSection<Key extends keyof ModuleConfig, Shape extends z.ZodRawShape>(section: {
  key: Key;
  variables: Shape;
  read(values: z.infer<z.ZodObject<Shape>>): ModuleConfig[Key];
}): ConfigSection {
  return section as unknown as ConfigSection;
}

/**
 * Reads and validates configuration from `env` (default: process.env): the core variables and
 * those of every module section given (the server passes its modules').
 *
 * @example
 *   const config = loadConfig({ PORT: '0', LANYARD_DATA_DIR: '/tmp/x' }, [provisioningConfig]);
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, sections: readonly ConfigSection[] = []): Config {
  const relevant = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => (key.startsWith('LANYARD_') || key === 'PORT') && value !== ''),
  );
  const parsed = schema.extend(Object.assign({}, ...sections.map((section) => section.variables))).safeParse(relevant);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? 'environment');
    throw new LanyardError('CONFIG_INVALID', `${key}: ${issue.message}`, { key });
  }
  const v = parsed.data as z.infer<typeof schema>;
  if (v.LANYARD_SMTP_URL && !v.LANYARD_SMTP_FROM) {
    throw new LanyardError('CONFIG_INVALID', 'LANYARD_SMTP_FROM: set the sender address when LANYARD_SMTP_URL is set', { key: 'LANYARD_SMTP_FROM' });
  }
  if ((v.LANYARD_TLS_CERT_FILE === undefined) !== (v.LANYARD_TLS_KEY_FILE === undefined)) {
    const key = v.LANYARD_TLS_CERT_FILE === undefined ? 'LANYARD_TLS_CERT_FILE' : 'LANYARD_TLS_KEY_FILE';
    throw new LanyardError('CONFIG_INVALID', `${key}: set LANYARD_TLS_CERT_FILE and LANYARD_TLS_KEY_FILE together`, { key });
  }
  const moduleSettings = Object.fromEntries(sections.map((section) => [section.key, Object.freeze(section.read(parsed.data as Record<string, unknown>))]));
  return Object.freeze({
    ...(moduleSettings as unknown as ModuleConfig),
    dataDir: v.LANYARD_DATA_DIR,
    databaseUrl: v.LANYARD_DATABASE_URL,
    port: v.PORT,
    host: v.LANYARD_HOST,
    publicUrl: v.LANYARD_PUBLIC_URL ?? `http://localhost:${v.PORT}`,
    masterKey: v.LANYARD_MASTER_KEY,
    microsoftLoginUrl: v.LANYARD_MICROSOFT_LOGIN_URL,
    graphUrl: v.LANYARD_GRAPH_URL,
    partnerCenterUrl: v.LANYARD_PARTNER_CENTER_URL,
    microsoftRequestSigningCertFile: v.LANYARD_MICROSOFT_REQUEST_SIGNING_CERT_FILE,
    tls: v.LANYARD_TLS_CERT_FILE && v.LANYARD_TLS_KEY_FILE ? Object.freeze({ certFile: v.LANYARD_TLS_CERT_FILE, keyFile: v.LANYARD_TLS_KEY_FILE }) : undefined,
    trustedProxyHops: v.LANYARD_TRUST_PROXY,
    sessionTtlMinutes: v.LANYARD_SESSION_TTL_MINUTES,
    tokenLifetimeMinutes: v.LANYARD_TOKEN_LIFETIME_MINUTES,
    signInTimeoutMinutes: v.LANYARD_SIGNIN_TIMEOUT_MINUTES,
    throttle: Object.freeze({
      accountLimit: v.LANYARD_THROTTLE_ACCOUNT_LIMIT,
      addressLimit: v.LANYARD_THROTTLE_ADDRESS_LIMIT,
      windowSeconds: v.LANYARD_THROTTLE_WINDOW_SECONDS,
      familiarAddresses: v.LANYARD_THROTTLE_FAMILIAR_ADDRESSES,
    }),
    maxBodyBytes: v.LANYARD_MAX_BODY_BYTES,
    passwordHashCost: v.LANYARD_PASSWORD_HASH_COST,
    logLevel: v.LANYARD_LOG_LEVEL,
    metrics: Object.freeze({ token: v.LANYARD_METRICS_TOKEN, port: v.LANYARD_METRICS_PORT, host: v.LANYARD_METRICS_HOST }),
    smtp: v.LANYARD_SMTP_URL ? Object.freeze({ url: v.LANYARD_SMTP_URL, from: v.LANYARD_SMTP_FROM! }) : undefined,
  });
}
