/**
 * Builds the status body (docs/guia-api.md#la-respuesta) from the branch state at an instant. Pure: the same state,
 * settings, instant and options always give the same body. It reads the chat index (chat-index.ts)
 * rather than scanning every chat, and says how long a body stays true (`snapshotValidUntil`).
 */
import type { Estado } from "../schemas/common";
import { BUCKETS, type Bucket, type ChatDetalle, type ResumenGeneral, type StatusBody } from "../schemas/status";
import { MINUTE } from "../utils/time";
import { localDay } from "./local-day";
import { ChatIndex, Group } from "./chat-index";
import { BOT, type BranchSettings, type BranchState, type Chat, splitDailyKey } from "./model";

export type SnapshotOptions = { departamento?: string; detalle: boolean };

/** Upper bounds (exclusive, minutes) of each bucket; the last one is open-ended. */
export const BUCKET_LIMITS_MIN = [10, 20, 30, 60, Infinity] as const;

export const COUNT_KEYS = {
  menos_10_minutos: "chat_tiempo_espera_menos_10min",
  de_10_a_20_minutos: "chat_tiempo_espera_20min",
  de_20_a_30_minutos: "chat_tiempo_espera_30min",
  de_30_a_60_minutos: "chat_tiempo_espera_60min",
  mas_60_minutos: "chat_tiempo_espera_mas_60min",
} as const satisfies Record<Bucket, keyof ResumenGeneral>;

export type CountKey = (typeof COUNT_KEYS)[Bucket];

/** A count's [lower, upper) bounds in minutes. */
export function countBoundsMin(key: CountKey): readonly [number, number] {
  const i = BUCKETS.findIndex((bucket) => COUNT_KEYS[bucket] === key);
  return [i === 0 ? 0 : BUCKET_LIMITS_MIN[i - 1], BUCKET_LIMITS_MIN[i]];
}

/** The figures that time alone moves: the bucket counts, the longest and the mean wait. */
export type WaitFigures = Record<CountKey | "espera_maxima_min" | "espera_promedio_min", number>;
export const WAIT_FIGURES: readonly (keyof WaitFigures)[] = [...Object.values(COUNT_KEYS), "espera_maxima_min", "espera_promedio_min"];

/** The figures that reset at local midnight: counted since then. */
export const DAILY_FIGURES = ["chat_cerrados", "primera_respuesta_promedio_min", "nivel_servicio_pct"] as const;

export function waitedMs(chat: Chat, now: number): number {
  return Math.max(0, now - (chat.waitingSince as number));
}

export function bucketOf(waited: number): Bucket {
  const minutes = waited / MINUTE;
  return BUCKETS[BUCKET_LIMITS_MIN.findIndex((limit) => minutes < limit)];
}

const round1 = (value: number) => Math.round(value * 10) / 10;

export function detail(chat: Chat, now: number): ChatDetalle {
  return {
    id_resumen: chat.id_resumen,
    id_cliente: chat.id_cliente,
    departamento: chat.departamento,
    numero_perfil: chat.numero_perfil,
    numero_cliente: chat.numero_cliente,
    nombre_cliente: chat.nombre_cliente,
    estado: chat.estado,
    agente: chat.agente,
    espera_desde: new Date(chat.waitingSince as number).toISOString(),
    minutos_espera: Math.floor(waitedMs(chat, now) / MINUTE),
  };
}

const EMPTY = new Group();

/** Body-order of departments: by name, so it does not depend on which chat arrived first. */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Reads the aggregates of `index` (kept in step with `state` by the Durable Object; built here
 * from scratch when not given), so its cost is the size of its output, not the number of chats.
 */
