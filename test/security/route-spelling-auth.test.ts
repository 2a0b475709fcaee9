/**
 * Threat: reaching a handler behind authentication without credentials by spelling its path
 * differently from the guard (`/API/v1/users`, `/agent/V1/whoami`, a trailing slash, `/%61pi/…`,
 * `//`, `%2F`), so the guard does not run but the route does. The handler then runs without an
 * identity (a 500 from a missing organization), and a 500-versus-404 tells whether a run id exists.
 * Invariant: for every route of a router that has a guard, every other spelling of its path answers
 * 401 (the guard ran) or 404 (nothing there) without credentials; never 200, 400 or 500.
 * Why this way: the routes are read from the routers the app really mounts (their stacks), not from a
 * hand-written list, so a new route or router is covered the day it is added; requests are sent with
 * node:http so no client normalizes the path before the server sees it.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Router } from '@koa/router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLanyard, type RunningLanyard } from '../harness/lanyard.ts';

interface Route {
  readonly method: string;
  readonly template: string;
  /** The router has `use` middleware (a guard) in front of its routes. */
  readonly guarded: boolean;
}

function routesOf(lanyard: RunningLanyard): Route[] {
  const routers = lanyard.server.app.middleware
    .map((middleware) => (middleware as { router?: Router }).router)
    .filter((router): router is Router => router !== undefined);
  return routers.flatMap((router) => {
    const guarded = router.stack.some((layer) => layer.methods.length === 0);
    return router.stack
      .filter((layer) => layer.methods.length > 0 && typeof layer.path === 'string')
      .flatMap((layer) => layer.methods.filter((method) => method !== 'HEAD').map((method) => ({ method, template: layer.path as string, guarded })));
  });
}

const sampleParameter = (name: string) => (name === 'domain' ? 'contoso.com' : name === 'token' ? 'A'.repeat(43) : randomUUID());

/** The path's segments with parameters filled in; `literal` marks the segments the route spells out. */
function segmentsOf(template: string): Array<{ text: string; literal: boolean }> {
  return template.split('/').slice(1).map((segment) => (segment.startsWith(':') ? { text: sampleParameter(segment.slice(1)), literal: false } : { text: segment, literal: true }));
}

/** Every other spelling of the route's path: changed case per segment, encoded letters, `//`, `%2F`, a trailing slash. */
function spellingsOf(template: string): string[] {
  const segments = segmentsOf(template);
  const join = (parts: string[], separators = parts.map(() => '/')) => parts.map((part, index) => `${separators[index]}${part}`).join('');
  const texts = segments.map((segment) => segment.text);
  const variants = new Set<string>([`${join(texts)}/`]);
  const withSegment = (index: number, text: string) => texts.map((original, at) => (at === index ? text : original));
  segments.forEach((segment, index) => {
    if (segment.literal && /[a-z]/i.test(segment.text)) {
      variants.add(join(withSegment(index, segment.text.toUpperCase())));
      variants.add(join(withSegment(index, segment.text[0]!.toUpperCase() + segment.text.slice(1))));
      const letter = segment.text.search(/[a-z]/i);
      variants.add(join(withSegment(index, `${segment.text.slice(0, letter)}%${segment.text.charCodeAt(letter).toString(16)}${segment.text.slice(letter + 1)}`)));
    }
    variants.add(join(texts, texts.map((_, at) => (at === index ? '//' : '/'))));
    if (index > 0) variants.add(join(texts, texts.map((_, at) => (at === index ? '%2F' : '/'))));
  });
  variants.add(join(segments.map((segment) => (segment.literal ? segment.text.toUpperCase() : segment.text))));
  variants.delete(join(texts));
  return [...variants];
}

function request(base: string, method: string, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  // A length for the body: node sends DELETE's body neither chunked nor measured by default.
  const body = method === 'GET' ? undefined : '{}';
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: url.hostname, port: url.port, method, path, headers: { accept: 'application/json', 'content-type': 'application/json', ...(body && { 'content-length': String(body.length) }) } }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('routes behind authentication, spelled differently', () => {
  let lanyard: RunningLanyard;
  beforeAll(async () => {
    lanyard = await startLanyard('sqlite');
  });
  afterAll(async () => lanyard?.stop());

  it('finds the guarded routers among the mounted ones, and each guarded route asks for credentials', async () => {
    const guarded = routesOf(lanyard).filter((route) => route.guarded);
    expect(guarded.map((route) => route.template)).toEqual(expect.arrayContaining(['/api/v1/users', '/api/v1/provisioning/runs/:id', '/agent/v1/whoami']));
    for (const route of guarded) {
      const path = segmentsOf(route.template).map((segment) => `/${segment.text}`).join('');
      expect((await request(lanyard.url, route.method, path)).status, `${route.method} ${path}`).toBe(401);
    }
  });

  it('answers 401 or 404 to every other spelling of a guarded route, never reaching its handler', async () => {
    const failures: string[] = [];
    for (const route of routesOf(lanyard).filter((candidate) => candidate.guarded)) {
      for (const path of spellingsOf(route.template)) {
        const { status, body } = await request(lanyard.url, route.method, path);
        if (status !== 401 && status !== 404) failures.push(`${route.method} ${path} → ${status} ${body.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});
