/**
 * A from-scratch reference of docs/guia-api.md#cómo-se-cuentan-los-chats and docs/integracion.md#tipos-de-evento, written apart from `src/branch/` (it imports
 * nothing from it) so the property test can compare the real Durable Object against it. It is
 * deliberately naive: it keeps every request, decides which events were accepted, then rebuilds each
 * chat by replaying its accepted events in `ocurrido_en` order (a reconciliation is a barrier that
 * replaces the chats), and computes the figures from the chats at one instant.
 */

const BOT = "icarobot_ia";
const ESTADOS = ["nuevo", "pendiente", "asignado", "icarobot_ia"] as const;
const DETAIL_FIELDS = ["id_cliente", "departamento", "numero_perfil", "numero_cliente", "nombre_cliente", "agente"] as const;
const BUCKETS = [
  ["menos_10_minutos", "chat_tiempo_espera_menos_10min", 10],
  ["de_10_a_20_minutos", "chat_tiempo_espera_20min", 20],
  ["de_20_a_30_minutos", "chat_tiempo_espera_30min", 30],
  ["de_30_a_60_minutos", "chat_tiempo_espera_60min", 60],
  ["mas_60_minutos", "chat_tiempo_espera_mas_60min", Infinity],
] as const;

export type RefEvent = {
  id: string;
  tipo: "chat.actualizado" | "chat.mensaje_cliente" | "chat.mensaje_agente" | "chat.cerrado";
  ocurrido_en: string;
  chat: Record<string, any> & { id_resumen: number };
};

export type RefCounts = { aceptados: number; duplicados: number; obsoletos: number };

type RefChat = {
  fields: Record<string, string | null>;
  open: boolean;
  estado: string;
  waitingSince: number | null;
  closedAt: number | null;
  firstWaitAt: number | null;
  firstResponded: boolean;
};

type Answer = { at: number; waited: number; firstResponse: number | null };

/** A reconciliation's body, as sent. */
export type RefReconciliation = {
  tomado_en: string;
  chats: (Record<string, any> & { id_resumen: number; estado: string; espera_desde: string | null })[];
  cerrados_hoy: number;
};

type LogEntry = { kind: "event"; event: RefEvent; at: number } | { kind: "reconciliation"; body: RefReconciliation; at: number };

/** One branch as the helpdesk would compute it: the requests it was sent, in order. */
export class ReferenceBranch {
  private readonly appliedIds = new Set<string>();
  private readonly lastAt = new Map<number, number>();
  private readonly log: LogEntry[] = [];
  private fence = -Infinity;
  private changes = 0;

  constructor(
    private readonly zone: string,
    private readonly targetMinutes: number,
  ) {}

  /** The branch's share of one request; returns what the documentation says it answers for them. */
  receive(events: RefEvent[]): RefCounts {
    const counts = { aceptados: 0, duplicados: 0, obsoletos: 0 };
    // Per chat in ocurrido_en order, ties in array order (Array.prototype.sort is stable).
    const ordered = [...events].sort((a, b) => Date.parse(a.ocurrido_en) - Date.parse(b.ocurrido_en));
    for (const event of ordered) {
      const at = Date.parse(event.ocurrido_en);
      const last = this.lastAt.get(event.chat.id_resumen);
      if (this.appliedIds.has(event.id)) counts.duplicados += 1;
      else if (at < this.fence || (last !== undefined && at < last)) counts.obsoletos += 1;
      else {
        counts.aceptados += 1;
        this.appliedIds.add(event.id);
        this.lastAt.set(event.chat.id_resumen, at);
        this.log.push({ kind: "event", event, at });
      }
    }
    if (counts.aceptados > 0) this.changes += 1;
    return counts;
  }

  /**
   * A reconciliation. The reference only covers one taken no earlier than every event the branch was
   * sent before it (what a helpdesk does after an outage); an older one would discard newer events,
   * which the documentation leaves open.
   */
  reconcile(body: RefReconciliation): { chats: number } {
    const at = Date.parse(body.tomado_en);
    if ([...this.lastAt.values()].some((last) => last > at)) throw new Error("reference: reconciliation older than an event");
    this.fence = Math.max(this.fence, at);
    this.lastAt.clear();
    this.log.push({ kind: "reconciliation", body, at });
    this.changes += 1;
    return { chats: body.chats.length };
  }

