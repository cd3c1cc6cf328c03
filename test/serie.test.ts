/**
 * docs/guia-api.md#historial: `GET /helpdesk-status/serie`. The branch's alarm writes one sample a minute;
 * the clock is advanced by stubbing `Date.now` (the Worker, the Durable Object and the tests share
 * one isolate) and the alarm is fired with `runDurableObjectAlarm`.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import Papa from "papaparse";
import { afterEach, describe, expect, it, vi } from "vitest";
import { admin, branchObject, call, event, provisionBranch, push, readStatus, seriePath, type TestBranch, uniqueName, setClock, expectError } from "./helpers";

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Half a minute past a minute boundary, far from the real clock, so no real alarm's sample is in range. */
const T0 = Date.parse("2031-03-10T12:00:30.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

afterEach(() => vi.restoreAllMocks());

/** Fires the branch's alarm with the clock at `ms`. */
async function tick(branch: TestBranch, ms: number): Promise<void> {
  setClock(ms);
  await runDurableObjectAlarm(branchObject(branch));
}

/**
 * Provisions a branch and runs the first-sample alarm that provisioning schedules, with the real
 * clock: otherwise it may fire later, after the clock is stubbed, and sample a half-applied minute.
 */
async function settledBranch(): Promise<TestBranch> {
  const branch = await provisionBranch();
  await runDurableObjectAlarm(branchObject(branch));
  // The runtime may have fired that alarm itself a moment before: wait until its sample is stored.
  await vi.waitFor(async () => expect(await readSerie(branch, Date.now() - 2 * MINUTE, Date.now() + MINUTE)).toHaveLength(1));
  return branch;
}

async function readSerie(branch: TestBranch, from: number, to: number): Promise<any[]> {
  const response = await call(seriePath(branch, `&desde=${iso(from)}&hasta=${iso(to)}`));
  expect(response.status).toBe(200);
  return (await response.json<any>()).puntos;
}

describe("the minute-by-minute samples", () => {
  it("writes one sample a minute as the clock advances, each labelled with its minute", async () => {
    const branch = await settledBranch();
    for (let minute = 0; minute < 4; minute++) await tick(branch, T0 + minute * MINUTE);
    const points = await readSerie(branch, T0 - 10 * MINUTE, T0 + 10 * MINUTE);
    expect(points.map((point) => point.en)).toEqual([0, 1, 2, 3].map((minute) => iso(T0 - 30_000 + minute * MINUTE)));
  });

  it("writes no second sample within the same minute", async () => {
    const branch = await settledBranch();
    await tick(branch, T0);
    await tick(branch, T0 + 20_000);
    expect(await readSerie(branch, T0 - MINUTE, T0 + MINUTE)).toHaveLength(1);
  });

  it("records the figures of each minute: a waiting chat moves between buckets with no event", async () => {
    const branch = await settledBranch();
    setClock(T0);
    // Waiting since 8.5 minutes before T0: 8.5, 9.5, 10.5 and 11.5 minutes at the four samples.
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo" }, 8.5));
    for (let minute = 0; minute < 4; minute++) await tick(branch, T0 + minute * MINUTE);
    const points = await readSerie(branch, T0 - MINUTE, T0 + 10 * MINUTE);
    expect(points.map((point) => point.chat_tiempo_espera_menos_10min)).toEqual([1, 1, 0, 0]);
    expect(points.map((point) => point.chat_tiempo_espera_20min)).toEqual([0, 0, 1, 1]);
    expect(points.map((point) => point.espera_maxima_min)).toEqual([8, 9, 10, 11]);
  });

  it("holds exactly the snapshot's resumen_general and metricas at that instant", async () => {
    const branch = await settledBranch();
    setClock(T0);
    await push(
      branch,
      event(branch, "chat.actualizado", { id_resumen: 1, estado: "asignado", agente: "ana" }, 30),
      event(branch, "chat.mensaje_agente", { id_resumen: 1 }, 22),
      event(branch, "chat.actualizado", { id_resumen: 2, estado: "pendiente" }, 14),
      event(branch, "chat.actualizado", { id_resumen: 3, estado: "icarobot_ia" }, 3),
    );
    const snapshot = await readStatus(branch);
    await tick(branch, T0);
    const [point] = await readSerie(branch, T0 - MINUTE, T0 + MINUTE);
    expect(point).toEqual({ en: iso(T0 - 30_000), ...snapshot.resumen_general, ...snapshot.metricas });
    expect(Object.keys(point)).toEqual(["en", ...Object.keys(snapshot.resumen_general), ...Object.keys(snapshot.metricas)]);
  });

  it("keeps samples for 7 days and prunes older ones", async () => {
    const branch = await settledBranch();
    await tick(branch, T0);
    await tick(branch, T0 + DAY);
    const before = await readSerie(branch, T0 - MINUTE, T0 + DAY + MINUTE);
    expect(before).toHaveLength(2);

    await tick(branch, T0 + 7 * DAY + MINUTE);
    const after = await readSerie(branch, T0 - MINUTE, T0 + 7 * DAY - MINUTE);
    expect(after.map((point) => point.en)).toEqual([iso(T0 - 30_000 + DAY)]);
    const stored = await runInDurableObject(branchObject(branch), (_instance, state) =>
      state.storage.sql.exec<{ at: number }>(`SELECT at FROM series WHERE at < ?`, T0 + MINUTE).toArray(),
    );
    expect(stored).toEqual([]);
  });

  it("keeps no history for a deprovisioned branch", async () => {
    const branch = await settledBranch();
    await tick(branch, T0);
    expect((await admin("DELETE", `/empresas/${branch.empresa}/sucursales/${branch.sucursal}`)).status).toBe(204);
    const object = branchObject(branch);
    const rows = await runInDurableObject(object, (_instance, state) => state.storage.sql.exec(`SELECT at FROM series`).toArray());
    expect(rows).toEqual([]);
  });

  it("samples nothing for an object without a configuration", async () => {
    setClock(T0);
    const object = branchObject({ empresa: uniqueName(), sucursal: "nunca-configurada" });
    const after = await runInDurableObject(object, async (instance, state) => {
      await instance.alarm();
      return state.storage.sql.exec(`SELECT at FROM series`).toArray();
    });
    expect(after).toEqual([]);
  });
});

describe("GET /helpdesk-status/serie", () => {
  it("defaults to the last 24 hours", async () => {
    const branch = await settledBranch();
    const now = T0 + 2 * DAY;
    for (const at of [now - DAY - 5 * MINUTE, now - DAY + 5 * MINUTE, now]) await tick(branch, at);
    setClock(now);
    const response = await call(seriePath(branch));
    expect(response.status).toBe(200);
    const { puntos } = await response.json<any>();
    expect(puntos.map((point: any) => point.en)).toEqual([iso(now - DAY + 5 * MINUTE - 30_000), iso(now - 30_000)]);
  });

  it("takes the 24 hours before `hasta` when only `hasta` is given", async () => {
    const branch = await settledBranch();
    for (const at of [T0 - 2 * DAY, T0 - DAY + MINUTE, T0]) await tick(branch, at);
    setClock(T0 + 3 * DAY);
    const response = await call(seriePath(branch, `&hasta=${iso(T0)}`));
    const { puntos } = await response.json<any>();
    expect(puntos.map((point: any) => point.en)).toEqual([iso(T0 - DAY + MINUTE - 30_000), iso(T0 - 30_000)]);
  });

  it("includes both ends of the range", async () => {
    const branch = await settledBranch();
    for (let minute = 0; minute < 3; minute++) await tick(branch, T0 + minute * MINUTE);
    const first = T0 - 30_000;
    expect(await readSerie(branch, first, first + 2 * MINUTE)).toHaveLength(3);
    expect(await readSerie(branch, first + MINUTE, first + MINUTE)).toHaveLength(1);
  });

  it("accepts a range of exactly 7 days", async () => {
    const branch = await settledBranch();
    expect(await readSerie(branch, T0 - 7 * DAY, T0)).toEqual([]);
  });

  it("serves one CSV row per minute, with the JSON points' columns", async () => {
    const branch = await settledBranch();
    setClock(T0);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo" }, 12));
    for (let minute = 0; minute < 3; minute++) await tick(branch, T0 + minute * MINUTE);
    const range = `&desde=${iso(T0 - MINUTE)}&hasta=${iso(T0 + 5 * MINUTE)}`;
    const json = (await (await call(seriePath(branch, range))).json<any>()).puntos;
    const response = await call(seriePath(branch, `${range}&formato=csv`));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("Content-Disposition")).toBe(
      `inline; filename="helpdesk-status-serie-${branch.empresa}-${branch.sucursal}.csv"`,
    );
    const text = await response.text();
    expect(text.endsWith("\r\n")).toBe(true);
    const rows = Papa.parse<Record<string, string>>(text.trimEnd(), { header: true, newline: "\r\n" });
    expect(rows.meta.fields).toEqual(Object.keys(json[0]));
    expect(rows.data).toEqual(json.map((point: any) => Object.fromEntries(Object.entries(point).map(([k, v]) => [k, String(v)]))));
    expect(rows.data).toHaveLength(3);
  });

  it("serves only the header row as CSV when there are no samples in range", async () => {
    const branch = await settledBranch();
    const response = await call(seriePath(branch, `&desde=${iso(T0 - DAY)}&hasta=${iso(T0 - DAY + MINUTE)}&formato=csv`));
    const text = await response.text();
    expect(text.split("\r\n")).toEqual([expect.stringMatching(/^en,chat_nuevos,.*,nivel_servicio_pct$/), ""]);
  });
});

