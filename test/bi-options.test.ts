/**
 * docs/guia-api.md#opciones-de-consulta: query options for BI tools: `departamento`, `detalle`, `formato=csv`, their 400s and
 * their place in the order of checks; and the service-level figures of `metricas` against cases
 * computed by hand. The clock is fixed by stubbing `Date.now` (Worker and Durable Object share the
 * test's isolate), so "today" and every wait are exact.
 */
import Papa from "papaparse";
import { afterEach, describe, expect, it, vi } from "vitest";
import { call, event, provisionBranch, push, readStatus, statusPath, type TestBranch, uniqueName, setClock, expectError } from "./helpers";

/** 10:00 in Caracas (UTC−4, no DST). */
const NOW = Date.parse("2031-03-10T14:00:00.000Z");

afterEach(() => vi.restoreAllMocks());

/** Chats in two departments and none, with agents, a close each, and one chat waiting for the customer. */
async function branchWithDepartments(): Promise<TestBranch> {
  const branch = await provisionBranch();
  setClock(NOW);
  await push(
    branch,
    event(branch, "chat.actualizado", { id_resumen: 1, departamento: "Ventas", estado: "asignado", agente: "ana" }, 25),
    event(branch, "chat.actualizado", { id_resumen: 2, departamento: "Ventas", estado: "asignado", agente: "ana" }, 15),
    event(branch, "chat.mensaje_agente", { id_resumen: 2 }, 12),
    event(branch, "chat.actualizado", { id_resumen: 3, departamento: "Soporte", estado: "nuevo" }, 5),
    event(branch, "chat.actualizado", { id_resumen: 4, departamento: "Soporte", estado: "asignado", agente: "luis" }, 40),
    event(branch, "chat.actualizado", { id_resumen: 5, estado: "pendiente" }, 70),
    event(branch, "chat.actualizado", { id_resumen: 6, estado: "icarobot_ia" }, 3),
    event(branch, "chat.actualizado", { id_resumen: 7, departamento: "Ventas", estado: "nuevo" }, 30),
    event(branch, "chat.cerrado", { id_resumen: 7 }, 20),
    event(branch, "chat.actualizado", { id_resumen: 8, departamento: "Soporte", estado: "nuevo" }, 30),
    event(branch, "chat.cerrado", { id_resumen: 8 }, 20),
  );
  return branch;
}

const waitingIds = (body: any) => Object.values(body.detalle_por_tiempo_espera).flat().map((chat: any) => chat.id_resumen);

describe("departamento", () => {
  it("restricts every figure and list to one department", async () => {
    const branch = await branchWithDepartments();
    const body = await readStatus(branch, "&departamento=Ventas");
    expect(body.resumen_general).toMatchObject({
      chat_nuevos: 0, chat_asignados: 2, chat_abiertos: 2, chat_cerrados: 1, chat_en_espera_del_cliente: 1,
      chat_tiempo_espera_20min: 0, chat_tiempo_espera_30min: 1,
    });
    expect(waitingIds(body)).toEqual([1]);
    expect(body.carga_por_agente).toEqual([{ agente: "ana", chats_asignados: 2, chats_esperando: 1 }]);
    expect(body.por_departamento).toEqual({ Ventas: { chat_abiertos: 2, chat_esperando: 1 } });
    expect(body.metricas).toMatchObject({ espera_maxima_min: 25, espera_promedio_min: 25 });
  });

  it("groups chats without a department under “Sin departamento”, and filters by that name", async () => {
    const branch = await branchWithDepartments();
    const all = await readStatus(branch);
    expect(all.por_departamento["Sin departamento"]).toEqual({ chat_abiertos: 2, chat_esperando: 1 });
    const body = await readStatus(branch, `&departamento=${encodeURIComponent("Sin departamento")}`);
    expect(body.resumen_general).toMatchObject({ chat_pendientes: 1, chat_icarobot_ia: 1, chat_abiertos: 2, chat_cerrados: 0 });
    expect(waitingIds(body)).toEqual([5]);
    expect(body.carga_por_agente).toEqual([]);
    expect(Object.keys(body.por_departamento)).toEqual(["Sin departamento"]);
  });

  it("adds up, department by department, to the whole branch", async () => {
    const branch = await branchWithDepartments();
    const all = await readStatus(branch);
    const parts = await Promise.all(Object.keys(all.por_departamento).map((name) => readStatus(branch, `&departamento=${encodeURIComponent(name)}`)));
    for (const key of Object.keys(all.resumen_general)) {
      expect(parts.reduce((sum, part) => sum + part.resumen_general[key], 0), key).toBe(all.resumen_general[key]);
    }
  });

  it("answers zeros for a department with no chats", async () => {
    const branch = await branchWithDepartments();
    const body = await readStatus(branch, "&departamento=Cobranza");
    expect(Object.values(body.resumen_general).every((value) => value === 0)).toBe(true);
    expect(waitingIds(body)).toEqual([]);
    expect(body.por_departamento).toEqual({});
    expect(body.metricas).toEqual({ espera_maxima_min: 0, espera_promedio_min: 0, primera_respuesta_promedio_min: 0, nivel_servicio_pct: 100 });
  });
});