  /**
   * Every chat rebuilt from scratch: between reconciliations, each chat's accepted events replayed in
   * `ocurrido_en` order. Also the answers they contained and the closed count of each local day.
   */
  private replay(): { chats: Map<number, RefChat>; answers: Answer[]; closedByDay: Map<string, number> } {
    let chats = new Map<number, RefChat>();
    const answers: Answer[] = [];
    const closedByDay = new Map<string, number>();
    const days: Days = {
      close: (at) => {
        const day = localDay(at, this.zone);
        closedByDay.set(day, (closedByDay.get(day) ?? 0) + 1);
      },
      reopen: (closedAt) => {
        const day = localDay(closedAt, this.zone);
        closedByDay.set(day, Math.max(0, (closedByDay.get(day) ?? 0) - 1));
      },
    };
    let segment: { event: RefEvent; at: number }[] = [];
    const flush = () => {
      for (const { event, at } of segment.sort((a, b) => a.at - b.at)) {
        const id = event.chat.id_resumen;
        if (!chats.has(id)) chats.set(id, blankChat());
        applyToChat(chats.get(id)!, event, at, answers, days);
      }
      segment = [];
    };
    for (const entry of this.log) {
      if (entry.kind === "event") {
        segment.push(entry);
        continue;
      }
      flush();
      const previous = chats;
      chats = new Map();
      for (const listed of entry.body.chats) {
        const chat = blankChat();
        for (const name of DETAIL_FIELDS) chat.fields[name] = listed[name] ?? null;
        chat.open = true;
        chat.estado = listed.estado;
        chat.waitingSince = listed.estado === BOT || listed.espera_desde === null ? null : Date.parse(listed.espera_desde);
        // What the chat's history already said about its first wait still holds.
        const before = previous.get(listed.id_resumen);
        chat.firstWaitAt = before ? before.firstWaitAt : chat.waitingSince;
        chat.firstResponded = before ? before.firstResponded : chat.waitingSince === null;
        chats.set(listed.id_resumen, chat);
      }
      // `cerrados_hoy` is the closed count of the day it was taken on.
      closedByDay.set(localDay(entry.at, this.zone), entry.body.cerrados_hoy);
    }
    flush();
    return { chats, answers, closedByDay };
  }

  /** The snapshot's figures at `now`, in the wire format (only what the test compares). */
  snapshot(now: number) {
    const { chats, answers, closedByDay } = this.replay();
    const today = localDay(now, this.zone);
    const open = [...chats.entries()].filter(([, chat]) => chat.open);
    const waiting = open
      .filter(([, chat]) => chat.waitingSince !== null)
      .sort(([idA, a], [idB, b]) => a.waitingSince! - b.waitingSince! || idA - idB);

    const detalle = Object.fromEntries(BUCKETS.map(([name]) => [name, [] as any[]]));
    let totalWait = 0;
    for (const [id, chat] of waiting) {
      const waited = Math.max(0, now - chat.waitingSince!);
      totalWait += waited;
      const [bucket] = BUCKETS.find(([, , limit]) => waited / 60_000 < limit)!;
      detalle[bucket].push({
        id_resumen: id,
        ...chat.fields,
        estado: chat.estado,
        espera_desde: new Date(chat.waitingSince!).toISOString(),
        minutos_espera: Math.floor(waited / 60_000),
      });
    }

    const count = (estado: string) => open.filter(([, chat]) => chat.estado === estado).length;
    const resumen: Record<string, number> = {
      chat_nuevos: count("nuevo"),
      chat_pendientes: count("pendiente"),
      chat_asignados: count("asignado"),
      chat_icarobot_ia: count(BOT),
      chat_abiertos: open.length,
      chat_cerrados: closedByDay.get(today) ?? 0,
      chat_en_espera_del_cliente: open.filter(([, chat]) => chat.estado !== BOT && chat.waitingSince === null).length,
    };
    for (const [bucket, key] of BUCKETS) resumen[key] = detalle[bucket].length;

    const answeredToday = answers.filter((answer) => localDay(answer.at, this.zone) === today);
    const firstResponses = answeredToday.filter((answer) => answer.firstResponse !== null);
    const onTime = answeredToday.filter((answer) => answer.waited <= this.targetMinutes * 60_000).length;
    const round1 = (value: number) => Math.round(value * 10) / 10;
    const metricas = {
      espera_maxima_min: waiting.length ? Math.floor(Math.max(0, now - waiting[0][1].waitingSince!) / 60_000) : 0,
      espera_promedio_min: waiting.length ? round1(totalWait / waiting.length / 60_000) : 0,
      primera_respuesta_promedio_min: firstResponses.length
        ? round1(firstResponses.reduce((sum, answer) => sum + answer.firstResponse!, 0) / firstResponses.length / 60_000)
        : 0,
      nivel_servicio_pct: answeredToday.length ? round1((100 * onTime) / answeredToday.length) : 100,
    };

    const agents = new Map<string, { agente: string; chats_asignados: number; chats_esperando: number }>();
    const departments: Record<string, { chat_abiertos: number; chat_esperando: number }> = {};
    for (const [, chat] of open) {
      const waits = chat.waitingSince !== null;
      const department = chat.fields.departamento ?? "Sin departamento";
      departments[department] ??= { chat_abiertos: 0, chat_esperando: 0 };
      departments[department].chat_abiertos += 1;
      if (waits) departments[department].chat_esperando += 1;
      const agente = chat.fields.agente;
      if (agente === null) continue;
      const load = agents.get(agente) ?? { agente, chats_asignados: 0, chats_esperando: 0 };
      load.chats_asignados += 1;
      if (waits) load.chats_esperando += 1;
      agents.set(agente, load);
    }

    return {
      resumen_general: resumen,
      detalle_por_tiempo_espera: detalle,
      metricas,
      carga_por_agente: [...agents.values()].sort((a, b) => (a.agente < b.agente ? -1 : a.agente > b.agente ? 1 : 0)),
      por_departamento: departments,
      version: this.changes,
    };
  }
}

