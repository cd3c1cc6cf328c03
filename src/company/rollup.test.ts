import { describe, expect, it } from "vitest";
import type { BranchReport, GroupFigures } from "../schemas/company";
import { emptyFigures, rollup } from "./rollup";

const T = Date.parse("2026-11-24T14:07:12.000Z");

function figures(overrides: { resumen?: Partial<GroupFigures["resumen_general"]>; metricas?: Partial<GroupFigures["metricas"]>; day?: Partial<GroupFigures["day"]> }): GroupFigures {
  const base = emptyFigures();
  return {
    ...base,
    resumen_general: { ...base.resumen_general, ...overrides.resumen },
    metricas: { ...base.metricas, ...overrides.metricas },
    day: { ...base.day, ...overrides.day },
  };
}

const report = (sucursal: string, all: GroupFigures, departments: Record<string, GroupFigures> = {}, version = 7): BranchReport => ({
  sucursal,
  version,
  generatedAt: T - 1000,
  all,
  departments,
});

const branch = (sucursal: string) => ({ sucursal, nombre: `Sucursal ${sucursal}`, zona_horaria: "America/Caracas" });

describe("company roll-up", () => {
  it("sums every resumen_general key over the branches", () => {
    const a = figures({ resumen: { chat_nuevos: 3, chat_abiertos: 5, chat_cerrados: 10, chat_tiempo_espera_menos_10min: 2 } });
    const b = figures({ resumen: { chat_nuevos: 4, chat_abiertos: 6, chat_cerrados: 1, chat_tiempo_espera_menos_10min: 1 } });
    const body = rollup("acme", [branch("a"), branch("b")], new Map([["a", report("a", a)], ["b", report("b", b)]]), {}, T);
    expect(body.resumen_general).toMatchObject({ chat_nuevos: 7, chat_abiertos: 11, chat_cerrados: 11, chat_tiempo_espera_menos_10min: 3, chat_pendientes: 0 });
  });

  it("takes the longest wait as the maximum and the mean weighted by each branch's waiting chats", () => {
    const a = figures({ resumen: { chat_tiempo_espera_menos_10min: 1 }, metricas: { espera_maxima_min: 4, espera_promedio_min: 4 } });
    const b = figures({ resumen: { chat_tiempo_espera_20min: 2, chat_tiempo_espera_mas_60min: 1 }, metricas: { espera_maxima_min: 70, espera_promedio_min: 30 } });
    const body = rollup("acme", [branch("a"), branch("b")], new Map([["a", report("a", a)], ["b", report("b", b)]]), {}, T);
    expect(body.metricas.espera_maxima_min).toBe(70);
    // (4 × 1 + 30 × 3) / 4 = 23.5
    expect(body.metricas.espera_promedio_min).toBe(23.5);
  });

  it("computes first response and service level over the union of the branches' day, as one branch", () => {
    const a = figures({ day: { firstResponseMs: 10 * 60_000, firstResponses: 1, answered: 1, answeredOnTime: 1 } });
    const b = figures({ day: { firstResponseMs: 6 * 60_000, firstResponses: 3, answered: 3, answeredOnTime: 1 } });
    const body = rollup("acme", [branch("a"), branch("b")], new Map([["a", report("a", a)], ["b", report("b", b)]]), {}, T);
    expect(body.metricas.primera_respuesta_promedio_min).toBe(4); // 16 min over 4 responses
    expect(body.metricas.nivel_servicio_pct).toBe(50); // 2 of 4 on time
  });

  it("is 100 % service level and zero waits when nothing happened", () => {
    const body = rollup("acme", [branch("a")], new Map(), {}, T);
    expect(body.metricas).toEqual({ espera_maxima_min: 0, espera_promedio_min: 0, primera_respuesta_promedio_min: 0, nivel_servicio_pct: 100 });
  });

  it("orders branches by sucursal and shows a branch without a report as zeros at version 0", () => {
    const body = rollup("acme", [branch("zz"), branch("aa")], new Map([["zz", report("zz", figures({ resumen: { chat_nuevos: 1 } }))]]), {}, T);
    expect(body.sucursales.map((entry) => entry.sucursal)).toEqual(["aa", "zz"]);
    expect(body.sucursales[0]).toMatchObject({ version: 0, nombre: "Sucursal aa", generado_en: new Date(T).toISOString() });
    expect(body.sucursales[0].resumen_general.chat_nuevos).toBe(0);
    expect(body.sucursales[1]).toMatchObject({ version: 7, generado_en: new Date(T - 1000).toISOString() });
  });

  it("narrows every entry to one department; a branch lacking it shows zeros", () => {
    const ventas = figures({ resumen: { chat_nuevos: 2 } });
    const reports = new Map([
      ["a", report("a", figures({ resumen: { chat_nuevos: 9 } }), { Ventas: ventas })],
      ["b", report("b", figures({ resumen: { chat_nuevos: 5 } }))],
    ]);
    const body = rollup("acme", [branch("a"), branch("b")], reports, { departamento: "Ventas" }, T);
    expect(body.sucursales.map((entry) => entry.resumen_general.chat_nuevos)).toEqual([2, 0]);
    expect(body.resumen_general.chat_nuevos).toBe(2);
  });

  it("never takes an inherited property for a department", () => {
    const body = rollup("acme", [branch("a")], new Map([["a", report("a", figures({ resumen: { chat_nuevos: 9 } }))]]), { departamento: "__proto__" }, T);
    expect(body.sucursales[0].resumen_general.chat_nuevos).toBe(0);
  });
});