describe("detalle and formato=json", () => {
  it("omits detalle_por_tiempo_espera with detalle=false and keeps every count", async () => {
    const branch = await branchWithDepartments();
    const full = await readStatus(branch);
    const light = await readStatus(branch, "&detalle=false");
    expect(light).not.toHaveProperty("detalle_por_tiempo_espera");
    expect(Object.keys(light)).toEqual(Object.keys(full).filter((key) => key !== "detalle_por_tiempo_espera"));
    expect(light.resumen_general).toEqual(full.resumen_general);
  });

  it("answers the default body for detalle=true and for formato=json", async () => {
    const branch = await branchWithDepartments();
    const plain = await readStatus(branch);
    expect(await readStatus(branch, "&detalle=true")).toEqual(plain);
    expect(await readStatus(branch, "&formato=json")).toEqual(plain);
    expect(plain.detalle_por_tiempo_espera).toBeDefined();
  });
});

describe("formato=csv", () => {
  const HEADER = ["bucket", "estado", "minutos_espera", "id_resumen", "id_cliente", "departamento", "numero_perfil", "numero_cliente", "nombre_cliente", "agente", "espera_desde"];

  async function readCsv(branch: TestBranch, extra = "") {
    const response = await call(statusPath(branch, `&formato=csv${extra}`));
    expect(response.status).toBe(200);
    const text = await response.text();
    const parsed = Papa.parse<Record<string, string>>(text.trimEnd(), { header: true, newline: "\r\n" });
    expect(parsed.errors).toEqual([]);
    return { response, text, fields: parsed.meta.fields, rows: parsed.data };
  }

  it("serves text/csv inline, named after the branch", async () => {
    const branch = await branchWithDepartments();
    const { response } = await readCsv(branch);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe(`inline; filename="helpdesk-status-${branch.empresa}-${branch.sucursal}.csv"`);
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  it("has a header row and one CRLF-terminated row per waiting chat, in the JSON's order", async () => {
    const branch = await branchWithDepartments();
    const json = await readStatus(branch);
    const { text, fields, rows } = await readCsv(branch);
    expect(fields).toEqual(HEADER);
    expect(text.endsWith("\r\n")).toBe(true);
    expect(text.replaceAll("\r\n", "")).not.toMatch(/[\r\n]/);
    const expected = Object.entries(json.detalle_por_tiempo_espera).flatMap(([bucket, list]: [string, any]) =>
      list.map((chat: any) => Object.fromEntries(HEADER.map((name) => [name, String((name === "bucket" ? bucket : chat[name]) ?? "")]))),
    );
    expect(rows).toEqual(expected);
    expect(rows.map((row) => row.id_resumen)).toEqual(["3", "1", "4", "5"]);
  });

  it("quotes commas, quotes and newlines, neutralises formulas, and keeps phone numbers", async () => {
    const branch = await provisionBranch();
    setClock(NOW);
    await push(branch, event(branch, "chat.actualizado", {
      id_resumen: 1, id_cliente: "@SUM(1+1)", departamento: "-Ventas", numero_perfil: "+15551234567",
      numero_cliente: "+584121234567", nombre_cliente: 'Pérez, "Juanito"\nJr', estado: "nuevo", agente: "=HYPERLINK(\"http://x\")",
    }, 4));
    const { text, rows } = await readCsv(branch);
    expect(rows).toEqual([{
      bucket: "menos_10_minutos", estado: "nuevo", minutos_espera: "4", id_resumen: "1", id_cliente: "'@SUM(1+1)",
      departamento: "'-Ventas", numero_perfil: "+15551234567", numero_cliente: "+584121234567",
      nombre_cliente: 'Pérez, "Juanito"\nJr', agente: "'=HYPERLINK(\"http://x\")", espera_desde: new Date(NOW - 4 * 60_000).toISOString(),
    }]);
    expect(text).toContain(`,+15551234567,+584121234567,"Pérez, ""Juanito""\nJr","'=HYPERLINK(""http://x"")",`);
  });

  it("writes a chat's missing fields as empty cells", async () => {
    const branch = await provisionBranch();
    setClock(NOW);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 9 }, 1));
    const { text } = await readCsv(branch);
    expect(text.split("\r\n")[1]).toBe(`menos_10_minutos,nuevo,1,9,,,,,,,${new Date(NOW - 60_000).toISOString()}`);
  });

  it("lists only the department's chats with departamento", async () => {
    const branch = await branchWithDepartments();
    const { rows } = await readCsv(branch, "&departamento=Soporte");
    expect(rows.map((row) => [row.id_resumen, row.departamento])).toEqual([["3", "Soporte"], ["4", "Soporte"]]);
  });

  it("still lists the waiting chats with detalle=false: the rows are the detail", async () => {
    const branch = await branchWithDepartments();
    const { rows } = await readCsv(branch, "&detalle=false");
    expect(rows).toHaveLength(4);
  });

  it("is the header row alone when no chat is waiting", async () => {
    const branch = await provisionBranch();
    const { text } = await readCsv(branch);
    expect(text).toBe(`${HEADER.join(",")}\r\n`);
  });
});

