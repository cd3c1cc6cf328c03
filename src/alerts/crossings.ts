/**
 * When time alone changes a branch rule's answer (docs/operations.md#alerts: the moment a waiting chat will
 * cross a time threshold). Pure: it reads the figures the snapshot builder computes from the chat
 * index (`waitFigures`) at future instants, so no figure is computed twice in two ways. Figures that
 * reset at local midnight are looked at again then, and at least hourly.
 */
import type { Group } from "../branch/chat-index";
import { nextMidnightCached } from "../branch/local-day";
import { type CountKey, DAILY_FIGURES, WAIT_FIGURES, type WaitFigures, countBoundsMin, waitFigures } from "../branch/snapshot";
import type { AlertRule } from "../schemas/alerts";
import { DAY, HOUR, MINUTE } from "../utils/time";

/** How far ahead a time crossing is looked for; past it the rule is simply looked at again. */
export const SEARCH_HORIZON_MS = 7 * DAY;

type Condition = Pick<AlertRule, "metrica" | "operador" | "umbral">;

export function compare(value: number, operator: AlertRule["operador"], threshold: number): boolean {
  switch (operator) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
  }
}

const isWaitFigure = (metric: string): metric is keyof WaitFigures => (WAIT_FIGURES as readonly string[]).includes(metric);
const isDailyFigure = (metric: string) => (DAILY_FIGURES as readonly string[]).includes(metric);

/** These only ever move one way as time passes, so their condition flips at most once. */
const MONOTONE = new Set<string>(["espera_maxima_min", "espera_promedio_min", "chat_tiempo_espera_menos_10min", "chat_tiempo_espera_mas_60min"]);

/**
 * The first instant after `now` at which the rule's condition may differ from `holds` with no
 * event: exact for the wait figures of `group` (the rule's scope in the chat index), local midnight
 * (or an hour from now, whichever is first) for the day's figures, null for the others.
 */
export function nextBranchFlip(rule: Condition, group: Group | undefined, holds: boolean, now: number, timeZone: string): number | null {
  if (isDailyFigure(rule.metrica)) return Math.min(nextMidnightCached(now, timeZone), now + HOUR);
  if (!isWaitFigure(rule.metrica) || !group || group.waiting.size === 0) return null;
  const metric = rule.metrica;
  const flipped = (at: number) => compare(waitFigures(group, at)[metric], rule.operador, rule.umbral) !== holds;

  if (MONOTONE.has(metric)) {
    let low = now;
    let high = now + SEARCH_HORIZON_MS;
    if (!flipped(high)) return high; // nothing within the horizon: look again then
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (flipped(middle)) high = middle;
      else low = middle;
    }
    return high;
  }
  // A middle bucket's count only changes when a chat enters or leaves it: step through those instants.
  const [lower, upper] = countBoundsMin(metric as CountKey);
  for (let at = nextCrossing(group, now, lower, upper); at !== null; at = nextCrossing(group, at, lower, upper)) {
    if (flipped(at)) return at;
  }
  return null;
}

/** The first instant after `after` at which a waiting chat reaches `lower` or `upper` minutes. */
function nextCrossing(group: Group, after: number, lower: number, upper: number): number | null {
  let next = Infinity;
  for (const minutes of [lower, upper]) {
    const entry = group.waiting.at(group.waiting.countSinceAtOrBefore(after - minutes * MINUTE));
    if (entry) next = Math.min(next, entry.since + minutes * MINUTE);
  }
  return next === Infinity ? null : next;
}
