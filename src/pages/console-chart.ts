// Developers per status over time as a server-rendered SVG step chart: one line per status, the
// count after each day (each minute, while the history spans one day) that changed one, placed on
// a real time axis. Lines that share a value are drawn side by side, so none hides another. Two
// drawings of the same data, one for wide and one for narrow screens (the stylesheet shows one),
// keep the text at its size; the legend and a table beside the chart are its text alternative.
import type { StatusPoint } from '../console/read-model.js';
import { STATUSES, type Status } from '../model.js';
import { html, type SafeHtml } from '../render/html-template.js';
import { countTicks, timeTicks } from './console-time-axis.js';

export const STATUS_COLORS: Record<Status, string> = {
  pending: '#b26a00',
  approved: '#146c2e',
  rejected: '#6a1b9a',
  revoked: '#b3261e',
};

export interface ChartPoint {
  /** The day (YYYY-MM-DD) or minute (YYYY-MM-DD HH:MM) the point closes. */
  at: string;
  /** When the last change of that day or minute was recorded, in milliseconds. */
  time: number;
  counts: Record<Status, number>;
}

interface Frame {
  variant: 'wide' | 'narrow';
  width: number;
  height: number;
  pad: { left: number; right: number; top: number; bottom: number };
  xTicks: number;
  yTicks: number;
}

const FRAMES: Frame[] = [
  { variant: 'wide', width: 800, height: 320, pad: { left: 48, right: 24, top: 16, bottom: 40 }, xTicks: 7, yTicks: 5 },
  {
    variant: 'narrow',
    width: 340,
    height: 260,
    pad: { left: 36, right: 20, top: 12, bottom: 36 },
    xTicks: 3,
    yTicks: 4,
  },
];

/** Pixels between the lines of two statuses that share a value; each line is a little narrower. */
const LINE_GAP = 3.5;
const LINE_WIDTH = 3;

/**
 * The last point of each day, so a day's many sign-ups become one step; of each minute while the
 * whole history fits in one day.
 */
export function chartPoints(points: readonly StatusPoint[]): ChartPoint[] {
  const days = new Set(points.map((p) => p.at.slice(0, 10)));
  const bucket = days.size > 1 ? 10 : 16;
  const byBucket = new Map<string, ChartPoint>();
  for (const point of points) {
    const at = point.at.slice(0, bucket).replace('T', ' ');
    byBucket.set(at, { at, time: Date.parse(point.at), counts: point.counts });
  }
  return [...byBucket.values()];
}

/** The chart in both its drawings. */
export function statusChart(points: readonly ChartPoint[]): SafeHtml {
  return html`${FRAMES.map((frame) => drawing(points, frame))}`;
}

/** Each status with its line's colour and latest count. */
export function chartLegend(points: readonly ChartPoint[]): SafeHtml {
  const last = points.at(-1);
  return html`<ul class="legend">${STATUSES.map(
    (s) =>
      html`<li><svg width="28" height="12" aria-hidden="true">
<line x1="0" x2="28" y1="6" y2="6" stroke="${STATUS_COLORS[s]}" stroke-width="${LINE_WIDTH}"/></svg> ${s}${last ? ` (${last.counts[s]})` : ''}</li>`,
  )}</ul>`;
}

function drawing(points: readonly ChartPoint[], frame: Frame): SafeHtml {
  const { width, height, pad, variant } = frame;
  const max = Math.max(0, ...points.flatMap((p) => STATUSES.map((s) => p.counts[s])));
  const yTicks = countTicks(max, frame.yTicks);
  const top = yTicks.at(-1)!;
  const first = points[0]?.time ?? 0;
  const last = points.at(-1)?.time ?? 0;
  // One point, or all in one instant: an hour either side, so the point sits mid-chart.
  const [from, to] = last > first ? [first, last] : [first - 3_600_000, last + 3_600_000];
  const x = (time: number) => pad.left + ((time - from) * (width - pad.left - pad.right)) / (to - from);
  const y = (n: number) => pad.top + ((height - pad.top - pad.bottom) * (top - n)) / top;
  const summary =
    points.length === 0
      ? 'No developer has been recorded yet.'
      : `From ${points[0]!.at} to ${points.at(-1)!.at}; at most ${max} developers in one status.`;
  return html`<svg class="chart chart-${variant}" viewBox="0 0 ${width} ${height}" role="img"
 aria-labelledby="chart-title-${variant} chart-desc-${variant}" xmlns="http://www.w3.org/2000/svg">
<title id="chart-title-${variant}">Developers per status over time</title><desc id="chart-desc-${variant}">${summary}</desc>
${yTicks.map(
  (n) =>
    html`<line x1="${pad.left}" x2="${width - pad.right}" y1="${y(n)}" y2="${y(n)}" stroke="${n === 0 ? '#4d5761' : '#c9d1d9'}"/>
<text class="y-tick" x="${pad.left - 8}" y="${y(n) + 4}" text-anchor="end">${n}</text>`,
)}
${points.length > 0 ? timeTicks(from, to, frame.xTicks).map((tick) => timeTick(x(tick.time), height - pad.bottom, tick.label)) : ''}
${STATUSES.map((status, i) => series(points, status, (i - (STATUSES.length - 1) / 2) * LINE_GAP, x, y))}
</svg>`;
}

/** One status's line, moved `offset` pixels off its value so that equal lines lie side by side. */
function series(
  points: readonly ChartPoint[],
  status: Status,
  offset: number,
  x: (time: number) => number,
  y: (n: number) => number,
): SafeHtml {
  const color = STATUS_COLORS[status];
  if (points.length === 1)
    return html`<circle class="series" data-status="${status}" cx="${x(points[0]!.time)}" cy="${y(points[0]!.counts[status]) + offset}"
 r="${LINE_GAP / 2 + 0.5}" fill="${color}"/>`;
  const steps = points.map((p, i) => {
    const at = `${x(p.time).toFixed(1)},${(y(p.counts[status]) + offset).toFixed(1)}`;
    return i === 0 ? at : `${x(p.time).toFixed(1)},${(y(points[i - 1]!.counts[status]) + offset).toFixed(1)} ${at}`;
  });
  return html`<polyline class="series" data-status="${status}" points="${steps.join(' ')}"
 fill="none" stroke="${color}" stroke-width="${LINE_WIDTH}"/>`;
}

/** A tick on the time axis at `x`, below the plot's bottom edge at `bottom`. */
function timeTick(x: number, bottom: number, label: string): SafeHtml {
  return html`<line x1="${x}" x2="${x}" y1="${bottom}" y2="${bottom + 5}" stroke="#4d5761"/>
<text class="x-tick" x="${x}" y="${bottom + 20}" text-anchor="middle">${label}</text>`;
}
