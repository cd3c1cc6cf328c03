/**
 * The branch's live state and the pure rules that change it (docs/integracion.md#tipos-de-evento). No I/O here: the
 * Durable Object feeds parsed events in and persists what changed; tests drive it directly.
 */
import type { Estado } from "../schemas/common";
import { type ChatFields, DETAIL_FIELDS, type DetailField, type IngestResult } from "../schemas/events";
import { localDay } from "./local-day";
import { DAY, HOUR, MINUTE } from "../utils/time";

export const BOT: Estado = "icarobot_ia";
export const NO_DEPARTMENT = "Sin departamento";
/** Daily figures that no department can be credited with (a reconciliation's `cerrados_hoy`). */
const UNATTRIBUTED = "\u0000";

/** What the branch's Durable Object knows of its configuration (sent with every call). */
export type BranchSettings = {
  empresa: string;
  sucursal: string;
  nombre: string;
  zona_horaria: string;
  objetivo_respuesta_min: number;
};

export type Chat = Record<DetailField, string | null> & {
  id_resumen: number;
  estado: Estado;
  /** False for a closed chat, and for one only known from events that did not open it. */
  open: boolean;
  /** When its current wait for the business began (ms); null when not waiting for the business. */
  waitingSince: number | null;
  /** `ocurrido_en` of the last event applied to it: older events are stale. */
  lastEventAt: number;
  closedAt: number | null;
  /** The daily-figures key its close was counted under, to uncount it on reopening. */
  closedKey: string | null;
  firstWaitAt: number | null;
  firstResponded: boolean;
};

/** Figures of one local day and one department. */
export type DailyFigures = {
  closed: number;
  firstResponseMs: number;
  firstResponses: number;
  answered: number;
  answeredOnTime: number;
};

export type BranchState = {
  chats: Map<number, Chat>;
  /** Keyed by `dailyKey(day, department)`. */
  daily: Map<string, DailyFigures>;
  /** A reconciliation's `tomado_en`: events older than it are stale. */
  fenceAt: number;
  version: number;
};

export type EventType = "chat.actualizado" | "chat.mensaje_cliente" | "chat.mensaje_agente" | "chat.cerrado";

/** A validated event, its instants in milliseconds. */
export type BranchEvent = { id: string; tipo: EventType; at: number; chat: ChatFields };

export type Outcome = "applied" | "stale";

export function emptyState(): BranchState {
  return { chats: new Map(), daily: new Map(), fenceAt: 0, version: 0 };
}

export function departmentOf(chat: Pick<Chat, "departamento">): string {
  return chat.departamento ?? NO_DEPARTMENT;
}

export function dailyKey(day: string, department: string): string {
  return `${day}\t${department}`;
}

export function splitDailyKey(key: string): { day: string; department: string | null } {
  const [day, department] = key.split("\t");
  return { day, department: department === UNATTRIBUTED ? null : department };
}

export function isWaitingForBusiness(chat: Chat): boolean {
  return chat.open && chat.waitingSince !== null;
}

export function isWaitingForCustomer(chat: Chat): boolean {
  return chat.open && chat.estado !== BOT && chat.waitingSince === null;
}

function figures(state: BranchState, key: string): DailyFigures {
  let entry = state.daily.get(key);
  if (!entry) {
    entry = { closed: 0, firstResponseMs: 0, firstResponses: 0, answered: 0, answeredOnTime: 0 };
    state.daily.set(key, entry);
  }
  return entry;
}

function blankChat(id: number, at: number): Chat {
  return {
    id_resumen: id,
    ...(Object.fromEntries(DETAIL_FIELDS.map((name) => [name, null])) as Record<DetailField, null>),
    estado: "nuevo",
    open: false,
    waitingSince: null,
    lastEventAt: at,
    closedAt: null,
    closedKey: null,
    firstWaitAt: null,
    firstResponded: false,
  };
}

function mergeDetails(chat: Chat, fields: ChatFields): void {
  for (const name of DETAIL_FIELDS) {
    const value = fields[name];
    if (value !== undefined) chat[name] = value;
  }
}

function startWait(chat: Chat, since: number): void {
  chat.waitingSince = since;
  if (chat.firstWaitAt === null) chat.firstWaitAt = since;
}

