import { maxLogoBytes, maxLogoSide, minLogoSide } from '../../core/branding/logo-image.ts';
import type { LogoReference } from '../../core/db/organization-logos.ts';
import { html, type SafeHtml } from '../../core/pages/html.ts';
import { csrfField, notice, time } from './parts.ts';

export interface BrandingPage {
  readonly slug: string;
  readonly name: string;
  readonly logo: LogoReference | null;
  readonly csrfToken: string;
  readonly mayChange: boolean;
  readonly notice?: string | undefined;
}

/** What the organization's people see on their sign-in pages: its name and logo; upload and remove. */
export function brandingBody(page: BrandingPage): SafeHtml {
  const base = `/admin/orgs/${page.slug}/branding`;
  return html`<h1>Sign-in page</h1>
${notice(page.notice)}
<p class="hint">Once the sign-in pages know the organization (from the domain Microsoft sends people to), they show its name and logo.</p>
<h2>Preview</h2>
<div class="card preview" id="sign-in-preview"><span class="org-brand">${page.logo ? html`<img src="${page.logo.url}" alt="" width="${page.logo.width}" height="${page.logo.height}" id="current-logo">` : ''}<span>${page.name}</span></span><span class="brand small">Lanyard</span></div>
${page.logo
  ? html`<p class="hint" id="logo-facts">${page.logo.contentType}, ${page.logo.width}×${page.logo.height} px, uploaded ${time(page.logo.uploadedAt)} by ${page.logo.uploadedBy}</p>`
  : html`<p class="hint" id="logo-facts">No logo yet: the pages show the name only.</p>`}
${page.mayChange
  ? html`<h2>Upload a logo</h2>
<form method="post" action="${base}/logo" enctype="multipart/form-data" class="card filters" id="upload-logo">${csrfField(page.csrfToken)}
<div><label for="logo">PNG or JPEG, at most ${maxLogoBytes / 1024} KiB, ${minLogoSide}–${maxLogoSide} px a side (shown at most 40 px high)</label><input type="file" id="logo" name="logo" accept="image/png,image/jpeg" required></div>
<button type="submit">Upload logo</button></form>
${page.logo
  ? html`<form method="post" action="${base}/logo/remove" id="remove-logo">${csrfField(page.csrfToken)}<button type="submit" class="secondary">Remove the logo</button></form>`
  : ''}`
  : ''}`;
}
