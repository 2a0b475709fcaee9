import { PartnerCenterThrottle } from './throttle.ts';
import type { Cart, Catalog, Customer, Order, Partner, RecordedResponse, Subscription } from './model.ts';

export const emptyCatalog: Catalog = Object.freeze({ countries: ['US'], products: [], offers: [], mcaTemplateId: '117a0e4b-5dc8-4f6c-9b0e-2f5a9a1f4c61' });

/** Partner Center's own records, beside the directory (tenants) they refer to. */
export class PartnerCenterState {
  /** Partners by partner tenant id. */
  readonly partners = new Map<string, Partner>();
  /** Customers by customer tenant id. */
  readonly customers = new Map<string, Customer>();
  readonly subscriptions = new Map<string, Subscription>();
  readonly orders = new Map<string, Order>();
  readonly carts = new Map<string, Cart>();
  /** By `{partner tenant id}/{MS-RequestId}`. */
  readonly recordedResponses = new Map<string, RecordedResponse>();
  catalog: Catalog = emptyCatalog;
  readonly throttle = new PartnerCenterThrottle();

  clear(): void {
    this.partners.clear();
    this.customers.clear();
    this.subscriptions.clear();
    this.orders.clear();
    this.carts.clear();
    this.recordedResponses.clear();
    this.catalog = emptyCatalog;
    this.throttle.clear();
  }

  customersOf(partnerTenantId: string): Customer[] {
    return [...this.customers.values()].filter((customer) => customer.partnerTenantId === partnerTenantId);
  }

  subscriptionsOf(customerId: string): Subscription[] {
    return [...this.subscriptions.values()].filter((subscription) => subscription.customerId === customerId);
  }
}
