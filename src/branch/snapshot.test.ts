/** The snapshot builder at exact instants: bucket boundaries and minutes, with no runtime clock. */
import { describe, expect, it } from "vitest";
import { type BranchSettings, applyEvent, emptyState } from "./model";
import { buildSnapshot } from "./snapshot";

const SETTINGS: BranchSettings = { empresa: "e", sucursal: "s", nombre: "S", zona_horaria: "America/Caracas", objetivo_respuesta_min: 10 };
const NOW = Date.parse("2026-11-24T14:07:12.000Z");

/** One chat whose wait began `seconds` before NOW, read at NOW. */
function bucketsFor(seconds: number) {
  const state = emptyState();
  const at = NOW - seconds * 1000;
  applyEvent(state, { id: "e", tipo: "chat.actualizado", at, chat: { id_resumen: 1, estado: "nuevo" } }, SETTINGS);
  const body = buildSnapshot(state, SETTINGS, NOW, { detalle: true });
  const [bucket] = Object.entries(body.detalle_por_tiempo_espera!).find(([, list]) => list.length)!;
  return { bucket, minutes: body.detalle_por_tiempo_espera![bucket as "mas_60_minutos"][0].minutos_espera, resumen: body.resumen_general };
}

describe("wait buckets", () => {
  it.each([
    [0, "menos_10_minutos", 0],
    [9 * 60 + 59, "menos_10_minutos", 9],
    [10 * 60, "de_10_a_20_minutos", 10],
    [19 * 60 + 59, "de_10_a_20_minutos", 19],
    [20 * 60, "de_20_a_30_minutos", 20],
    [29 * 60 + 59, "de_20_a_30_minutos", 29],
    [30 * 60, "de_30_a_60_minutos", 30],
    [59 * 60 + 59, "de_30_a_60_minutos", 59],
    [60 * 60, "mas_60_minutos", 60],
    [26 * 3600, "mas_60_minutos", 1560],
  ])("a wait of %i s is in %s with minutos_espera %i", (seconds, bucket, minutes) => {
    const result = bucketsFor(seconds);
    expect(result.bucket).toBe(bucket);
    expect(result.minutes).toBe(minutes);
  });

  it("counts a chat whose wait begins in the near future as 0 minutes", () => {
    expect(bucketsFor(-120)).toMatchObject({ bucket: "menos_10_minutos", minutes: 0 });
  });

  it("moves a chat between buckets as time passes, with no event", () => {
    const state = emptyState();
    applyEvent(state, { id: "e", tipo: "chat.actualizado", at: NOW, chat: { id_resumen: 1 } }, SETTINGS);
    const at = (minutes: number) => buildSnapshot(state, SETTINGS, NOW + minutes * 60_000, { detalle: false }).resumen_general;
    expect(at(9).chat_tiempo_espera_menos_10min).toBe(1);
    expect(at(10).chat_tiempo_espera_20min).toBe(1);
    expect(at(61).chat_tiempo_espera_mas_60min).toBe(1);
  });
});
