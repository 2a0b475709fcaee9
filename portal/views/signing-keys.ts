import type { Db } from '../../core/db/database.ts';
import type { SigningKeyRow } from '../../core/db/schema.ts';
import { listSigningKeys } from '../../core/db/signing-keys.ts';
import { previousKeySettleMilliseconds, rotateSigningKeys, type RotationResult, type RotationStep } from '../../idp/signing/rotation.ts';
import { pushTrustedCertificates, type CertificatePush } from '../../provisioning/federation/certificate-push.ts';
import { requireCan } from '../admins.ts';
import type { Admin } from '../policy.ts';
import type { FederationContext } from './domains.ts';

export interface KeyView {
  readonly id: string;
  readonly state: SigningKeyRow['state'];
  readonly thumbprintSha256: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly createdAt: string;
  readonly activatedAt: string | null;
  readonly retiredAt: string | null;
}

export interface RolloverStepView {
  readonly step: RotationStep;
  /** done: this rollover passed it; next: what "rotate" does now; waiting: after the next one. */
  readonly state: 'done' | 'next' | 'waiting';
}

export interface SigningKeysView {
  readonly current: KeyView | null;
  readonly next: KeyView | null;
  readonly previous: KeyView | null;
  /** The rollover's three steps in order, with where this installation stands. */
  readonly steps: readonly RolloverStepView[];
  /** When the next step is retire-previous: the earliest time it is allowed (every node's key cache expired). */
  readonly retireAllowedAt: string | null;
}

const order: readonly RotationStep[] = ['create-next', 'activate', 'retire-previous'];

/**
 * The keys as the rollover sees them (rotation.ts chooses the step from the keys' states the same
 * way: a next key → activate; a previous key → retire-previous; else create-next).
 */
export async function signingKeysView(db: Db, admin: Admin): Promise<SigningKeysView> {
  requireCan(admin, 'keys.view', { kind: 'installation' });
  const keys = await listSigningKeys(db);
  const inState = (state: SigningKeyRow['state']) => {
    const key = keys.find((candidate) => candidate.state === state);
    return key ? keyView(key) : null;
  };
  const current = inState('current');
  const next = inState('next');
  const previous = inState('previous');
  const nextStep: RotationStep = next ? 'activate' : previous ? 'retire-previous' : 'create-next';
  const at = order.indexOf(nextStep);
  return {
    current,
    next,
    previous,
    steps: order.map((step, index) => ({ step, state: index < at ? 'done' : index === at ? 'next' : 'waiting' })),
    retireAllowedAt: nextStep === 'retire-previous' && current?.activatedAt ? new Date(Date.parse(current.activatedAt) + previousKeySettleMilliseconds).toISOString() : null,
  };
}

export interface RotationOutcome {
  readonly step: RotationStep;
  readonly message: string;
  readonly thumbprintSha256: string;
  readonly federatedDomains: readonly CertificatePush[];
}

/**
 * One rollover step, as `lanyard keys rotate` does it: every federated domain is told first which
 * certificates to trust (a failed push switches nothing here), then the keys switch. The caller
 * has checked re-authentication.
 */
export async function rotateKeysStep(context: FederationContext, admin: Admin, now: Date): Promise<RotationOutcome> {
  requireCan(admin, 'keys.rotate', { kind: 'installation' });
  const result: RotationResult = await rotateSigningKeys(context.db, context.secretBox, admin.actor, now, {
    publish: (certificates, step) => pushTrustedCertificates(context, certificates, step, admin.actor),
  });
  return { step: result.step, message: result.message, thumbprintSha256: result.key.thumbprint, federatedDomains: (result.published ?? []) as CertificatePush[] };
}

function keyView(key: SigningKeyRow): KeyView {
  return {
    id: key.id, state: key.state, thumbprintSha256: key.thumbprint, notBefore: key.notBefore, notAfter: key.notAfter,
    createdAt: key.createdAt, activatedAt: key.activatedAt, retiredAt: key.retiredAt,
  };
}
