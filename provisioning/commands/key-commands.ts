import { listSigningKeys } from '../../core/db/signing-keys.ts';
import { rotateSigningKeys } from '../../idp/signing/rotation.ts';
import { pushTrustedCertificates, type CertificatePush } from '../federation/certificate-push.ts';
import type { SigningKeyRow } from '../../core/db/schema.ts';
import { table, type CommandDefinition } from '../../core/commands.ts';

const keyJson = (key: SigningKeyRow) => ({
  id: key.id,
  state: key.state,
  thumbprintSha256: key.thumbprint,
  notBefore: key.notBefore,
  notAfter: key.notAfter,
  createdAt: key.createdAt,
  activatedAt: key.activatedAt,
  retiredAt: key.retiredAt,
  certificate: key.certificate,
});

export const keyCommands: readonly CommandDefinition[] = [
  {
    words: ['keys', 'list'],
    positionals: [],
    options: { all: { type: 'boolean' } },
    summary: 'keys list [--all]',
    async run({ options, context }) {
      const keys = await listSigningKeys(context.db, { includeRetired: options.all === true });
      return {
        json: keys.map(keyJson),
        text: table(['STATE', 'THUMBPRINT (SHA-256)', 'NOT AFTER', 'CREATED'], keys.map((k) => [k.state, k.thumbprint.slice(0, 16), k.notAfter.slice(0, 10), k.createdAt.slice(0, 19)])),
      };
    },
  },
  {
    words: ['keys', 'rotate'],
    positionals: [],
    options: { force: { type: 'boolean' } },
    summary: 'keys rotate [--force]   (one step: create next → activate → retire previous, the last ≥ 35 s after activation; pushes certificates to federated domains first)',
    async run({ options, context, services }) {
      // Each step first tells Microsoft which certificates to trust for every federated domain.
      const result = await rotateSigningKeys(context.db, context.secretBox, 'cli', new Date(), {
        publish: (certificates, step) => pushTrustedCertificates({ ...context, delegatedAccess: services.delegatedTenantAccess }, certificates, step, 'cli'),
        force: options.force === true,
      });
      const pushes = (result.published ?? []) as CertificatePush[];
      const pushed = pushes.map((push) => `\n  ${push.domain}: ${push.outcome}`).join('');
      return {
        json: { step: result.step, key: keyJson(result.key), message: result.message, federatedDomains: pushes },
        text: `${result.step}: ${result.message} (key ${result.key.thumbprint.slice(0, 16)})${pushed ? `\nMicrosoft 365 federated domains:${pushed}` : ''}`,
      };
    },
  },
];
