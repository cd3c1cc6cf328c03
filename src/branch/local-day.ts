/** Calendar days in a branch's IANA time zone, DST-correct through `Intl`. */
import { HOUR } from "../utils/time";

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local calendar day of an instant, as `YYYY-MM-DD`. */
export function localDay(ms: number, timeZone: string): string {
  return formatterFor(timeZone).format(ms);
}

/** The first instant of the local day after the one containing `ms` (the next local midnight). */
export function nextLocalMidnight(ms: number, timeZone: string): number {
  const today = localDay(ms, timeZone);
  // Days are 23 to 25 hours long; step by hours from 22 h on and keep the first instant of a new day.
  let low = ms;
  let high = ms + 26 * HOUR;
  while (localDay(high, timeZone) === today) high += HOUR;
  while (high - low > 1_000) {
    const middle = Math.floor((low + high) / 2);
    if (localDay(middle, timeZone) === today) low = middle;
    else high = middle;
  }
  return high - (high % 1_000);
}

let midnight = { zone: "", from: 0, at: 0 };

/** `nextLocalMidnight`, remembered for the day: it takes a few dozen time-zone conversions. */
export function nextMidnightCached(now: number, zone: string): number {
  if (midnight.zone !== zone || now < midnight.from || now >= midnight.at) {
    midnight = { zone, from: now, at: nextLocalMidnight(now, zone) };
  }
  return midnight.at;
}
