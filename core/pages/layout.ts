import { designCss } from './design.ts';
import { html, trusted, type SafeHtml } from './html.ts';

export interface PageFrame {
  readonly title: string;
  /** Per-response CSP nonce for the inline style and script. */
  readonly nonce: string;
  readonly organizationName?: string | undefined;
  /** The organization's logo (core/db/organization-logos.ts), shown beside its name. */
  readonly organizationLogo?: { readonly url: string; readonly width: number; readonly height: number } | undefined;
  readonly body: SafeHtml;
  /** Inline script: a constant written in this code base, never data (it is inserted unescaped). */
  readonly script?: string | undefined;
}

/**
 * The one page frame: server-rendered, no external assets (the CSP forbids them), readable without
 * JavaScript, and usable on a phone.
 */
export function renderPage(frame: PageFrame): string {
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${frame.title} · Lanyard</title>
<style nonce="${frame.nonce}">${styles}</style>
</head>
<body>
<main class="card">
${header(frame)}
${frame.body}
</main>
${frame.script ? html`<script nonce="${frame.nonce}">${trusted(frame.script)}</script>` : ''}
</body>
</html>`;
  return page.html;
}

/**
 * The organization first when it is known (its people should see their company), Lanyard beside it.
 * The logo is decorative next to the name, so its alternative text is empty.
 */
function header(frame: PageFrame): SafeHtml {
  if (!frame.organizationName) return html`<header><span class="brand">Lanyard</span></header>`;
  const logo = frame.organizationLogo;
  return html`<header><span class="org-brand" id="organization">${logo ? html`<img src="${logo.url}" alt="" width="${logo.width}" height="${logo.height}" id="organization-logo">` : ''}<span class="org">${frame.organizationName}</span></span><span class="brand small">Lanyard</span></header>`;
}

const styles = `${designCss}
body{min-height:100vh;display:flex;align-items:center;justify-content:center}
.card{width:100%;max-width:400px;margin:16px;padding:32px;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.1),0 8px 24px rgba(0,0,0,.06)}
header{display:flex;justify-content:space-between;align-items:center;gap:12px;margin-bottom:24px}
.org{font-size:18px}
h1{font-size:22px;margin:0 0 8px}
p{margin:0 0 16px;color:#374151}
label{display:block;font-size:14px;font-weight:600;margin:16px 0 6px}
input[type=text],input[type=email],input[type=password]{width:100%;padding:10px 12px;font-size:16px;border:1px solid #6b7280;border-radius:8px}
input:focus{outline:2px solid #2563eb;outline-offset:1px;border-color:#2563eb}
input.code{letter-spacing:.3em;font-size:22px;text-align:center;font-variant-numeric:tabular-nums}
button{margin-top:24px;width:100%;padding:11px;font-size:16px}
.error{font-size:14px}
.qr{display:flex;justify-content:center;margin:8px 0 16px}
.qr svg{width:200px;height:200px}
.secret{font-family:ui-monospace,"DejaVu Sans Mono",monospace;word-break:break-all;background:#f3f4f6;padding:8px;border-radius:6px;font-size:14px}
code.reason{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:13px;color:#6b7280}
@media (max-width:420px){.card{padding:24px}}
`;
