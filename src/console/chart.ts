// Developers per status over time as a server-rendered SVG line chart: one line per status, the
// count at the end of each day that changed something, with a text alternative beside it.
import { STATUSES, type Status } from '../model.js';
import { html, type SafeHtml } from '../render/html-template.js';
import type { StatusPoint } from './read-model.js';

export const STATUS_COLORS: Record<Status, string> = {
  pending: '#b26a00',
  approved: '#146c2e',
  rejected: '#6a1b9a',
  revoked: '#b3261e',
};

const WIDTH = 800;
const HEIGHT = 320;
const PAD = { left: 64, right: 16, top: 16, bottom: 40 };

/**
 * The last point of each day, so a day's many sign-ups become one step; of each minute while the
 * whole history fits in one day.
 */
export function chartPoints(points: readonly StatusPoint[]): StatusPoint[] {
  const days = new Set(points.map((p) => p.at.slice(0, 10)));
  const bucket = days.size > 1 ? 10 : 16;
  const byBucket = new Map<string, StatusPoint>();
  for (const point of points) {
    const at = point.at.slice(0, bucket).replace('T', ' ');
    byBucket.set(at, { at, counts: point.counts });
  }
  return [...byBucket.values()];
}

export function statusChart(days: readonly StatusPoint[]): SafeHtml {
  const max = Math.max(1, ...days.flatMap((d) => STATUSES.map((s) => d.counts[s])));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (days.length <= 1 ? innerW / 2 : (i * innerW) / (days.length - 1));
  const y = (n: number) => PAD.top + innerH - (n * innerH) / max;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(max * f)).filter((n, i, all) => all.indexOf(n) === i);
  const first = days[0]?.at ?? '';
  const last = days.at(-1)?.at ?? '';
  const summary =
    days.length === 0
      ? 'No developer has been recorded yet.'
      : `From ${first} to ${last}; at most ${max} developers in one status.`;
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="chart-title chart-desc" xmlns="http://www.w3.org/2000/svg">
<title id="chart-title">Developers per status over time</title><desc id="chart-desc">${summary}</desc>
${ticks.map((n) => html`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(n)}" y2="${y(n)}" stroke="#c9d1d9" stroke-width="1"/><text x="${PAD.left - 8}" y="${y(n) + 4}" text-anchor="end">${n}</text>`)}
<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(0)}" y2="${y(0)}" stroke="#4d5761" stroke-width="1"/>
${days.length > 0 ? html`<text x="${PAD.left}" y="${HEIGHT - 12}" text-anchor="start">${first}</text><text x="${WIDTH - PAD.right}" y="${HEIGHT - 12}" text-anchor="end">${last}</text>` : ''}
${STATUSES.map((status) => {
  const coordinates = days.map((d, i) => `${x(i).toFixed(1)},${y(d.counts[status]).toFixed(1)}`).join(' ');
  return days.length === 1
    ? html`<circle cx="${x(0)}" cy="${y(days[0]!.counts[status])}" r="4" fill="${STATUS_COLORS[status]}"/>`
    : html`<polyline points="${coordinates}" fill="none" stroke="${STATUS_COLORS[status]}" stroke-width="2.5"/>`;
})}
</svg>`;
}
