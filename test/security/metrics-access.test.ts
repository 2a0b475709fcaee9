/**
 * Threat: anyone on the internet reading /metrics: sign-in failures by reason, token counts and
 * traffic tell an attacker how a spray is going and when the service is busy.
 * Invariant: /metrics answers only where an operator chose: on the main port only with
 * `Authorization: Bearer <LANYARD_METRICS_TOKEN>` (401 otherwise), on LANYARD_METRICS_PORT's own
 * loopback listener (which asks for the token too when one is set); with neither, the main port
 * answers 404.
 * Why this way: each configuration is a real server; requests come with no token, a wrong one
 * (same length, so a length check alone cannot pass), and the right one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../harness/free-port.ts';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';

const token = 'metrics-token-0123456789abcdef';
const wrongToken = 'metrics-token-0123456789abcdeF';

describe('access to /metrics', () => {
  let lanyard: RunningLanyard | undefined;
  afterEach(async () => {
    await lanyard?.stop();
    lanyard = undefined;
  });

  const scrape = (url: string, bearer?: string) => fetch(`${url}/metrics`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

  it('is not served on the main port when neither a token nor a metrics port is set', async () => {
    lanyard = await startLanyard('sqlite');
    expect((await scrape(lanyard.url)).status).toBe(404);
    expect((await scrape(lanyard.url, token)).status).toBe(404);
    expect((await fetch(`${lanyard.url}/healthz`)).status).toBe(200);
  });

  it('answers on the main port only to the configured bearer token', async () => {
    lanyard = await startLanyard('sqlite', { LANYARD_METRICS_TOKEN: token });
    const missing = await scrape(lanyard.url);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect((await scrape(lanyard.url, wrongToken)).status).toBe(401);
    const scraped = await scrape(lanyard.url, token);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('lanyard_http_requests_total');
  });

  it('answers on its own loopback listener, not on the main port, when a metrics port is set', async () => {
    const metricsPort = await freePort();
    lanyard = await startLanyard('sqlite', { LANYARD_METRICS_PORT: String(metricsPort) });
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    expect((await scrape(lanyard.url)).status).toBe(404);
    const scraped = await scrape(metricsUrl);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('lanyard_signin_attempts_total');
    // Nothing else is served there.
    expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(404);
  });

  it('asks for the token on the metrics listener too when both are set', async () => {
    const metricsPort = await freePort();
    lanyard = await startLanyard('sqlite', { LANYARD_METRICS_PORT: String(metricsPort), LANYARD_METRICS_TOKEN: token });
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    expect((await scrape(metricsUrl)).status).toBe(401);
    expect((await scrape(metricsUrl, token)).status).toBe(200);
  });
});
