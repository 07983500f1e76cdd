// The chart's axes: integer count ticks at an even step, and time ticks at a calendar interval
// (minutes to years, in UTC like every time the console shows) chosen so their labels fit.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Even integer ticks from 0 through the first at or above `max`, at most `most` + 1 of them. */
export function countTicks(max: number, most: number): number[] {
  const top = Math.max(1, max);
  let step = 1;
  for (let scale = 1; ; scale *= 10) {
    const found = [1, 2, 5].map((m) => m * scale).find((s) => Math.ceil(top / s) <= most);
    if (found !== undefined) {
      step = found;
      break;
    }
  }
  return Array.from({ length: Math.ceil(top / step) + 1 }, (_, i) => i * step);
}

interface Interval {
  /** Milliseconds, or calendar months when `months` is set. */
  ms: number;
  months?: number;
  label: (date: Date) => string;
}

const iso = (date: Date) => date.toISOString();
const clock = (date: Date) => iso(date).slice(11, 16);
const dayAndClock = (date: Date) => `${iso(date).slice(5, 10)} ${clock(date)}`;
const day = (date: Date) => iso(date).slice(0, 10);
const month = (date: Date) => iso(date).slice(0, 7);

const INTERVALS: Interval[] = [
  ...[1, 5, 15, 30].map((n) => ({ ms: n * MINUTE, label: clock })),
  ...[1, 3, 6, 12].map((n) => ({ ms: n * HOUR, label: dayAndClock })),
  ...[1, 2, 7, 14].map((n) => ({ ms: n * DAY, label: day })),
  ...[1, 3, 6, 12, 24, 60].map((n) => ({ ms: n * 30 * DAY, months: n, label: month })),
];

/** Ticks between `from` and `to` (milliseconds) at the smallest interval that gives at most `most` of them. */
export function timeTicks(from: number, to: number, most: number): Array<{ time: number; label: string }> {
  for (const interval of INTERVALS) {
    if ((to - from) / interval.ms > most + 1) continue;
    const ticks = ticksAt(interval, from, to);
    if (ticks.length <= most) return ticks;
  }
  return ticksAt(INTERVALS.at(-1)!, from, to);
}

function ticksAt(interval: Interval, from: number, to: number): Array<{ time: number; label: string }> {
  const ticks: Array<{ time: number; label: string }> = [];
  if (interval.months) {
    const start = new Date(from);
    const year = start.getUTCFullYear();
    // Date.UTC carries months past December into the next years.
    for (let m = Math.ceil(start.getUTCMonth() / interval.months) * interval.months; ; m += interval.months) {
      const time = Date.UTC(year, m);
      if (time > to) break;
      if (time >= from) ticks.push({ time, label: interval.label(new Date(time)) });
    }
    return ticks;
  }
  for (let time = Math.ceil(from / interval.ms) * interval.ms; time <= to; time += interval.ms)
    ticks.push({ time, label: interval.label(new Date(time)) });
  return ticks;
}
