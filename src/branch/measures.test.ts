/**
 * `measureSnapshot` (the metrics route's figures) against `buildSnapshot` on the same state and
 * instant: equal counts for any history of events, waits in whole seconds (not minutes × 60), and
 * the service level as exactly `nivel_servicio_pct` / 100.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUCKETS } from "../schemas/status";
import { type BranchEvent, type BranchSettings, applyEvent, emptyState } from "./model";
import { COUNT_KEYS, buildSnapshot, measureSnapshot, measuresValidUntil } from "./snapshot";
import { ChatIndex } from "./chat-index";

const SETTINGS: BranchSettings = { empresa: "e", sucursal: "s", nombre: "S", zona_horaria: "America/Caracas", objetivo_respuesta_min: 10 };
const NOW = Date.parse("2026-11-24T18:07:12.000Z");

const TIPOS = ["chat.actualizado", "chat.mensaje_cliente", "chat.mensaje_agente", "chat.cerrado"] as const;
const eventArb = fc.record({
  tipo: fc.constantFrom(...TIPOS),
  id_resumen: fc.integer({ min: 1, max: 8 }),
  secondsAgo: fc.integer({ min: 0, max: 4 * 3600 }),
  estado: fc.constantFrom("nuevo", "pendiente", "asignado", "icarobot_ia"),
  agente: fc.constantFrom(null, "ana", 'luis "x"'),
  departamento: fc.constantFrom(null, "Ventas", "Soporte"),
});

type GeneratedEvent = typeof eventArb extends fc.Arbitrary<infer T> ? T : never;

function stateOf(events: GeneratedEvent[]) {
  const state = emptyState();
  const sorted = [...events].sort((a, b) => b.secondsAgo - a.secondsAgo);
  sorted.forEach((e, i) => {
    const chat = e.tipo === "chat.actualizado" ? { id_resumen: e.id_resumen, estado: e.estado, agente: e.agente, departamento: e.departamento } : { id_resumen: e.id_resumen };
    applyEvent(state, { id: `e${i}`, tipo: e.tipo, at: NOW - e.secondsAgo * 1000, chat } as BranchEvent, SETTINGS);
  });
  return state;
}

describe("measureSnapshot", () => {
  it("gives the snapshot's figures, at the same version and instant, for any history", () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), fc.integer({ min: 0, max: 3_600_000 }), (events, later) => {
        const state = stateOf(events);
        const index = ChatIndex.of(state);
        const at = NOW + later;
        const body = buildSnapshot(state, SETTINGS, at, { detalle: false }, index);
        const m = measureSnapshot(state, SETTINGS, at, index);
        const r = body.resumen_general;
        expect(m.version).toBe(body.version);
        expect(m.open).toEqual({ nuevo: r.chat_nuevos, pendiente: r.chat_pendientes, asignado: r.chat_asignados, icarobot_ia: r.chat_icarobot_ia });
        expect(m.waitingForCustomer).toBe(r.chat_en_espera_del_cliente);
        for (const bucket of BUCKETS) expect(m.waiting[bucket]).toBe(r[COUNT_KEYS[bucket]]);
        expect(m.closedToday).toBe(r.chat_cerrados);
        expect(Math.floor(m.longestWaitSeconds / 60)).toBe(body.metricas.espera_maxima_min);
        expect(Math.abs(m.meanWaitSeconds / 60 - body.metricas.espera_promedio_min)).toBeLessThanOrEqual(0.06);
        expect(Math.abs(m.firstResponseMeanSeconds / 60 - body.metricas.primera_respuesta_promedio_min)).toBeLessThanOrEqual(0.06);
        // The decimal pct / 100 (33.3 → 0.333), not its float quotient 0.33299999999999996.
        expect(m.serviceLevelRatio).toBe(Number((body.metricas.nivel_servicio_pct / 100).toFixed(3)));
        expect(m.agents).toEqual(
          [...body.carga_por_agente].sort((a, b) => (a.agente < b.agente ? -1 : 1)).map((a) => ({ name: a.agente, open: a.chats_asignados, waiting: a.chats_esperando })),
        );
        expect(m.departments).toEqual(Object.entries(body.por_departamento).map(([name, d]) => ({ name, open: d.chat_abiertos, waiting: d.chat_esperando })));
      }),
      { numRuns: 300 },
    );
  });

  it("counts waits in whole seconds at its instant, not minutes × 60", () => {
    const state = stateOf([
      { tipo: "chat.actualizado", id_resumen: 1, secondsAgo: 4230, estado: "nuevo", agente: null, departamento: null },
      { tipo: "chat.actualizado", id_resumen: 2, secondsAgo: 751, estado: "pendiente", agente: null, departamento: null },
    ]);
    const m = measureSnapshot(state, SETTINGS, NOW + 999);
    expect(m.longestWaitSeconds).toBe(4230);
    expect(m.meanWaitSeconds).toBe(Math.round((4230.999 + 751.999) / 2));
    expect(m.at).toBe(NOW + 999);
  });

  it("stays true until the next second while a chat waits, and until an event otherwise", () => {
    const waiting = ChatIndex.of(stateOf([{ tipo: "chat.actualizado", id_resumen: 1, secondsAgo: 5, estado: "nuevo", agente: null, departamento: null }]));
    expect(measuresValidUntil(waiting, NOW + 250)).toBe(NOW + 1000);
    const none = ChatIndex.of(stateOf([{ tipo: "chat.actualizado", id_resumen: 1, secondsAgo: 5, estado: "icarobot_ia", agente: null, departamento: null }]));
    expect(measuresValidUntil(none, NOW + 250)).toBe(Infinity);
  });
});