describe("GET /helpdesk-status/serie errors", () => {
  it.each([
    ["a reversed range", `&desde=${iso(T0)}&hasta=${iso(T0 - MINUTE)}`, "desde"],
    ["a range over 7 days", `&desde=${iso(T0 - 7 * DAY - 1000)}&hasta=${iso(T0)}`, "desde"],
    ["a `desde` over 7 days before now, `hasta` left out", `&desde=${iso(Date.now() - 8 * DAY)}`, "desde"],
    ["an unparsable `desde`", "&desde=ayer", "desde"],
    ["an unparsable `hasta`", `&desde=${iso(T0)}&hasta=2031-13-45T99:00:00Z`, "hasta"],
    ["a time without an offset", "&hasta=2031-03-10T12:00:00", "hasta"],
    ["an unknown formato", "&formato=xlsx", "formato"],
  ])("rejects %s as an invalid parameter", async (_name, extra, parameter) => {
    const branch = await settledBranch();
    await expectError(seriePath(branch, extra), 400, `Parámetro inválido: ${parameter}`);
  });

  it("checks missing parameters first, then identifiers, then the range, before looking up the branch", async () => {
    await expectError("/helpdesk-status/serie?desde=ayer&empresa=a", 400, "Faltan parámetros requeridos: token, sucursal");
    await expectError("/helpdesk-status/serie?token=x&empresa=../a&sucursal=b&desde=ayer", 400, "Parámetro inválido: empresa");
    await expectError(`/helpdesk-status/serie?token=x&empresa=${uniqueName()}&sucursal=b&desde=ayer`, 400, "Parámetro inválido: desde");
    await expectError(
      `/helpdesk-status/serie?token=x&empresa=${uniqueName()}&sucursal=b`,
      404,
      "No se encontró configuración para la empresa y sucursal indicadas",
    );
  });

  it("answers 401 for a wrong token", async () => {
    const branch = await settledBranch();
    await expectError(seriePath({ ...branch, token: "not-the-right-token" }), 401, "Unauthorized: Token no válido");
  });

  it("accepts the token as a Bearer header", async () => {
    const branch = await settledBranch();
    const query = new URLSearchParams({ empresa: branch.empresa, sucursal: branch.sucursal });
    const response = await call(`/helpdesk-status/serie?${query}`, { headers: { Authorization: `Bearer ${branch.token}` } });
    expect(response.status).toBe(200);
  });

  it("answers 405 with Allow for any other method", async () => {
    const branch = await settledBranch();
    const response = await call(seriePath(branch), { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
  });

  it("is open to browser dashboards (CORS)", async () => {
    const branch = await settledBranch();
    const response = await call(seriePath(branch), { headers: { Origin: "https://bi.example" } });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
  });
});
