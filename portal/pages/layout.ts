import { html, type SafeHtml } from '../../core/pages/html.ts';
import { portalCssPath } from './styles.ts';

export interface NavItem {
  readonly href: string;
  readonly label: string;
}

export interface NavGroup {
  readonly title: string;
  readonly items: readonly NavItem[];
}

export interface PortalFrame {
  readonly title: string;
  readonly nonce: string;
  /** The path of this page, to mark its navigation entry. */
  readonly path: string;
  readonly body: SafeHtml;
  /** Absent on the sign-in page. */
  readonly signedIn?: { readonly upn: string; readonly roles: string; readonly csrfToken: string; readonly nav: readonly NavGroup[] } | undefined;
}

/**
 * The portal's page frame: skip link, top bar (who is signed in, sign out), navigation built from
 * what the admin's role allows, and the page. Everything interpolated is escaped by `html`.
 */
export function renderPortalPage(frame: PortalFrame): string {
  const signedIn = frame.signedIn;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${frame.title} · Lanyard admin</title>
<link rel="stylesheet" href="${portalCssPath}" nonce="${frame.nonce}">
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header class="top">
<a class="brand" href="/admin">Lanyard admin</a>
${signedIn
  ? html`<div class="who"><span id="signed-in-as">${signedIn.upn}</span><span class="badge">${signedIn.roles}</span>
<form method="post" action="/admin/signout"><input type="hidden" name="csrf" value="${signedIn.csrfToken}"><button type="submit" class="secondary">Sign out</button></form></div>`
  : ''}
</header>
<div class="shell">
${signedIn ? html`<nav class="side" aria-label="Portal">${signedIn.nav.map((group) => navGroup(group, frame.path))}</nav>` : ''}
<main id="content" tabindex="-1">
${frame.body}
</main>
</div>
</body>
</html>`.html;
}

function navGroup(group: NavGroup, path: string): SafeHtml {
  return html`<p class="group">${group.title}</p><ul>${group.items.map(
    (item) => html`<li><a href="${item.href}"${item.href === path ? html` aria-current="page"` : ''}>${item.label}</a></li>`,
  )}</ul>`;
}
