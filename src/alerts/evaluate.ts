/**
 * Alert rules against the branch state (docs/operations.md#alerts). Pure: given the rules, what each rule last
 * saw, the state and an instant, it answers which alerts fire now and the next instant at which
 * the passing of time alone could change a rule's answer (the Durable Object sets its alarm there).
 */
import { type BranchState, type Chat, type Settings, departmentOf, isWaitingForBusiness } from "../branch/model";
import type { ChatIndex } from "../branch/chat-index";
import { buildSnapshot, detail } from "../branch/snapshot";
import type { AlertRule } from "../schemas/alerts";
import type { ChatDetalle, StatusBody } from "../schemas/status";
import { type Firing, firing } from "./message";

const MINUTE = 60_000;
/** How far ahead a time crossing is looked for; past it the rule is simply looked at again. */
export const SEARCH_HORIZON_MS = 7 * 24 * 60 * MINUTE;

/** One chat wait a chat rule fired for. */
export type ChatMark = { since: number; firedAt: number; resolved: boolean; chat: ChatDetalle };

/** What a rule last saw: kept in storage between evaluations. */
export type RuleState = {
  /** Branch rules: whether the condition held at the last evaluation. */
  holds: boolean;
  firedAt: number | null;
  /** A firing was sent and its "resuelto" is still due. */
  unresolved: boolean;
  /** Chat rules: the waits already alerted, by chat id. */
  chats: Record<string, ChatMark>;
};

export function initialRuleState(): RuleState {
  return { holds: false, firedAt: null, unresolved: false, chats: {} };
}

export type Evaluation = { states: Map<string, RuleState>; firings: Firing[]; nextAt: number | null };

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

export function evaluateRules(
  rules: AlertRule[],
  states: ReadonlyMap<string, RuleState>,
  state: BranchState,
  settings: Settings,
  now: number,
  index?: ChatIndex,
): Evaluation {
  const snapshots = new Map<string, StatusBody>();
  const snapshotFor = (department?: string) => {
    const key = department ?? "\u0000";
    let body = snapshots.get(key);
    if (!body) snapshots.set(key, (body = buildSnapshot(state, settings, now, { departamento: department, detalle: false }, index)));
    return body;
  };

  const next = new Map<string, RuleState>();
  const firings: Firing[] = [];
  let nextAt = Infinity;
  for (const rule of rules) {
    const previous = states.get(rule.id) ?? initialRuleState();
    const outcome =
      rule.alcance === "chat"
        ? evaluateChatRule(rule, previous, state, settings, now)
        : evaluateBranchRule(rule, previous, snapshotFor(rule.departamento), state, settings, now);
    next.set(rule.id, outcome.state);
    firings.push(...outcome.firings);
    if (outcome.nextAt !== null) nextAt = Math.min(nextAt, outcome.nextAt);
  }
  return { states: next, firings, nextAt: nextAt === Infinity ? null : nextAt };
}

type RuleOutcome = { state: RuleState; firings: Firing[]; nextAt: number | null };

function metricOf(body: StatusBody, metric: string): number {
  const figures: Record<string, number> = { ...body.resumen_general, ...body.metricas };
  return figures[metric];
}

function evaluateBranchRule(
  rule: AlertRule,
  previous: RuleState,
  body: StatusBody,
  state: BranchState,
  settings: Settings,
  now: number,
): RuleOutcome {
  const value = metricOf(body, rule.metrica);
  const holds = compare(value, rule.operador, rule.umbral);
  const next: RuleState = { ...previous, holds };
  const firings: Firing[] = [];
  if (holds && !previous.holds) {
    // Fires on the transition to true; a transition within the cooldown is swallowed.
    const cooled = previous.firedAt === null || now - previous.firedAt >= rule.enfriamiento_min * MINUTE;
    if (cooled) {
      firings.push(firing(rule, "disparo", settings, now, value));
      next.firedAt = now;
      next.unresolved = true;
    }
  } else if (!holds && previous.holds && previous.unresolved) {
    if (rule.avisar_resuelto) firings.push(firing(rule, "resuelto", settings, now, value));
    next.unresolved = false;
  }
  const waits = waitsInScope(state, rule.departamento);
  return { state: next, firings, nextAt: nextBranchFlip(rule, waits, holds, now) };
}

function inScope(chat: Chat, department: string | undefined): boolean {
  return department === undefined || departmentOf(chat) === department;
}

/** When each in-scope chat waiting for the business began to wait. */
function waitsInScope(state: BranchState, department: string | undefined): number[] {
  const waits: number[] = [];
  for (const chat of state.chats.values()) {
    if (isWaitingForBusiness(chat) && inScope(chat, department)) waits.push(chat.waitingSince as number);
  }
  return waits;
}

/** The whole minutes a chat rule's wait must reach: `>= 60` at minute 60, `> 60` at minute 61. */
export function thresholdMinutes(rule: Pick<AlertRule, "operador" | "umbral">): number {
  return rule.operador === ">=" ? Math.ceil(rule.umbral) : Math.floor(rule.umbral) + 1;
}

