import type { Config } from '../../core/config.ts';
import type { PartnerCenterDeps } from '../partner-center/open-partner-center.ts';

/** What the customer operations need: the Partner Center client's parts and the SMTP settings. */
export interface CustomerDeps extends PartnerCenterDeps {
  readonly config: Pick<Config, 'smtp'>;
}