describe("invalid option values", () => {
  it.each([
    ["formato", "xml"],
    ["formato", "CSV"],
    ["formato", ""],
    ["detalle", "no"],
    ["detalle", "1"],
    ["detalle", ""],
    ["departamento", ""],
    ["departamento", "x".repeat(513)],
  ])("rejects %s=%j", async (name, value) => {
    const branch = await provisionBranch();
    await expectError(statusPath(branch, `&${name}=${encodeURIComponent(value)}`), 400, `Parámetro inválido: ${name}`);
  });

  it("checks missing parameters and identifiers first", async () => {
    await expectError("/helpdesk-status/?empresa=a&formato=xml", 400, "Faltan parámetros requeridos: token, sucursal");
    await expectError("/helpdesk-status/?token=x&empresa=../a&sucursal=b&formato=xml", 400, "Parámetro inválido: empresa");
  });

  it("checks the option values before looking up the branch or the token", async () => {
    await expectError(`/helpdesk-status/?token=x&empresa=${uniqueName()}&sucursal=b&detalle=no`, 400, "Parámetro inválido: detalle");
    const branch = await provisionBranch();
    await expectError(statusPath({ ...branch, token: "not-the-right-token" }, "&formato=pdf"), 400, "Parámetro inválido: formato");
  });
});