function evaluateChatRule(rule: AlertRule, previous: RuleState, state: BranchState, settings: Settings, now: number): RuleOutcome {
  const cooldown = rule.enfriamiento_min * MINUTE;
  const reachAfter = thresholdMinutes(rule) * MINUTE;
  const chats: Record<string, ChatMark> = { ...previous.chats };
  const firings: Firing[] = [];
  let nextAt = Infinity;

  for (const chat of state.chats.values()) {
    if (!isWaitingForBusiness(chat) || !inScope(chat, rule.departamento)) continue;
    const since = chat.waitingSince as number;
    const mark = chats[chat.id_resumen];
    if (mark && mark.since === since) continue; // this wait was already alerted
    // A new wait of a chat alerted before may fire again, once the cooldown since that alert is over.
    const dueAt = Math.max(since + reachAfter, mark ? mark.firedAt + cooldown : -Infinity);
    if (dueAt > now) {
      nextAt = Math.min(nextAt, dueAt);
      continue;
    }
    const shown = detail(chat, now);
    firings.push(firing(rule, "disparo", settings, now, shown.minutos_espera, shown));
    chats[chat.id_resumen] = { since, firedAt: now, resolved: false, chat: shown };
  }

  for (const [id, mark] of Object.entries(chats)) {
    const chat = state.chats.get(Number(id));
    const sameWait = chat !== undefined && isWaitingForBusiness(chat) && inScope(chat, rule.departamento) && chat.waitingSince === mark.since;
    if (sameWait) continue;
    if (!mark.resolved) {
      if (rule.avisar_resuelto) {
        const minutes = Math.floor(Math.max(0, now - mark.since) / MINUTE);
        firings.push(firing(rule, "resuelto", settings, now, minutes, mark.chat));
      }
      chats[id] = { ...mark, resolved: true };
    }
    // Kept while its cooldown runs, so a new wait of the same chat respects it.
    if (now - mark.firedAt >= cooldown) delete chats[id];
  }

  const unresolved = Object.values(chats).some((mark) => !mark.resolved);
  const next: RuleState = { holds: unresolved, firedAt: firings.length ? now : previous.firedAt, unresolved, chats };
  return { state: next, firings, nextAt: nextAt === Infinity ? null : nextAt };
}

// ---- Time crossings of branch rules -------------------------------------------------------------

const round1 = (value: number) => Math.round(value * 10) / 10;
const waitedMinutes = (since: number, at: number) => Math.max(0, at - since) / MINUTE;

/** The bucket counts: [lower, upper) bounds in minutes, as in the snapshot. */
const BUCKET_BOUNDS: Record<string, [number, number]> = {
  chat_tiempo_espera_menos_10min: [0, 10],
  chat_tiempo_espera_20min: [10, 20],
  chat_tiempo_espera_30min: [20, 30],
  chat_tiempo_espera_60min: [30, 60],
  chat_tiempo_espera_mas_60min: [60, Infinity],
};

/**
 * The figures that move with time alone, computed at any instant from the waits, exactly as
 * `buildSnapshot` computes them (a test holds the two together). Other figures only change with
 * events (the daily ones also at local midnight, which the hourly housekeeping alarm picks up).
 */
export function timeFigure(metric: string, waits: number[], at: number): number | null {
  if (metric === "espera_maxima_min") {
    return waits.length ? Math.floor(waitedMinutes(waits.reduce((a, b) => Math.min(a, b)), at)) : 0;
  }
  if (metric === "espera_promedio_min") {
    if (!waits.length) return 0;
    const total = waits.reduce((sum, since) => sum + Math.max(0, at - since), 0);
    return round1(total / waits.length / MINUTE);
  }
  const bounds = BUCKET_BOUNDS[metric];
  if (!bounds) return null;
  const [low, high] = bounds;
  return waits.filter((since) => {
    const minutes = waitedMinutes(since, at);
    return minutes >= low && minutes < high;
  }).length;
}

/** These only ever move one way as time passes, so their condition flips at most once. */
const MONOTONE = new Set(["espera_maxima_min", "espera_promedio_min", "chat_tiempo_espera_menos_10min", "chat_tiempo_espera_mas_60min"]);

/** The first instant after `now` at which the rule's condition differs from `holds`, with no event. */
export function nextBranchFlip(
  rule: Pick<AlertRule, "metrica" | "operador" | "umbral">,
  waits: number[],
  holds: boolean,
  now: number,
): number | null {
  if (timeFigure(rule.metrica, waits, now) === null || waits.length === 0) return null;
  const flipped = (at: number) => compare(timeFigure(rule.metrica, waits, at) as number, rule.operador, rule.umbral) !== holds;

  if (MONOTONE.has(rule.metrica)) {
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
  // A middle bucket's count only changes when a chat enters or leaves it: sweep those instants.
  const [low, high] = BUCKET_BOUNDS[rule.metrica];
  const changes = waits
    .flatMap((since) => [
      { at: since + low * MINUTE, delta: 1 },
      { at: since + high * MINUTE, delta: -1 },
    ])
    .filter((change) => change.at > now)
    .sort((a, b) => a.at - b.at);
  let count = timeFigure(rule.metrica, waits, now) as number;
  for (let i = 0; i < changes.length; i++) {
    count += changes[i].delta;
    const simultaneous = i + 1 < changes.length && changes[i + 1].at === changes[i].at;
    if (!simultaneous && compare(count, rule.operador, rule.umbral) !== holds) return changes[i].at;
  }
  return null;
}