/** The chat starts being open (first seen, or reopened after a close): a human state waits from `at`. */
function open(state: BranchState, chat: Chat, estado: Estado, at: number): void {
  if (chat.closedKey !== null) {
    const counted = state.daily.get(chat.closedKey);
    if (counted && counted.closed > 0) counted.closed -= 1;
  }
  chat.open = true;
  chat.closedAt = null;
  chat.closedKey = null;
  chat.estado = estado;
  chat.waitingSince = null;
  if (estado !== BOT) startWait(chat, at);
}

function changeEstado(chat: Chat, estado: Estado, at: number): void {
  const previous = chat.estado;
  chat.estado = estado;
  if (estado === BOT) chat.waitingSince = null;
  else if (previous === BOT) startWait(chat, at);
}

/** The business answered: the wait ends, and it counts for the day's service figures. */
function answer(state: BranchState, chat: Chat, at: number, settings: BranchSettings): void {
  const since = chat.waitingSince as number;
  const day = localDay(at, settings.zona_horaria);
  const day_figures = figures(state, dailyKey(day, departmentOf(chat)));
  day_figures.answered += 1;
  if (Math.max(0, at - since) <= settings.objetivo_respuesta_min * MINUTE) day_figures.answeredOnTime += 1;
  if (!chat.firstResponded && chat.firstWaitAt !== null) {
    day_figures.firstResponseMs += Math.max(0, at - chat.firstWaitAt);
    day_figures.firstResponses += 1;
    chat.firstResponded = true;
  }
  chat.waitingSince = null;
}

function close(state: BranchState, chat: Chat, at: number, settings: BranchSettings): void {
  const key = dailyKey(localDay(at, settings.zona_horaria), departmentOf(chat));
  figures(state, key).closed += 1;
  chat.open = false;
  chat.waitingSince = null;
  chat.closedAt = at;
  chat.closedKey = key;
}

/**
 * Applies one event to the state. Returns "stale" (and changes nothing) when the event is older
 * than the chat's last applied event or than the last reconciliation.
 */
export function applyEvent(state: BranchState, event: BranchEvent, settings: BranchSettings): Outcome {
  const id = event.chat.id_resumen;
  const known = state.chats.get(id);
  if (event.at < state.fenceAt || (known && event.at < known.lastEventAt)) return "stale";

  const chat = known ?? blankChat(id, event.at);
  if (!known) state.chats.set(id, chat);
  chat.lastEventAt = event.at;
  mergeDetails(chat, event.chat);

  switch (event.tipo) {
    case "chat.actualizado": {
      const firstWaitBefore = chat.firstWaitAt;
      if (!chat.open) open(state, chat, event.chat.estado ?? "nuevo", event.at);
      else if (event.chat.estado) changeEstado(chat, event.chat.estado, event.at);
      const explicit = event.chat.espera_desde;
      if (explicit !== undefined && chat.estado !== BOT) {
        chat.waitingSince = explicit === null ? null : Date.parse(explicit);
        // The explicit wait replaces the one this event implied: if that was to be the chat's first
        // wait, the first wait is the explicit one (or none yet), not `ocurrido_en`.
        if (firstWaitBefore === null) chat.firstWaitAt = chat.waitingSince;
      }
      break;
    }
    case "chat.mensaje_cliente":
      if (!chat.open) open(state, chat, event.chat.estado ?? "nuevo", event.at);
      else if (chat.estado !== BOT && chat.waitingSince === null) startWait(chat, event.at);
      break;
    case "chat.mensaje_agente":
      if (isWaitingForBusiness(chat)) answer(state, chat, event.at, settings);
      break;
    case "chat.cerrado":
      if (chat.closedAt === null) close(state, chat, event.at, settings);
      break;
  }
  return "applied";
}

/**
 * What must follow every change of a chat: the chat index (chat-index.ts) takes the chat out
 * before the change and puts it back after, so its aggregates stay in step with the state.
 */
export type ChatObserver = { remove(id: number): void; add(chat: Chat): void };

