/**
 * Builds the status body (docs/guia-api.md#la-respuesta) from the branch state at an instant. Pure: the same state,
 * settings, instant and options always give the same body. It reads the chat index (chat-index.ts)
 * rather than scanning every chat, and says how long a body stays true (`snapshotValidUntil`).
 */
import { BUCKETS, type Bucket, type ChatDetalle, type ResumenGeneral, type StatusBody } from "../schemas/status";
import { localDay } from "./local-day";
import { ChatIndex, Group } from "./chat-index";
import { BOT, type BranchState, type Chat, type Settings, splitDailyKey } from "./model";

export type SnapshotOptions = { departamento?: string; detalle: boolean };

const MINUTE = 60_000;

/** Upper bounds (exclusive, minutes) of each bucket; the last one is open-ended. */
export const BUCKET_LIMITS_MIN = [10, 20, 30, 60, Infinity] as const;

const COUNT_KEYS: Record<Bucket, keyof ResumenGeneral> = {
  menos_10_minutos: "chat_tiempo_espera_menos_10min",
  de_10_a_20_minutos: "chat_tiempo_espera_20min",
  de_20_a_30_minutos: "chat_tiempo_espera_30min",
  de_30_a_60_minutos: "chat_tiempo_espera_60min",
  mas_60_minutos: "chat_tiempo_espera_mas_60min",
};

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
  settings: Settings,
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

  const resumen = {
    chat_nuevos: group.counts.nuevo,
    chat_pendientes: group.counts.pendiente,
    chat_asignados: group.counts.asignado,
    chat_icarobot_ia: group.counts[BOT],
    chat_abiertos: group.counts.nuevo + group.counts.pendiente + group.counts.asignado + group.counts.icarobot_ia,
    chat_cerrados: 0,
    chat_en_espera_del_cliente: group.waitingForCustomer,
  } as ResumenGeneral;
  const counts = bucketCounts(group, now);
  BUCKETS.forEach((bucket, i) => (resumen[COUNT_KEYS[bucket]] = counts[i]));

  const today = todaysFigures(state, settings, now, options.departamento);
  resumen.chat_cerrados = today.closed;

  const first = waiting.at(0);
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
      espera_maxima_min: first ? Math.floor(waitedMs(first.chat, now) / MINUTE) : 0,
      espera_promedio_min: waiting.size ? round1(totalWaitMs(group, now) / waiting.size / MINUTE) : 0,
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

/** The bucket counts by binary search: a wait of at least L minutes began at or before now - L. */
function bucketCounts(group: Group, now: number): number[] {
  const atLeast = BUCKET_LIMITS_MIN.slice(0, -1).map((limit) => group.waiting.countSinceAtOrBefore(now - limit * MINUTE));
  const total = group.waiting.size;
  // atLeast[i] = waits of at least BUCKET_LIMITS_MIN[i]; bucket i holds those between limit i-1 and i.
  return BUCKETS.map((_, i) => (i === 0 ? total : atLeast[i - 1]) - (i < atLeast.length ? atLeast[i] : 0));
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
function todaysFigures(state: BranchState, settings: Settings, now: number, department?: string) {
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
