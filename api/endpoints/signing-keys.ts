import { z } from 'zod';
import { rotateKeysStep, signingKeysView } from '../../portal/views/signing-keys.ts';
import { endpoint, type Endpoint } from '../endpoint.ts';
import { named, timeShape } from '../shapes.ts';

const keyShape = named('SigningKey', z.strictObject({
  id: z.string(),
  state: z.enum(['current', 'next', 'previous', 'retired']),
  thumbprintSha256: z.string(),
  notBefore: timeShape,
  notAfter: timeShape,
  createdAt: timeShape,
  activatedAt: timeShape.nullable(),
  retiredAt: timeShape.nullable(),
}), 'A token-signing key and its certificate\'s facts.');
const rotationStep = z.enum(['create-next', 'activate', 'retire-previous']);

/** Signing keys (the operator's: every organization's federation trusts them) and the rollover, one step per call. */
export const signingKeyEndpoints: readonly Endpoint[] = [
  endpoint({
    id: 'getSigningKeys', method: 'get', path: '/installation/signing-keys', scope: 'installation', action: 'keys.view', tag: 'Signing keys',
    summary: 'The current, next and previous signing keys, and where the three-step rollover stands',
    response: named('SigningKeys', z.strictObject({
      current: keyShape.nullable(),
      next: keyShape.nullable(),
      previous: keyShape.nullable(),
      steps: z.array(z.strictObject({ step: rotationStep, state: z.enum(['done', 'next', 'waiting']) })),
      retireAllowedAt: timeShape.nullable().describe('When the next step is retire-previous: the earliest time it is allowed'),
    })),
    handle: async ({ deps, caller }) => signingKeysView(deps.context.db, caller.admin),
  }),
  endpoint({
    id: 'rotateSigningKeys', method: 'post', path: '/installation/signing-keys/rotate', scope: 'installation', action: 'keys.rotate', tag: 'Signing keys',
    summary: 'The rollover\'s next step: create next (pushed to every federated domain), activate, or retire previous (dangerous: a fresh second factor)',
    response: z.strictObject({
      step: rotationStep,
      message: z.string(),
      thumbprintSha256: z.string(),
      federatedDomains: z.array(z.record(z.string(), z.unknown())).describe('The certificates each federated domain was told to trust'),
    }),
    errors: ['KEY_ROTATION_TOO_SOON'],
    handle: async ({ deps, caller, now }) => rotateKeysStep(deps.context, caller.admin, now),
  }),
];
