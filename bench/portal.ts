/**
 * Portal page speed (`npm run bench -- portal`): how long the server takes to answer each portal
 * page for a signed-in admin, over keep-alive HTTP from this process, with an organization of 1,000
 * people and 2,000 audit events. The issue's aim is "a page in well under 100 ms on the server".
 *
 * Reference, measured in the same run: `/readyz`, which answers after one database round trip — the
 * floor of any page that reads the database. Each page's median and 95th percentile are printed as
 * milliseconds and as a ratio to that floor (how many round trips' worth of time the page costs:
 * session, rule, queries and rendering).
 */
import { recordAuditEvent } from '../core/db/audit-events.ts';
import { addUser } from '../idp/accounts/users.ts';
import { startPortalWorld } from '../test/portal/portal-world.ts';
import { people } from '../test/portal/portal-world.ts';
import type { BenchFigure } from './measure.ts';

const samplesPerPage = 200;

export async function benchPortal(): Promise<BenchFigure[]> {
  const world = await startPortalWorld('sqlite');
  try {
    const { db } = world.lanyard.context;
    const now = world.clock.now();
    for (let index = 0; index < 1000; index += 1) {
      await addUser(db, { upn: `person${index}@contoso.com`, displayName: `Person ${index}`, password: 'not used by the bench 1' }, { actor: 'bench', passwordHashCost: world.lanyard.context.config.passwordHashCost });
    }
    for (let index = 0; index < 2000; index += 1) {
      await recordAuditEvent(db, { actor: 'bench', action: 'signin.password', target: `person${index % 1000}@contoso.com`, outcome: index % 7 ? 'success' : 'failure' }, now);
    }
    const admin = await world.signIn(people.orgAdmin);
    const time = async (path: string) => {
      const samples: number[] = [];
      for (let index = 0; index < samplesPerPage + 20; index += 1) {
        const start = performance.now();
        const response = await admin.request(`${world.url}${path}`);
        await response.arrayBuffer();
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
        if (index >= 20) samples.push(performance.now() - start); // the first 20 warm up
      }
      samples.sort((a, b) => a - b);
      return { median: samples[Math.floor(samples.length / 2)]!, p95: samples[Math.floor(samples.length * 0.95)]! };
    };
    const floor = await time('/readyz');
    const reference = { name: '/readyz (one database round trip)', value: floor.median, unit: 'ms' };
    const pages = ['/admin', '/admin/orgs/contoso', '/admin/orgs/contoso/users', '/admin/orgs/contoso/users?q=person9', '/admin/orgs/contoso/audit', '/admin/orgs/contoso/domains', '/admin/orgs/contoso/agents', '/admin/orgs/contoso/provisioning'];
    const figures: BenchFigure[] = [];
    for (const page of pages) {
      const { median, p95 } = await time(page);
      figures.push({ name: `portal ${page}, median server answer (ratio: × the floor)`, value: median, unit: 'ms', reference, ratio: median / floor.median, target: '< 100 ms at p95', met: p95 < 100 });
      figures.push({ name: `portal ${page}, 95th percentile`, value: p95, unit: 'ms' });
    }
    return figures;
  } finally {
    await world.stop();
  }
}
