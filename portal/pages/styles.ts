import { createHash } from 'node:crypto';
import { designCss } from '../../core/pages/design.ts';

/**
 * The portal's one style sheet, served by Lanyard at /admin/assets/portal.css (no external assets:
 * the CSP allows only this server's nonce'd elements): the shared design (core/pages/design.ts, also
 * the sign-in pages') and the portal's own layout. Colours meet WCAG AA contrast on white.
 */
export const portalCss = `${designCss}.skip{position:absolute;left:-9999px;top:0;background:#fff;padding:8px 12px;z-index:10}
.skip:focus{left:8px;top:8px}
.top{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;justify-content:space-between;padding:12px 20px;background:#fff;border-bottom:1px solid #e5e7eb}
.who{display:flex;flex-wrap:wrap;gap:8px;align-items:center;font-size:14px;color:#374151}
.who form{margin:0}
.shell{display:flex;gap:24px;max-width:1200px;margin:0 auto;padding:20px}
nav.side{flex:0 0 210px}
nav.side ul{list-style:none;margin:0;padding:0}
nav.side li a{display:block;padding:8px 12px;border-radius:8px;text-decoration:none;color:#111827}
nav.side li a[aria-current=page]{background:#dbeafe;color:#1e3a8a;font-weight:600}
nav.side .group{margin:16px 0 4px 12px;font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.05em;color:#4b5563}
main{flex:1;min-width:0}
h1{font-size:24px;margin:0 0 16px}
h2{font-size:18px;margin:24px 0 8px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:12px;padding:16px 20px;margin-bottom:16px}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:16px}
.stat{background:#fff;border:1px solid #e5e7eb;border-radius:12px;padding:12px 16px}
.stat .value{font-size:24px;font-weight:700}
.stat .label{font-size:14px;color:#4b5563}
.table-wrap{position:relative;overflow-x:auto;background:#fff;border:1px solid #e5e7eb;border-radius:12px}
table{width:100%;border-collapse:collapse;font-size:14px}
th,td{text-align:left;padding:10px 12px;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{background:#f9fafb;font-weight:600;color:#374151}
tr:last-child td{border-bottom:0}
.badge{display:inline-block;padding:2px 8px;border-radius:999px;font-size:12px;font-weight:600;background:#e5e7eb;color:#1f2937}
.badge.ok{background:#dcfce7;color:#166534}
.badge.warn{background:#fef3c7;color:#92400e}
.badge.bad{background:#fee2e2;color:#991b1b}
form.filters{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-end;margin-bottom:16px}
form.filters div{display:flex;flex-direction:column;max-width:100%}
label{font-size:14px;font-weight:600;margin-bottom:4px}
input[type=text],input[type=email],input[type=search],input[type=datetime-local],input[inputmode=numeric],select{max-width:100%;padding:8px 10px;font-size:16px;border:1px solid #6b7280;border-radius:8px;background:#fff;color:#111827;min-width:0}
button,.button{padding:8px 14px;font-size:15px}
button.secondary,.button.secondary{background:#fff;color:#1d4ed8;border:1px solid #1d4ed8}
button.danger{background:#b91c1c}
button.danger:hover{background:#991b1b}
.actions{display:flex;flex-wrap:wrap;gap:8px;align-items:flex-end}
.actions form{display:flex;flex-wrap:wrap;gap:6px;align-items:flex-end;margin:0}
.actions input{width:7.5em}
.notice{padding:10px 12px;margin:0 0 16px;border-radius:8px;background:#eff6ff;color:#1e3a8a;border:1px solid #bfdbfe}
code.wrap{overflow-wrap:anywhere;font-size:13px}
pre.code{overflow-x:auto;white-space:pre;font-size:13px;max-width:100%}
.checklist{list-style:none;padding:0}
fieldset{border:1px solid #d1d5db;border-radius:8px;padding:8px 12px;margin:0}
fieldset label{display:inline-flex;align-items:center;gap:4px;white-space:nowrap;margin:2px 12px 2px 0;font-weight:400}
.checklist>li{padding:8px 12px;margin:0 0 6px;border-radius:8px;border:1px solid #e5e7eb;background:#fff;overflow-wrap:anywhere}
.checklist>li.ok{border-color:#bbf7d0}
.checklist>li.bad{border-color:#fecaca;background:#fef2f2;color:#7f1d1d}
.checklist>li.warn{border-color:#fde68a;background:#fffbeb;color:#78350f}
a.button.danger{background:#b91c1c}
.pager{display:flex;gap:12px;margin-top:12px}
.signin{max-width:420px;margin:48px auto;padding:0 16px}
.signin label{display:block;margin:16px 0 6px}
.signin input{width:100%}
.signin button{width:100%;margin-top:20px;padding:11px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0}
dl.facts dt{font-weight:600;color:#374151}
dl.facts dd{margin:0;overflow-wrap:anywhere}
form.form-grid fieldset{min-width:0;display:flex;flex-wrap:wrap;gap:12px;margin:0 0 12px}
form.form-grid fieldset>div{display:flex;flex-direction:column;min-width:0;flex:1 1 14em}
form.form-grid fieldset>div>label{display:block;white-space:normal;margin:0 0 4px;font-weight:600}
form.form-grid fieldset>label{white-space:normal}
form.form-grid fieldset>p{flex-basis:100%;margin:0}
form.form-grid input[type=text],form.form-grid input[type=email],form.form-grid select{width:100%}
ul.plain{list-style:none;margin:0;padding:0}
ul.plain li{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:2px 0}
form.inline{display:inline;margin:0}
button.small{padding:2px 8px;font-size:13px}
input.mono{font-family:ui-monospace,"DejaVu Sans Mono",monospace;width:100%;max-width:24em}
.fields{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start;margin-bottom:12px}
.fields>div{display:flex;flex-direction:column;max-width:100%}
.actions .button{white-space:nowrap}
code.value{overflow-wrap:anywhere;font-size:13px}
td.record-value{min-width:12em}
td.record-host{min-width:10em}
.wrap-any{overflow-wrap:anywhere}
.card>h2:first-child{margin-top:0}
fieldset.choices{min-width:0;max-width:100%}
fieldset.choices label{white-space:normal}
@media (max-width:720px){
.shell{flex-direction:column;padding:12px;gap:12px}
nav.side{flex:none}
nav.side ul{display:flex;flex-wrap:wrap;gap:4px}
nav.side .group{width:100%;margin:8px 0 0 4px}
.top{padding:10px 12px}
table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.stack tr{display:block;padding:8px 0;border-bottom:1px solid #e5e7eb}
table.stack tr:last-child{border-bottom:0}
table.stack td{display:block;border:0;padding:4px 12px}
table.stack td[data-label]::before{content:attr(data-label) ": ";font-weight:600;color:#374151}
}
input[type=password],input[type=file]{max-width:100%;padding:8px 10px;font-size:16px;border:1px solid #6b7280;border-radius:8px;background:#fff;color:#111827;min-width:0}
.card.preview{display:flex;justify-content:space-between;align-items:center;gap:12px;max-width:400px}
.remediation{display:block;margin-top:4px;font-size:14px}
input.wide{width:24em}
.card>:first-child,.error>:first-child{margin-top:0}
.error>p:last-child{margin-bottom:0}
@media (max-width:720px){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:6px}}
`;

/** Changes with the content, so the sheet can be cached for long. */
export const portalCssPath = `/admin/assets/portal-${createHash('sha256').update(portalCss).digest('hex').slice(0, 12)}.css`;
