/**
 * Alert rules against the branch state (docs/operations.md#alerts). Pure: given the rules, what each rule last
 * saw, the state with its chat index and an instant, it answers which alerts fire now and the next
 * instant at which the passing of time alone could change a rule's answer (crossings.ts; the
 * Durable Object sets its alarm there). Branch rules read the snapshot's figures; chat rules walk
 * the index's waiting chats, longest-waiting first, only as far as can matter.
 */
import type { ChatIndex, Group } from "../branch/chat-index";
import { type BranchSettings, type BranchState, type Chat, departmentOf, isWaitingForBusiness } from "../branch/model";
import { buildSnapshot, detail } from "../branch/snapshot";
import type { AlertRule } from "../schemas/alerts";
import type { ChatDetalle, StatusBody } from "../schemas/status";
import { MINUTE } from "../utils/time";
import { compare, nextBranchFlip } from "./crossings";
import { type Firing, firing } from "./message";

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

export function evaluateRules(
  rules: AlertRule[],
  states: ReadonlyMap<string, RuleState>,
  state: BranchState,
  index: ChatIndex,
  settings: BranchSettings,
  now: number,
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
    const group = index.group(rule.departamento);
    const outcome =
      rule.alcance === "chat"
        ? evaluateChatRule(rule, previous, state, group, settings, now)
        : evaluateBranchRule(rule, previous, snapshotFor(rule.departamento), group, settings, now);
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
  group: Group | undefined,
  settings: BranchSettings,
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
  return { state: next, firings, nextAt: nextBranchFlip(rule, group, holds, now, settings.zona_horaria) };
}

function inScope(chat: Chat, department: string | undefined): boolean {
  return department === undefined || departmentOf(chat) === department;
}

/** The whole minutes a chat rule's wait must reach: `>= 60` at minute 60, `> 60` at minute 61. */
export function thresholdMinutes(rule: Pick<AlertRule, "operador" | "umbral">): number {
  return rule.operador === ">=" ? Math.ceil(rule.umbral) : Math.floor(rule.umbral) + 1;
}

function evaluateChatRule(
  rule: AlertRule,
  previous: RuleState,
  state: BranchState,
  group: Group | undefined,
  settings: BranchSettings,
  now: number,
): RuleOutcome {
  const cooldown = rule.enfriamiento_min * MINUTE;
  const reachAfter = thresholdMinutes(rule) * MINUTE;
  const chats: Record<string, ChatMark> = { ...previous.chats };
  const firings: Firing[] = [];
  let nextAt = Infinity;

  // Longest-waiting first: once a wait reaches the threshold after the earliest instant found, no
  // later one can fire sooner.
  for (const { chat, since } of group?.waiting ?? []) {
    if (since + reachAfter > now && since + reachAfter >= nextAt) break;
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
