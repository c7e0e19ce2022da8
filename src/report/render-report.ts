import type { ReportData } from './report-data.js';

const CLASSES = ['drift', 'missing', 'deleted', 'unexpected', 'duplicate', 'in_sync'] as const;
const CLASS_COLORS: Record<string, string> = { drift: '#d97706', missing: '#dc2626', deleted: '#7c3aed', unexpected: '#db2777', duplicate: '#0891b2', in_sync: '#16a34a' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function verificationText(v: ReportData['plans'][number]['verification']): string {
  if (v === null) return 'Not verified yet.';
  return v.residualDrift === 0
    ? `Verified at ${v.at} by ${v.by}: all ${v.checked} applied items hold.`
    : `Verified at ${v.at} by ${v.by}: ${v.residualDrift} residual drift(s) in ${v.checked} applied items.`;
}

/** The stakeholder update as Markdown: status, impact by class, decisions, plans and results, what is left. */
export function renderReportMarkdown(d: ReportData): string {
  const affected = d.scan ? d.scan.records - (d.scan.byClass.in_sync ?? 0) : 0;
  const lines = [
    `# Incident ${d.incident.id}: ${d.incident.name}`,
    '',
    `- **Window:** ${d.incident.from} to ${d.incident.to}`,
    `- **Objects:** ${d.incident.objects?.join(', ') ?? 'every object in the event log'}`,
    `- **Generated:** ${d.generatedAt}`,
    `- **Next update:** ${d.nextUpdateAt}`,
    '',
    '## Impact',
    '',
    d.scan === null ? 'Not scanned yet.' : `${affected} of ${d.scan.records} records in the window are wrong in Salesforce (scan ${d.scan.snapshotId} at ${d.scan.takenAt}).`,
    '',
  ];
  if (d.scan) {
    lines.push('| object | ' + CLASSES.join(' | ') + ' |', '|' + ' --- |'.repeat(CLASSES.length + 1));
    for (const [object, c] of Object.entries(d.scan.byObject)) lines.push(`| ${mdCell(object)} | ${CLASSES.map((k) => c[k] ?? 0).join(' | ')} |`);
    lines.push('');
  }
  lines.push('## Repair plans', '');
  if (d.plans.length === 0) lines.push('No plan yet.', '');
  for (const p of d.plans) {
    lines.push(`- Plan ${p.id} (${p.status}, by ${mdCell(p.createdBy)}): ${Object.entries(p.byAction).map(([a, n]) => `${n} ${a}`).join(', ')}; applied ${p.execution.applied}, failed ${p.execution.failed}, stale ${p.execution.stale}. ${mdCell(verificationText(p.verification))}`);
  }
  lines.push('', `API calls used so far: ${d.apiCallsUsed}.`, '', '## Left for people', '');
  if (d.manual.length === 0) lines.push('Nothing.');
  for (const m of d.manual.slice(0, 50)) lines.push(`- ${mdCell(m.object)} ${mdCell(m.externalId)} (plan ${m.planId}, item ${m.itemId}): ${mdCell(m.reason)}`);
  if (d.manual.length > 50) lines.push(`- and ${d.manual.length - 50} more (see "sf-reconcile plan show")`);
  lines.push('', '## Next steps', '', ...d.nextSteps.map((s) => `- ${s}`), '');
  return lines.join('\n');
}

/** Events per minute as an inline SVG: delivered and failed stacked, failures marked, the window shaded. */
export function timelineSvg(d: ReportData): string {
  const width = 720;
  const height = 180;
  const pad = 30;
  const n = Math.max(1, d.timeline.length);
  const max = Math.max(1, ...d.timeline.map((m) => m.delivered + m.failed + m.unknown));
  const bw = (width - 2 * pad) / n;
  const y = (v: number) => height - pad - (v / max) * (height - 2 * pad);
  const from = d.incident.from.slice(0, 16);
  const to = d.incident.to.slice(0, 16);
  const first = d.timeline.findIndex((m) => m.minute >= from);
  const last = d.timeline.findIndex((m) => m.minute > to);
  const x0 = pad + Math.max(0, first) * bw;
  const x1 = pad + (last === -1 ? n : last) * bw;
  const bars = d.timeline.map((m, i) => {
    const x = pad + i * bw;
    const ok = `<rect x="${x.toFixed(1)}" y="${y(m.delivered).toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${(height - pad - y(m.delivered)).toFixed(1)}" fill="#2563eb"><title>${escapeHtml(m.minute)}: ${m.delivered} delivered</title></rect>`;
    const bad = m.failed + m.unknown;
    const top = y(m.delivered + bad);
    const fail = bad > 0 ? `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${(y(m.delivered) - top).toFixed(1)}" fill="#dc2626"><title>${escapeHtml(m.minute)}: ${m.failed} failed, ${m.unknown} unknown</title></rect>` : '';
    return ok + fail;
  });
  return `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Events per minute around the incident window">
<rect x="${x0.toFixed(1)}" y="${pad - 10}" width="${Math.max(2, x1 - x0).toFixed(1)}" height="${height - 2 * pad + 10}" fill="#fde68a" opacity="0.5"><title>incident window</title></rect>
${bars.join('\n')}
<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#374151"/>
<text x="${pad}" y="${height - 8}" font-size="11" fill="#374151">${escapeHtml(d.timeline[0]?.minute ?? '')}</text>
<text x="${width - pad}" y="${height - 8}" font-size="11" fill="#374151" text-anchor="end">${escapeHtml(d.timeline.at(-1)?.minute ?? '')}</text>
<text x="${pad}" y="14" font-size="11" fill="#374151">max ${max} events/min; red = failed or unknown; shaded = window</text>
</svg>`;
}

/** Records by class as an inline SVG bar chart. */
export function classChartSvg(d: ReportData): string {
  const counts = CLASSES.map((c) => [c, d.scan?.byClass[c] ?? 0] as const);
  const max = Math.max(1, ...counts.map(([, n]) => n));
  const width = 480;
  const rowH = 26;
  const height = counts.length * rowH + 20;
  const bars = counts.map(([c, n], i) => {
    const w = Math.max(2, (n / max) * (width - 180));
    return `<text x="0" y="${i * rowH + 18}" font-size="12" fill="#111827">${c}</text><rect x="90" y="${i * rowH + 5}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${CLASS_COLORS[c]}"><title>${c}: ${n}</title></rect><text x="${(96 + w).toFixed(1)}" y="${i * rowH + 18}" font-size="12" fill="#111827">${n}</text>`;
  });
  return `<svg id="classes" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="Records by class">${bars.join('')}</svg>`;
}

/** A self-contained HTML page (inline CSS and SVG, no external assets); every interpolated string escaped. */
export function renderReportHtml(d: ReportData): string {
  const affected = d.scan ? d.scan.records - (d.scan.byClass.in_sync ?? 0) : 0;
  const plans = d.plans
    .map((p) => `<tr><td>${p.id}</td><td>${escapeHtml(p.status)}</td><td>${escapeHtml(p.createdBy)}</td><td>${escapeHtml(Object.entries(p.byAction).map(([a, n]) => `${n} ${a}`).join(', '))}</td><td>${p.execution.applied}</td><td>${p.execution.failed}</td><td>${p.execution.stale}</td><td>${escapeHtml(verificationText(p.verification))}</td></tr>`)
    .join('');
  const manual = d.manual.slice(0, 100).map((m) => `<li><b>${escapeHtml(m.object)} ${escapeHtml(m.externalId)}</b> (plan ${m.planId}): ${escapeHtml(m.reason)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Incident ${d.incident.id}: ${escapeHtml(d.incident.name)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#111827;max-width:60rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #e5e7eb}
table{border-collapse:collapse}td,th{border:1px solid #e5e7eb;padding:.3rem .6rem;text-align:left}
.meta{color:#4b5563}.big{font-size:1.3rem;font-weight:600}
</style></head><body>
<h1>Incident ${d.incident.id}: ${escapeHtml(d.incident.name)}</h1>
<p class="meta">Window ${escapeHtml(d.incident.from)} to ${escapeHtml(d.incident.to)} · objects ${escapeHtml(d.incident.objects?.join(', ') ?? 'all')} · generated ${escapeHtml(d.generatedAt)} · <b>next update ${escapeHtml(d.nextUpdateAt)}</b></p>
<h2>Impact</h2>
<p class="big">${d.scan === null ? 'Not scanned yet.' : `${affected} of ${d.scan.records} records wrong in Salesforce`}</p>
${timelineSvg(d)}
${classChartSvg(d)}
<h2>Repair plans</h2>
<table><tr><th>plan</th><th>status</th><th>by</th><th>decisions</th><th>applied</th><th>failed</th><th>stale</th><th>verified</th></tr>${plans}</table>
<p>API calls used so far: ${d.apiCallsUsed}</p>
<h2>Left for people</h2>
${manual === '' ? '<p>Nothing.</p>' : `<ul>${manual}</ul>`}
<h2>Next steps</h2>
<ul>${d.nextSteps.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>
</body></html>
`;
}
