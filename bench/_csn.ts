import { startSlapd } from '../test/harness/slapd.ts';
import { Client } from 'ldapts';
const s = await startSlapd({ preload: 'dn: uid=p1,ou=people,dc=example,dc=test\nobjectClass: inetOrgPerson\nuid: p1\ncn: P\nsn: P\n' });
const c = new Client({ url: s.url });
await c.bind(s.syncDn, s.syncPassword);
const r = await c.search('dc=example,dc=test', { scope: 'base', filter: '(objectClass=*)', attributes: ['contextCSN'] });
console.log(r.searchEntries[0]);
await c.unbind(); await s.stop();