export function buildSnapshot(
  state: BranchState,
  settings: BranchSettings,
  now: number,
  options: SnapshotOptions,
  index: ChatIndex = ChatIndex.of(state),
): StatusBody {
  const group = index.group(options.departamento) ?? EMPTY;
  const waiting = group.waiting;

  const lists = Object.fromEntries(BUCKETS.map((bucket) => [bucket, [] as ChatDetalle[]])) as Record<Bucket, ChatDetalle[]>;
  if (options.detalle) {
    for (const entry of waiting) lists[bucketOf(waitedMs(entry.chat, now))].push(detail(entry.chat, now));
  }

  const today = todaysFigures(state, settings, now, options.departamento);
  const waits = waitFigures(group, now);
  const resumen: ResumenGeneral = {
    chat_nuevos: group.counts.nuevo,
    chat_pendientes: group.counts.pendiente,
    chat_asignados: group.counts.asignado,
    chat_icarobot_ia: group.counts[BOT],
    chat_abiertos: group.counts.nuevo + group.counts.pendiente + group.counts.asignado + group.counts.icarobot_ia,
    chat_cerrados: today.closed,
    chat_en_espera_del_cliente: group.waitingForCustomer,
    chat_tiempo_espera_menos_10min: waits.chat_tiempo_espera_menos_10min,
    chat_tiempo_espera_20min: waits.chat_tiempo_espera_20min,
    chat_tiempo_espera_30min: waits.chat_tiempo_espera_30min,
    chat_tiempo_espera_60min: waits.chat_tiempo_espera_60min,
    chat_tiempo_espera_mas_60min: waits.chat_tiempo_espera_mas_60min,
  };

  const named = options.departamento === undefined ? [...index.departments.keys()].sort(byName) : [options.departamento];
  // Own properties through fromEntries: a department is free text, and "__proto__" must stay data.
  const departments: StatusBody["por_departamento"] = Object.fromEntries(
    named.flatMap((name) => {
      const department = index.departments.get(name);
      return department ? [[name, { chat_abiertos: department.open, chat_esperando: department.waiting.size }]] : [];
    }),
  );

  const body: StatusBody = {
    resumen_general: resumen,
    detalle_por_tiempo_espera: options.detalle ? lists : undefined,
    metricas: {
      espera_maxima_min: waits.espera_maxima_min,
      espera_promedio_min: waits.espera_promedio_min,
      primera_respuesta_promedio_min: today.firstResponses
        ? round1(today.firstResponseMs / today.firstResponses / MINUTE)
        : 0,
      nivel_servicio_pct: today.answered ? round1((100 * today.answeredOnTime) / today.answered) : 100,
    },
    carga_por_agente: [...group.agents]
      .map(([agente, load]) => ({ agente, ...load }))
      .sort(
        (a, b) => b.chats_asignados - a.chats_asignados || a.agente.localeCompare(b.agente) || byName(a.agente, b.agente),
      ),
    por_departamento: departments,
    sucursal: {
      empresa: settings.empresa,
      sucursal: settings.sucursal,
      nombre: settings.nombre,
      zona_horaria: settings.zona_horaria,
    },
    version: state.version,
    generado_en: new Date(now).toISOString(),
  };
  if (!options.detalle) delete body.detalle_por_tiempo_espera;
  return body;
}

/**
 * The figures of a group's waits at any instant, in a few binary searches (a wait of at least L
 * minutes began at or before `at` - L). The snapshot's own, and what alert rules predict with.
 */
export function waitFigures(group: Group, at: number): WaitFigures {
  const waiting = group.waiting;
  const atLeast = BUCKET_LIMITS_MIN.slice(0, -1).map((limit) => waiting.countSinceAtOrBefore(at - limit * MINUTE));
  // atLeast[i] = waits of at least BUCKET_LIMITS_MIN[i]; bucket i holds those between limit i-1 and i.
  const counts = BUCKETS.map((_, i) => (i === 0 ? waiting.size : atLeast[i - 1]) - (i < atLeast.length ? atLeast[i] : 0));
  const first = waiting.at(0);
  const figures = {
    espera_maxima_min: first ? Math.floor(Math.max(0, at - first.since) / MINUTE) : 0,
    espera_promedio_min: waiting.size ? round1(totalWaitMs(group, at) / waiting.size / MINUTE) : 0,
  } as WaitFigures;
  BUCKETS.forEach((bucket, i) => (figures[COUNT_KEYS[bucket]] = counts[i]));
  return figures;
}

/** Σ max(0, now - since), exact: waits that begin after `now` count 0 and lie at the list's end. */
function totalWaitMs(group: Group, now: number): number {
  let sum = group.sumSince;
  let started = group.waiting.size;
  for (const entry of group.waiting.reversed()) {
    if (entry.since <= now) break;
    sum -= BigInt(entry.since);
    started -= 1;
  }
  return Number(BigInt(started) * BigInt(now) - sum);
}

/**
 * The first instant after `now` at which the body for these options may differ (other than its
 * `generado_en`) with no event: a chat crossing a bucket boundary, or (with detail) any waiting
 * chat's `minutos_espera` ticking, the longest wait ticking, or the mean wait's rounding moving.
 * Local midnight is the caller's to add. Errs early, never late.
 */