describe("service-level figures since local midnight (objetivo from the branch's configuration)", () => {
  /**
   * With objetivo_respuesta_min 5, answers today (minutes from wait to answer):
   *   chat 1 (Ventas) 5 → on time (the limit counts) — first response 5
   *   chat 2 (Ventas) 6 → late — first response 6; then waits again and is answered in 2 → on time
   *   chat 3 (none)   leaves the bot, answered in 3 → on time — first response 3 (from leaving the bot)
   *   chat 5 (none)   first answered yesterday (not counted); today answered in 13 → late, not a first response
   *   chat 4 (Ventas) and chat 7 (Soporte) still wait: not answered, not counted.
   * nivel_servicio_pct = 3 / 5 = 60; primera_respuesta_promedio_min = (5 + 6 + 3) / 3 = 4.67 → 4.7.
   * Waits now: 20 and 7.5 minutes → espera_maxima_min 20, espera_promedio_min 13.75 → 13.8.
   */
  async function branchWithAnswers(settings: Record<string, unknown>): Promise<TestBranch> {
    const branch = await provisionBranch(settings);
    setClock(NOW);
    await push(
      branch,
      event(branch, "chat.actualizado", { id_resumen: 1, departamento: "Ventas", estado: "nuevo" }, 60),
      event(branch, "chat.mensaje_agente", { id_resumen: 1 }, 55),
      event(branch, "chat.mensaje_agente", { id_resumen: 1 }, 50),
      event(branch, "chat.actualizado", { id_resumen: 2, departamento: "Ventas", estado: "nuevo" }, 50),
      event(branch, "chat.mensaje_agente", { id_resumen: 2 }, 44),
      event(branch, "chat.mensaje_cliente", { id_resumen: 2 }, 40),
      event(branch, "chat.mensaje_agente", { id_resumen: 2 }, 38),
      event(branch, "chat.actualizado", { id_resumen: 3, estado: "icarobot_ia" }, 60),
      event(branch, "chat.actualizado", { id_resumen: 3, estado: "asignado", agente: "ana" }, 30),
      event(branch, "chat.mensaje_agente", { id_resumen: 3 }, 27),
      event(branch, "chat.actualizado", { id_resumen: 4, departamento: "Ventas", estado: "pendiente" }, 20),
      event(branch, "chat.actualizado", { id_resumen: 5, estado: "nuevo" }, 11 * 60), // 23:00 yesterday, local
      event(branch, "chat.mensaje_agente", { id_resumen: 5 }, 10 * 60 + 30),
      event(branch, "chat.mensaje_cliente", { id_resumen: 5 }, 15),
      event(branch, "chat.mensaje_agente", { id_resumen: 5 }, 2),
      event(branch, "chat.actualizado", { id_resumen: 7, departamento: "Soporte", estado: "nuevo" }, 7.5),
    );
    return branch;
  }

  it("computes the branch's figures", async () => {
    const branch = await branchWithAnswers({ objetivo_respuesta_min: 5 });
    expect((await readStatus(branch)).metricas).toEqual({
      espera_maxima_min: 20, espera_promedio_min: 13.8, primera_respuesta_promedio_min: 4.7, nivel_servicio_pct: 60,
    });
  });

  it("computes each department's figures with departamento", async () => {
    const branch = await branchWithAnswers({ objetivo_respuesta_min: 5 });
    // Ventas: on time 5 and 2, late 6 → 2/3 = 66.7 %; first responses 5 and 6 → 5.5.
    expect((await readStatus(branch, "&departamento=Ventas")).metricas).toEqual({
      espera_maxima_min: 20, espera_promedio_min: 20, primera_respuesta_promedio_min: 5.5, nivel_servicio_pct: 66.7,
    });
    // Sin departamento: on time 3, late 13 → 50 %; first response 3.
    expect((await readStatus(branch, `&departamento=${encodeURIComponent("Sin departamento")}`)).metricas).toEqual({
      espera_maxima_min: 0, espera_promedio_min: 0, primera_respuesta_promedio_min: 3, nivel_servicio_pct: 50,
    });
  });

  it("measures against the branch's objetivo_respuesta_min: with the default 10, the 6-minute answer is on time", async () => {
    const branch = await branchWithAnswers({});
    expect((await readStatus(branch)).metricas.nivel_servicio_pct).toBe(80);
  });

  it("starts again at local midnight: no answers yet means 100 % and 0 minutes", async () => {
    const branch = await branchWithAnswers({ objetivo_respuesta_min: 5 });
    setClock(Date.parse("2031-03-11T04:00:00.000Z")); // 00:00 in Caracas
    const { metricas } = await readStatus(branch);
    expect(metricas.nivel_servicio_pct).toBe(100);
    expect(metricas.primera_respuesta_promedio_min).toBe(0);
  });

  it("counts the day in the branch's time zone", async () => {
    // NOW is 23:00 in Tokyo, where chat 5's first answer (03:30 UTC = 12:30) is also today: answered
    // in 30 minutes, late, and a first response. On time 3 of 6 → 50 %; first responses 5, 6, 3, 30 → 11.
    const branch = await branchWithAnswers({ objetivo_respuesta_min: 5, zona_horaria: "Asia/Tokyo" });
    const { metricas } = await readStatus(branch);
    expect(metricas.nivel_servicio_pct).toBe(50);
    expect(metricas.primera_respuesta_promedio_min).toBe(11);
  });
});
