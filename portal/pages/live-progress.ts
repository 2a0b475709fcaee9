import { createHash } from 'node:crypto';

/**
 * The run page's live progress: progressive enhancement served by Lanyard itself (no external
 * assets). The page works without it (a Refresh link); with it, the element marked
 * `data-live-run` polls the run's JSON twin (same origin: the CSP's `connect-src 'self'`) and
 * updates status, phase, counts and the progress bar in place, announcing changes of status or
 * phase in the page's aria-live region. It stops once the run has ended. It is loaded by a
 * `<script src>` carrying the response's nonce: the CSP allows no inline script.
 */
export const liveProgressScript = `(function () {
  'use strict';
  var card = document.querySelector('[data-live-run]');
  if (!card || !window.fetch) return;
  var url = card.getAttribute('data-live-run');
  var outcomes = (card.getAttribute('data-outcomes') || '').split(' ');
  var live = document.getElementById('run-live');
  var announced = '';
  var failures = 0;
  function byId(id) { return document.getElementById(id); }
  function setText(id, value) { var element = byId(id); if (element) element.textContent = value; }
  function tone(status) { return status === 'completed' ? 'ok' : status === 'failed' || status === 'stopped' ? 'bad' : 'warn'; }
  function render(report) {
    var status = byId('run-status');
    if (status) { status.textContent = report.status; status.className = 'badge ' + tone(report.status); }
    setText('run-phase', report.phase);
    setText('run-processed', String(report.processed));
    setText('run-total', report.total === null ? '?' : String(report.total));
    var progress = byId('run-progress');
    if (progress && report.total) { progress.max = report.total; progress.value = report.processed; }
    var counts = byId('run-counts');
    if (counts) {
      while (counts.firstChild) counts.removeChild(counts.firstChild);
      outcomes.forEach(function (outcome) {
        if (!report.counts[outcome]) return;
        var badge = document.createElement('span');
        badge.className = 'badge';
        badge.textContent = outcome + ' ' + report.counts[outcome];
        counts.appendChild(badge);
        counts.appendChild(document.createTextNode(' '));
      });
    }
    var summary = report.status === 'running' ? 'Run ' + report.status + ', phase ' + report.phase : 'Run ' + report.status;
    if (summary !== announced && live) { announced = summary; live.textContent = summary + '.'; }
    if (report.status !== 'running') {
      var ended = byId('run-ended');
      if (ended) ended.hidden = false;
      var refresh = byId('run-refresh');
      if (refresh) refresh.hidden = true;
    }
  }
  function poll() {
    fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (response) { if (!response.ok) throw new Error('HTTP ' + response.status); return response.json(); })
      .then(function (body) {
        failures = 0;
        render(body.report);
        if (body.report.status === 'running') setTimeout(poll, 1000);
      })
      .catch(function () {
        failures += 1;
        if (failures < 5) { setTimeout(poll, 1000 * failures); return; }
        if (live) live.textContent = 'Live progress stopped; use Refresh to see the run.';
      });
  }
  poll();
})();
`;

/** Changes with the content, so the script can be cached for long. */
export const liveProgressPath = `/admin/assets/live-progress-${createHash('sha256').update(liveProgressScript).digest('hex').slice(0, 12)}.js`;
