import { requireDomain } from '../accounts/domains.ts';
import { findOrganizationById } from '../../core/db/organizations.ts';
import { graphFederationBody, type FederationProtocol, type MfaBehavior } from '../federation/graph-federation-body.ts';
import { createSigningKeyStore } from '../signing/key-store.ts';
import type { CommandDefinition } from '../../core/commands.ts';

export const federationCommands: readonly CommandDefinition[] = [
  {
    words: ['federation', 'show'],
    positionals: ['domain'],
    options: { protocol: { type: 'string', choices: ['wsfed', 'saml'] }, mfa: { type: 'string', choices: ['enforce', 'accept', 'reject'] } },
    summary: 'federation show <domain> [--protocol wsfed|saml] [--mfa enforce|accept|reject]',
    async run({ args, options, context }) {
      const domain = await requireDomain(context.db, args.domain!);
      const keys = createSigningKeyStore(context.db, context.secretBox);
      await keys.ensureCurrent();
      const { current, next } = await keys.published();
      const organization = await findOrganizationById(context.db, domain.organizationId);
      const body = graphFederationBody({
        domain,
        publicUrl: context.config.publicUrl,
        displayName: organization?.name ?? domain.name,
        protocol: (options.protocol as FederationProtocol | undefined) ?? domain.protocol,
        mfaBehavior: (options.mfa as MfaBehavior | undefined) ?? domain.mfaBehavior,
        current,
        next,
      });
      const text = [
        `POST ${context.config.graphUrl}/v1.0/domains/${domain.name}/federationConfiguration`,
        'Content-Type: application/json',
        '',
        JSON.stringify(body, null, 2),
      ].join('\n');
      return { json: body, text };
    },
  },
];
