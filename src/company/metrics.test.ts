/** The company exposition from its reports: branches in the order given, zeros for a branch with no report yet. */
import { describe, expect, it } from "vitest";
import type { BranchReport } from "../schemas/company";
import { companyMetrics } from "./metrics";
import { emptyFigures } from "./rollup";

const T = Date.parse("2026-11-24T14:07:12.000Z");
const branch = (sucursal: string) => ({ sucursal, nombre: sucursal, zona_horaria: "America/Caracas" });

describe("companyMetrics", () => {
  it("labels each branch's samples, zeros and version 0 for a branch with no report yet, and ticks while a chat waits", () => {
    const all = emptyFigures();
    all.resumen_general = { ...all.resumen_general, chat_nuevos: 1, chat_abiertos: 1, chat_tiempo_espera_menos_10min: 1 };
    all.wait = { oldestSince: T - 90_000, sumSince: String(T - 90_000), count: 1, later: [] };
    const report: BranchReport = { sucursal: "a", version: 9, generatedAt: T - 500, all, departments: {} };
    const { text, validUntil } = companyMetrics("acme", [branch("a"), branch("b")], new Map([["a", report]]), T + 250);
    expect(text).toContain('helpdesk_chats_abiertos{empresa="acme",sucursal="a",estado="nuevo"} 1\nhelpdesk_chats_abiertos{empresa="acme",sucursal="a",estado="pendiente"} 0\n');
    expect(text).toContain('helpdesk_espera_maxima_segundos{empresa="acme",sucursal="a"} 90\nhelpdesk_espera_maxima_segundos{empresa="acme",sucursal="b"} 0\n');
    expect(text).toContain('helpdesk_snapshot_version{empresa="acme",sucursal="a"} 9\nhelpdesk_snapshot_version{empresa="acme",sucursal="b"} 0\n');
    expect(text).toContain('helpdesk_nivel_servicio_ratio{empresa="acme",sucursal="b"} 1\n');
    expect(text.match(/^# TYPE /gm)).toHaveLength(13);
    expect(validUntil).toBe(T + 1000);
    expect(companyMetrics("acme", [branch("b")], new Map(), T).validUntil).toBe(Infinity);
  });
});