export function snapshotValidUntil(index: ChatIndex, now: number, options: SnapshotOptions): number {
  const group = index.group(options.departamento) ?? EMPTY;
  const waiting = group.waiting;
  if (waiting.size === 0) return Infinity;
  const nextMinute = (since: number) => since + (Math.floor(Math.max(0, now - since) / MINUTE) + 1) * MINUTE;

  let until = nextMinute(waiting.at(0)!.since);
  if (options.detalle) {
    for (const entry of waiting) until = Math.min(until, nextMinute(entry.since));
  } else {
    for (const limit of BUCKET_LIMITS_MIN.slice(0, -1)) {
      const next = waiting.at(waiting.countSinceAtOrBefore(now - limit * MINUTE));
      if (next) until = Math.min(until, next.since + limit * MINUTE);
    }
  }
  // The mean grows at most a minute per minute; its rounding to 0.1 moves when it reaches k + 0.05.
  const mean = totalWaitMs(group, now) / waiting.size / MINUTE;
  const distance = (Math.round(mean * 10) + 0.5) / 10 - mean;
  until = Math.min(until, now + Math.max(1, Math.floor(distance * MINUTE) - 1));
  return until;
}

/** The day's figures since local midnight, for one department or (without one) for all. */
export function todaysFigures(state: BranchState, settings: BranchSettings, now: number, department?: string) {
  const day = localDay(now, settings.zona_horaria);
  const total = { closed: 0, firstResponseMs: 0, firstResponses: 0, answered: 0, answeredOnTime: 0 };
  for (const [key, entry] of state.daily) {
    const where = splitDailyKey(key);
    if (where.day !== day) continue;
    if (department !== undefined && where.department !== department) continue;
    total.closed += entry.closed;
    total.firstResponseMs += entry.firstResponseMs;
    total.firstResponses += entry.firstResponses;
    total.answered += entry.answered;
    total.answeredOnTime += entry.answeredOnTime;
  }
  return total;
}

/**
 * The figures of the metrics route (docs/prometheus.md), from the same state, index and instant
 * as a snapshot: counts as `buildSnapshot` gives them; waits in whole seconds at `now` (not
 * minutes × 60); the day's mean first response to the second; the service level as
 * `nivel_servicio_pct` / 100, from the same rounding.
 */
export type BranchMeasures = {
  version: number;
  /** The instant (ms) these figures are true at. */
  at: number;
  open: Record<Estado, number>;
  waitingForCustomer: number;
  waiting: Record<Bucket, number>;
  closedToday: number;
  longestWaitSeconds: number;
  meanWaitSeconds: number;
  firstResponseMeanSeconds: number;
  serviceLevelRatio: number;
  agents: { name: string; open: number; waiting: number }[];
  departments: { name: string; open: number; waiting: number }[];
};

export function measureSnapshot(state: BranchState, settings: BranchSettings, now: number, index: ChatIndex = ChatIndex.of(state)): BranchMeasures {
  const group = index.all;
  const waits = waitFigures(group, now);
  const today = todaysFigures(state, settings, now);
  const first = group.waiting.at(0);
  return {
    version: state.version,
    at: now,
    open: { ...group.counts },
    waitingForCustomer: group.waitingForCustomer,
    waiting: Object.fromEntries(BUCKETS.map((bucket) => [bucket, waits[COUNT_KEYS[bucket]]])) as Record<Bucket, number>,
    closedToday: today.closed,
    longestWaitSeconds: first ? Math.floor(Math.max(0, now - first.since) / 1000) : 0,
    meanWaitSeconds: group.waiting.size ? Math.round(totalWaitMs(group, now) / group.waiting.size / 1000) : 0,
    firstResponseMeanSeconds: today.firstResponses ? Math.round(today.firstResponseMs / today.firstResponses / 1000) : 0,
    // Math.round(pct × 10) is nivel_servicio_pct × 10 exactly, so this is that figure / 100.
    serviceLevelRatio: today.answered ? Math.round(((100 * today.answeredOnTime) / today.answered) * 10) / 1000 : 1,
    agents: [...group.agents]
      .map(([name, load]) => ({ name, open: load.chats_asignados, waiting: load.chats_esperando }))
      .sort((a, b) => byName(a.name, b.name)),
    departments: [...index.departments.keys()].sort(byName).map((name) => {
      const department = index.departments.get(name)!;
      return { name, open: department.open, waiting: department.waiting.size };
    }),
  };
}

/** How long measures stay true: to the next second while a chat waits (its seconds tick), else until an event. */
export function measuresValidUntil(index: ChatIndex, now: number): number {
  return index.all.waiting.size ? (Math.floor(now / 1000) + 1) * 1000 : Infinity;
}