type Days = { close(at: number): void; reopen(closedAt: number): void };

function blankChat(): RefChat {
  return {
    fields: Object.fromEntries(DETAIL_FIELDS.map((name) => [name, null])),
    open: false,
    estado: "nuevo",
    waitingSince: null,
    closedAt: null,
    firstWaitAt: null,
    firstResponded: false,
  };
}

/** docs/integracion.md's rules for one event on one chat, read straight from the text. */
function applyToChat(chat: RefChat, event: RefEvent, at: number, answers: Answer[], days: Days): void {
  for (const name of DETAIL_FIELDS) if (event.chat[name] !== undefined) chat.fields[name] = event.chat[name];
  const reopen = (estado: string) => {
    // A reopened chat is no longer one closed today.
    if (chat.closedAt !== null) days.reopen(chat.closedAt);
    chat.open = true;
    chat.closedAt = null;
    chat.estado = estado;
    chat.waitingSince = estado === BOT ? null : at;
  };
  switch (event.tipo) {
    case "chat.actualizado": {
      const estado: string | undefined = event.chat.estado;
      if (!chat.open) reopen(estado ?? "nuevo");
      else if (estado !== undefined) {
        if (estado === BOT) chat.waitingSince = null;
        else if (chat.estado === BOT) chat.waitingSince = at;
        chat.estado = estado;
      }
      const explicit: string | null | undefined = event.chat.espera_desde;
      if (explicit !== undefined && chat.estado !== BOT) chat.waitingSince = explicit === null ? null : Date.parse(explicit);
      break;
    }
    case "chat.mensaje_cliente":
      if (!chat.open) reopen(event.chat.estado ?? "nuevo");
      else if (chat.estado !== BOT && chat.waitingSince === null) chat.waitingSince = at;
      break;
    case "chat.mensaje_agente":
      if (chat.open && chat.waitingSince !== null) {
        const first = chat.firstResponded || chat.firstWaitAt === null ? null : Math.max(0, at - chat.firstWaitAt);
        answers.push({ at, waited: at - chat.waitingSince, firstResponse: first });
        chat.firstResponded = true;
        chat.waitingSince = null;
      }
      break;
    case "chat.cerrado":
      if (chat.closedAt === null) {
        days.close(at);
        chat.open = false;
        chat.waitingSince = null;
        chat.closedAt = at;
      }
      break;
  }
  // The first wait is the first moment after an event that the chat waits for the business.
  if (chat.firstWaitAt === null && chat.waitingSince !== null) chat.firstWaitAt = chat.waitingSince;
}

/** The calendar day of an instant in an IANA zone. */
export function localDay(ms: number, zone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(ms);
}

/** The last local midnight at or before `now` in `zone` (to the second), found by bisection. */
export function lastLocalMidnight(now: number, zone: string): number {
  const today = localDay(now, zone);
  let low = now - 26 * 3_600_000;
  let high = now;
  while (high - low > 1_000) {
    const middle = Math.floor((low + high) / 2);
    if (localDay(middle, zone) === today) high = middle;
    else low = middle;
  }
  return high - (high % 1_000);
}

export { ESTADOS };
