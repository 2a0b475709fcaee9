/**
 * The rules the sign-in pages (core/pages/layout.ts) and the admin portal (portal/pages/styles.ts)
 * share, so the two look like one product: type, palette, focus ring, buttons, errors, hints and
 * the organization's brand. Each sheet starts with these and adds its own layout. Colours meet
 * WCAG AA contrast on white and on the page background.
 */
export const designCss = `
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f3f4f6;color:#111827;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
a{color:#1d4ed8}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #2563eb;outline-offset:2px}
.brand{font-weight:700;letter-spacing:.02em;color:#1d4ed8;text-decoration:none}
.brand.small{font-size:13px;flex:none}
.org-brand{display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px;min-width:0;font-weight:600;color:#111827;overflow-wrap:break-word}
.org-brand img{display:block;width:auto;height:auto;max-height:40px;max-width:min(160px,100%)}
button,.button{display:inline-block;font-weight:600;color:#fff;background:#1d4ed8;border:0;border-radius:8px;cursor:pointer;text-decoration:none}
button:hover,.button:hover{background:#1e40af}
.error{padding:10px 12px;margin:0 0 16px;border-radius:8px;background:#fef2f2;color:#991b1b;border:1px solid #fecaca}
.hint{font-size:14px;color:#4b5563}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
