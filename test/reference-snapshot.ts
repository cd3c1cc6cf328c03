/**
 * The oracle for the chat index: the snapshot builder as it was before the index, scanning every
 * chat on each build. Kept verbatim (imports aside) so the indexed builder is compared with it.
 */
import { BUCKETS, type Bucket, type ChatDetalle, type ResumenGeneral, type StatusBody } from "../src/schemas/status";
import { localDay } from "../src/branch/local-day";
import {
  BOT,
  type BranchState,
  type Chat,
  type BranchSettings,
  departmentOf,
  isWaitingForBusiness,
  isWaitingForCustomer,
  splitDailyKey,
} from "../src/branch/model";

type SnapshotOptions = { departamento?: string; detalle: boolean };

const MINUTE = 60_000;

/** Upper bounds (exclusive, minutes) of each bucket; the last one is open-ended. */
const BUCKET_LIMITS_MIN = [10, 20, 30, 60, Infinity] as const;

const COUNT_KEYS: Record<Bucket, keyof ResumenGeneral> = {
  menos_10_minutos: "chat_tiempo_espera_menos_10min",
  de_10_a_20_minutos: "chat_tiempo_espera_20min",
  de_20_a_30_minutos: "chat_tiempo_espera_30min",
  de_30_a_60_minutos: "chat_tiempo_espera_60min",
  mas_60_minutos: "chat_tiempo_espera_mas_60min",
};

function waitedMs(chat: Chat, now: number): number {
  return Math.max(0, now - (chat.waitingSince as number));
}

function bucketOf(waited: number): Bucket {
  const minutes = waited / MINUTE;
  return BUCKETS[BUCKET_LIMITS_MIN.findIndex((limit) => minutes < limit)];
}

const round1 = (value: number) => Math.round(value * 10) / 10;

function detail(chat: Chat, now: number): ChatDetalle {
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

/** Longest-waiting first; equal waits by id, so the order is stable across reads. */
function byLongestWait(a: Chat, b: Chat): number {
  return (a.waitingSince as number) - (b.waitingSince as number) || a.id_resumen - b.id_resumen;
}

export function referenceSnapshot(
  state: BranchState,
  settings: BranchSettings,
  now: number,
  options: SnapshotOptions,
): StatusBody {
  const inScope = (chat: Chat) => options.departamento === undefined || departmentOf(chat) === options.departamento;

  const counts = { nuevo: 0, pendiente: 0, asignado: 0, icarobot_ia: 0 };
  let waitingForCustomer = 0;
  const waiting: Chat[] = [];
  const agents = new Map<string, { chats_asignados: number; chats_esperando: number }>();
  const departments: StatusBody["por_departamento"] = {};

  for (const chat of state.chats.values()) {
    if (!chat.open || !inScope(chat)) continue;
    counts[chat.estado] += 1;
    const waitsForBusiness = isWaitingForBusiness(chat);
    if (waitsForBusiness) waiting.push(chat);
    else if (isWaitingForCustomer(chat)) waitingForCustomer += 1;

    const department = (departments[departmentOf(chat)] ??= { chat_abiertos: 0, chat_esperando: 0 });
    department.chat_abiertos += 1;
    if (waitsForBusiness) department.chat_esperando += 1;

    if (chat.agente !== null) {
      let load = agents.get(chat.agente);
      if (!load) agents.set(chat.agente, (load = { chats_asignados: 0, chats_esperando: 0 }));
      load.chats_asignados += 1;
      if (waitsForBusiness) load.chats_esperando += 1;
    }
  }
  waiting.sort(byLongestWait);

  const lists = Object.fromEntries(BUCKETS.map((bucket) => [bucket, [] as ChatDetalle[]])) as Record<Bucket, ChatDetalle[]>;
  let totalWaitMs = 0;
  for (const chat of waiting) {
    const waited = waitedMs(chat, now);
    totalWaitMs += waited;
    lists[bucketOf(waited)].push(detail(chat, now));
  }

  const resumen = {
    chat_nuevos: counts.nuevo,
    chat_pendientes: counts.pendiente,
    chat_asignados: counts.asignado,
    chat_icarobot_ia: counts[BOT],
    chat_abiertos: counts.nuevo + counts.pendiente + counts.asignado + counts.icarobot_ia,
    chat_cerrados: 0,
    chat_en_espera_del_cliente: waitingForCustomer,
  } as ResumenGeneral;
  for (const bucket of BUCKETS) resumen[COUNT_KEYS[bucket]] = lists[bucket].length;

  const today = todaysFigures(state, settings, now, options.departamento);
  resumen.chat_cerrados = today.closed;

  const body: StatusBody = {
    resumen_general: resumen,
    detalle_por_tiempo_espera: options.detalle ? lists : undefined,
    metricas: {
      espera_maxima_min: waiting.length ? Math.floor(waitedMs(waiting[0], now) / MINUTE) : 0,
      espera_promedio_min: waiting.length ? round1(totalWaitMs / waiting.length / MINUTE) : 0,
      primera_respuesta_promedio_min: today.firstResponses
        ? round1(today.firstResponseMs / today.firstResponses / MINUTE)
        : 0,
      nivel_servicio_pct: today.answered ? round1((100 * today.answeredOnTime) / today.answered) : 100,
    },
    carga_por_agente: [...agents]
      .map(([agente, load]) => ({ agente, ...load }))
      .sort((a, b) => b.chats_asignados - a.chats_asignados || a.agente.localeCompare(b.agente)),
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

/** The day's figures since local midnight, for one department or (without one) for all. */
function todaysFigures(state: BranchState, settings: BranchSettings, now: number, department?: string) {
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
