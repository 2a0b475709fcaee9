/**
 * A minimal browser for HTTP-level tests: a cookie jar (name=value per host, honouring Max-Age=0
 * deletions) and manual redirects, so each hop can be inspected. Chromium tests use the real thing.
 */
export class BrowserClient {
  private readonly cookies = new Map<string, string>();

  /** `form` posts urlencoded; `multipart` posts a FormData (files included) as multipart/form-data. */
  async request(url: string, init: { method?: string; form?: Record<string, string>; multipart?: FormData; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'text/html', ...init.headers };
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (cookie) headers.cookie = cookie;
    let body: string | FormData | undefined = init.multipart;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = pair!.split('=');
      if (attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)) || value.join('=') === '') this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value.join('='));
    }
    return response;
  }

  /** Follows redirects (GET after 303) until a non-redirect answer. */
  async follow(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<{ response: Response; url: string; html: string }> {
    let current = url;
    let response = await this.request(current, init);
    for (let hops = 0; response.status >= 300 && response.status < 400; hops++) {
      if (hops > 10) throw new Error('too many redirects');
      current = new URL(response.headers.get('location')!, current).toString();
      response = await this.request(current);
    }
    return { response, url: current, html: await response.text() };
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  clearCookies(): void {
    this.cookies.clear();
  }
}

/** The hidden inputs and action of the first form in a page. */
export function readForm(html: string): { action: string; fields: Record<string, string> } {
  const action = decodeEntities(/<form[^>]*action="([^"]*)"/.exec(html)?.[1] ?? '');
  const fields: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[match[1]!] = decodeEntities(match[2]!);
  return { action, fields };
}

export function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"');
}