/** `applyEvent`, keeping an observer in step: the chat leaves before the change and enters after. */
export function applyIndexed(state: BranchState, index: ChatObserver, event: BranchEvent, settings: BranchSettings): Outcome {
  const id = event.chat.id_resumen;
  index.remove(id);
  const outcome = applyEvent(state, event, settings);
  const chat = state.chats.get(id);
  if (chat) index.add(chat);
  return outcome;
}

/**
 * The applied-event ids (kept in storage): `claim` records an id and answers whether it was new
 * (it also sees ids claimed earlier in the same batch); `release` forgets one claimed for an event
 * that turned out stale, since only an applied id makes a later copy a duplicate.
 */
export type EventIdLedger = { claim(id: string): boolean; release(id: string): void };

/** A batch's counts, and the chats it changed (to be written). */
export type BatchOutcome = { result: IngestResult; changed: Chat[] };

/**
 * Applies one request's events for the branch: per chat in `ocurrido_en` order, ties in array
 * order; an id already applied is a duplicate, an event older than its chat (or the last
 * reconciliation) is stale; the version goes up once when anything was applied.
 */
export function applyBatch(
  state: BranchState,
  index: ChatObserver,
  events: BranchEvent[],
  settings: BranchSettings,
  ids: EventIdLedger,
): BatchOutcome {
  const result: IngestResult = { aceptados: 0, duplicados: 0, obsoletos: 0 };
  // A stable sort of the whole group orders each chat's events and keeps ties in array order.
  const ordered = events.map((event, position) => ({ event, position })).sort((a, b) => a.event.at - b.event.at || a.position - b.position);
  const touched = new Set<number>();
  for (const { event } of ordered) {
    if (!ids.claim(event.id)) {
      result.duplicados += 1;
      continue;
    }
    if (applyIndexed(state, index, event, settings) === "stale") {
      ids.release(event.id);
      result.obsoletos += 1;
      continue;
    }
    result.aceptados += 1;
    touched.add(event.chat.id_resumen);
  }
  if (result.aceptados > 0) state.version += 1;
  return { result, changed: [...touched].map((id) => state.chats.get(id)!) };
}

/**
 * Replaces the open chats with the helpdesk's own truth as of `takenAt`; open chats missing from it
 * are dropped (not closed), and `closedToday` becomes the day's closed count. A new version.
 */
export function reconcile(
  state: BranchState,
  takenAt: number,
  chats: ChatFields[],
  closedToday: number,
  settings: BranchSettings,
): void {
  const previous = state.chats;
  state.chats = new Map();
  for (const fields of chats) {
    const before = previous.get(fields.id_resumen);
    const chat = blankChat(fields.id_resumen, takenAt);
    mergeDetails(chat, fields);
    chat.open = true;
    chat.estado = fields.estado ?? "nuevo";
    const since = chat.estado === BOT || !fields.espera_desde ? null : Date.parse(fields.espera_desde);
    chat.waitingSince = since;
    chat.firstWaitAt = before?.firstWaitAt ?? since;
    chat.firstResponded = before?.firstResponded ?? since === null;
    state.chats.set(chat.id_resumen, chat);
  }
  const day = localDay(takenAt, settings.zona_horaria);
  for (const [key, entry] of state.daily) {
    if (splitDailyKey(key).day === day) entry.closed = 0;
  }
  figures(state, dailyKey(day, UNATTRIBUTED)).closed = closedToday;
  state.fenceAt = Math.max(state.fenceAt, takenAt);
  state.version += 1;
}

export const CLOSED_CHAT_RETENTION_MS = 48 * HOUR;
export const DAILY_RETENTION_DAYS = 8;

/**
 * Forgets chats closed (or never opened) more than 48 hours ago and daily figures older than a week.
 * Returns the ids of the chats removed so their rows can be deleted.
 */
export function prune(state: BranchState, now: number, settings: BranchSettings): number[] {
  const removed: number[] = [];
  for (const chat of state.chats.values()) {
    if (!chat.open && now - chat.lastEventAt > CLOSED_CHAT_RETENTION_MS) removed.push(chat.id_resumen);
  }
  for (const id of removed) state.chats.delete(id);
  const oldest = localDay(now - DAILY_RETENTION_DAYS * DAY, settings.zona_horaria);
  for (const key of [...state.daily.keys()]) {
    if (splitDailyKey(key).day < oldest) state.daily.delete(key);
  }
  return removed;
}
