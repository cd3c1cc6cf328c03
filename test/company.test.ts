/**
 * The company view (docs/empresa.md) through the real Worker, its branch objects and its company
 * object: company tokens, the roll-up as each branch's own figures, departments, ordering,
 * deprovisioning, the errors of the read, CSV, ETag, HEAD and CORS.
 */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CompanyBody } from "../src/schemas/company";
import { ADMIN_TOKEN, admin, branchObject, call, companyObject, event, expectError, issueCompanyToken, provisionBranch, provisionCompany, push, readStatus, setClock, settle, uniqueName } from "./helpers";

afterEach(() => vi.restoreAllMocks());

function companyPath(empresa: string, token: string, extra = ""): string {
  return `/helpdesk-status/empresa?${new URLSearchParams({ token, empresa })}${extra}`;
}

describe("company administration", () => {
  it("shows the company's branches ordered by sucursal and its company tokens, never a token or hash", async () => {
    const empresa = uniqueName("emp");
    const second = await provisionBranch({ nombre: "Zeta", zona_horaria: "America/Bogota" }, empresa);
    const first = await provisionBranch({ nombre: "Alfa" }, empresa);
    const issued = await issueCompanyToken(empresa, { etiqueta: "gerencia" });
    const response = await admin("GET", `/empresas/${empresa}`);
    expect(response.status).toBe(200);
    const body = await response.json<any>();
    const expected = [
      { sucursal: first.sucursal, nombre: "Alfa", zona_horaria: "America/Caracas" },
      { sucursal: second.sucursal, nombre: "Zeta", zona_horaria: "America/Bogota" },
    ].sort((a, b) => (a.sucursal < b.sucursal ? -1 : 1));
    expect(body).toEqual({ empresa, sucursales: expected, tokens: [{ id: issued.id, etiqueta: "gerencia", creado_en: expect.any(String) }] });
    expect(JSON.stringify(body)).not.toContain(issued.token);
    // The stored record holds only a hash.
    expect(await env.CONFIG.get(`empresa:${empresa}`)).not.toContain(issued.token);
  });

  it("answers 404 for a company with no branch, and issues no token for it", async () => {
    const empresa = uniqueName("emp");
    await expectError(`/v1/admin/empresas/${empresa}`, 404, "No se encontró configuración para la empresa indicada", { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    const response = await admin("POST", `/empresas/${empresa}/tokens`, {});
    expect(response.status).toBe(404);
    expect(await env.CONFIG.get(`empresa:${empresa}`)).toBeNull();
  });

  it("refuses without the admin token, changing nothing", async () => {
    const { empresa } = await provisionCompany(1);
    const before = await env.CONFIG.get(`empresa:${empresa}`);
    await expectError(`/v1/admin/empresas/${empresa}/tokens`, 401, "Unauthorized", { method: "POST", headers: { Authorization: "Bearer wrong" } });
    expect(await env.CONFIG.get(`empresa:${empresa}`)).toBe(before);
  });

  it("imports a token of 16 characters or more, refuses a shorter one and an active one", async () => {
    const { empresa } = await provisionCompany(1);
    const before = await env.CONFIG.get(`empresa:${empresa}`);
    expect((await admin("POST", `/empresas/${empresa}/tokens`, { token: "short" })).status).toBe(400);
    expect(await env.CONFIG.get(`empresa:${empresa}`)).toBe(before);
    const imported = await issueCompanyToken(empresa, { token: "imported-company-token-1" });
    expect(imported.token).toBe("imported-company-token-1");
    expect((await admin("POST", `/empresas/${empresa}/tokens`, { token: "imported-company-token-1" })).status).toBe(409);
  });

  it("revokes a company token: 204, then it opens nothing; an unknown id is 404", async () => {
    const { empresa, token, tokenId, branches } = await provisionCompany(1);
    expect((await call(companyPath(empresa, token))).status).toBe(200);
    expect((await admin("DELETE", `/empresas/${empresa}/tokens/${tokenId}`)).status).toBe(204);
    expect((await admin("DELETE", `/empresas/${empresa}/tokens/${tokenId}`)).status).toBe(404);
    // The writing isolate drops its own copy at once (others within the documented 2 minutes).
    await expectError(companyPath(empresa, token), 401, "Unauthorized: Token no válido");
    await expectError(`/helpdesk-status/?${new URLSearchParams({ token, empresa, sucursal: branches[0].sucursal })}`, 401, "Unauthorized: Token no válido");
  });
});

describe("company tokens on branch endpoints", () => {
  it("open every read endpoint of each branch of the company", async () => {
    const { empresa, token, branches } = await provisionCompany(2);
    for (const branch of branches) {
      const query = new URLSearchParams({ token, empresa, sucursal: branch.sucursal });
      expect((await call(`/helpdesk-status/?${query}`)).status).toBe(200);
      expect((await call(`/helpdesk-status/serie?${query}`)).status).toBe(200);
      const bearer = await call(`/helpdesk-status/?${new URLSearchParams({ empresa, sucursal: branch.sucursal })}`, { headers: { Authorization: `Bearer ${token}` } });
      expect(bearer.status).toBe(200);
    }
  });

  it("do not open another company's branches", async () => {
    const one = await provisionCompany(1);
    const other = await provisionCompany(1);
    const query = new URLSearchParams({ token: one.token, empresa: other.empresa, sucursal: other.branches[0].sucursal });
    await expectError(`/helpdesk-status/?${query}`, 401, "Unauthorized: Token no válido");
  });
});

describe("GET /helpdesk-status/empresa errors", () => {
  it("names every missing parameter", async () => {
    await expectError("/helpdesk-status/empresa", 400, "Faltan parámetros requeridos: token, empresa");
    await expectError("/helpdesk-status/empresa?empresa=acme", 400, "Faltan parámetros requeridos: token");
    await expectError("/helpdesk-status/empresa?token=abcdefabcdefabcdef", 400, "Faltan parámetros requeridos: empresa");
  });

  it("rejects an invalid identifier or option", async () => {
    const { empresa, token } = await provisionCompany(1);
    await expectError(companyPath("bad empresa!", token), 400, "Parámetro inválido: empresa");
    await expectError(companyPath(empresa, token, "&formato=xml"), 400, "Parámetro inválido: formato");
    await expectError(companyPath(empresa, token, "&departamento="), 400, "Parámetro inválido: departamento");
  });

  it("is 404 for a company with no branch, 401 for a branch token or another company's token", async () => {
    const { empresa, branches } = await provisionCompany(1);
    const other = await provisionCompany(1);
    await expectError(companyPath(uniqueName("none"), other.token), 404, "No se encontró configuración para la empresa indicada");
    await expectError(companyPath(empresa, branches[0].token), 401, "Unauthorized: Token no válido");
    await expectError(companyPath(empresa, other.token), 401, "Unauthorized: Token no válido");
  });

  it("answers 405 with Allow for other methods", async () => {
    const { empresa, token } = await provisionCompany(1);
    const response = await expectError(companyPath(empresa, token), 405, "Método no permitido", { method: "POST" });
    expect(response.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
  });
});

describe("the company roll-up", () => {
  it("lists every branch, each entry equal to its own status without detail, and sums them", async () => {
    const T = Date.parse("2026-11-24T15:00:00.000Z");
    setClock(T);
    const { empresa, token, branches } = await provisionCompany(3, (i) => ({ nombre: `Sucursal ${i}` }));
    const [a, b] = branches;
    await push(a, event(a, "chat.actualizado", { id_resumen: 1, estado: "nuevo", departamento: "Ventas" }, 15), event(a, "chat.actualizado", { id_resumen: 2, estado: "asignado", agente: "ana" }, 3));
    await push(b, event(b, "chat.actualizado", { id_resumen: 1, estado: "pendiente", departamento: "Soporte" }, 65), event(b, "chat.actualizado", { id_resumen: 2, estado: "nuevo" }, 2), event(b, "chat.mensaje_agente", { id_resumen: 2 }, 1));
    await settle(empresa, branches, T + 1500);

    const response = await call(companyPath(empresa, token));
    expect(response.status).toBe(200);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expect(response.headers.get("Cache-Control")).toBe("no-cache");
    const body = await response.json<any>();
    expect(CompanyBody.strict().safeParse(body).error).toBeUndefined();
    expect(body.empresa).toBe(empresa);
    expect(body.sucursales.map((entry: any) => entry.sucursal)).toEqual(branches.map((branch) => branch.sucursal).sort());
    for (const entry of body.sucursales) {
      const branch = branches.find((candidate) => candidate.sucursal === entry.sucursal)!;
      const own = await readStatus(branch, "&detalle=false");
      // generado_en: when each side computed its figures (a branch unchanged since it reported reports no more).
      expect(entry).toEqual({
        sucursal: own.sucursal.sucursal,
        nombre: own.sucursal.nombre,
        zona_horaria: own.sucursal.zona_horaria,
        resumen_general: own.resumen_general,
        metricas: own.metricas,
        version: own.version,
        generado_en: expect.any(String),
      });
      expect(Date.parse(entry.generado_en)).toBeLessThanOrEqual(Date.parse(own.generado_en));
    }
    for (const key of Object.keys(body.resumen_general)) {
      expect(body.resumen_general[key]).toBe(body.sucursales.reduce((sum: number, entry: any) => sum + entry.resumen_general[key], 0));
    }
    expect(body.resumen_general).toMatchObject({ chat_nuevos: 2, chat_pendientes: 1, chat_asignados: 1, chat_abiertos: 4, chat_en_espera_del_cliente: 1 });
    expect(body.metricas.espera_maxima_min).toBe(65);
    // Waiting for the business: 15 and 3 minutes at a, 65 at b: (9 × 2 + 65 × 1) / 3.
    expect(body.metricas.espera_promedio_min).toBe(Math.round(((9 * 2 + 65) / 3) * 10) / 10);
    // The third branch has no chats: zeros.
    const empty = body.sucursales.find((entry: any) => entry.sucursal === branches[2].sucursal);
    expect(empty.resumen_general.chat_abiertos).toBe(0);
    expect(empty.metricas.nivel_servicio_pct).toBe(100);
  });

  it("follows time: a chat crossing a bucket reaches the company with no event", async () => {
    const T = Date.parse("2026-11-24T15:30:00.000Z");
    setClock(T);
    const { empresa, branches } = await provisionCompany(1);
    const [a] = branches;
    await push(a, event(a, "chat.actualizado", { id_resumen: 1 }, 9.5));
    await settle(empresa, branches, T + 1500);
    const figures = async () => (await companyObject(empresa).reports()).reports[0].all.resumen_general;
    expect(await figures()).toMatchObject({ chat_tiempo_espera_menos_10min: 1, chat_tiempo_espera_20min: 0 });
    setClock(T + 60_000);
    await vi.waitFor(
      async () => {
        await runDurableObjectAlarm(branchObject(a));
        expect(await figures()).toMatchObject({ chat_tiempo_espera_menos_10min: 0, chat_tiempo_espera_20min: 1 });
      },
      { timeout: 10_000, interval: 50 },
    );
  });

  it("shows a branch's event within 1 s, even one acknowledged just after a report and read from the cache", async () => {
    // Far from the real clock, so only the alarms the test runs ever fire.
    const T = Date.parse("2031-03-10T12:00:00.000Z");
    setClock(T);
    const { empresa, token, branches } = await provisionCompany(1);
    const [a] = branches;
    await settle(empresa, branches, T);
    const versionSeen = async (at: number) => {
      setClock(at);
      await runDurableObjectAlarm(branchObject(a));
      return (await (await call(companyPath(empresa, token))).json<any>()).sucursales[0].version;
    };
    const before = (await readStatus(a, "&detalle=false")).version;
    setClock(T + 10);
    await push(a, event(a, "chat.actualizado", { id_resumen: 1 }, 1));
    // A read in between fills the cache; a read a second after the event still sees the event.
    await versionSeen(T + 520);
    expect(await versionSeen(T + 1010)).toBe(before + 1);
  });

  it("narrows every entry to one department; branches lacking it show zeros", async () => {
    const T = Date.parse("2026-11-24T16:00:00.000Z");
    setClock(T);
    const { empresa, token, branches } = await provisionCompany(2);
    const [a, b] = branches;
    await push(a, event(a, "chat.actualizado", { id_resumen: 1, departamento: "Ventas" }, 5), event(a, "chat.actualizado", { id_resumen: 2, departamento: "Soporte" }, 5));
    await push(b, event(b, "chat.actualizado", { id_resumen: 1, departamento: "Soporte" }, 5));
    await settle(empresa, branches, T + 1500);
    const body = await (await call(companyPath(empresa, token, "&departamento=Ventas"))).json<any>();
    const byBranch = Object.fromEntries(body.sucursales.map((entry: any) => [entry.sucursal, entry.resumen_general.chat_nuevos]));
    expect(byBranch).toEqual({ [a.sucursal]: 1, [b.sucursal]: 0 });
    expect(body.resumen_general.chat_nuevos).toBe(1);
    const own = await readStatus(a, "&detalle=false&departamento=Ventas");
    expect(body.sucursales.find((entry: any) => entry.sucursal === a.sucursal).resumen_general).toEqual(own.resumen_general);
  });

  it("drops a deprovisioned branch, answers 404 without branches, and works again when one is provisioned", async () => {
    const { empresa, token, branches } = await provisionCompany(2);
    expect((await admin("DELETE", `/empresas/${empresa}/sucursales/${branches[0].sucursal}`)).status).toBe(204);
    const body = await (await call(companyPath(empresa, token, "&departamento=x1"))).json<any>();
    expect(body.sucursales.map((entry: any) => entry.sucursal)).toEqual([branches[1].sucursal]);
    expect((await admin("DELETE", `/empresas/${empresa}/sucursales/${branches[1].sucursal}`)).status).toBe(204);
    await expectError(companyPath(empresa, token, "&departamento=x2"), 404, "No se encontró configuración para la empresa indicada");
    expect((await admin("GET", `/empresas/${empresa}`)).status).toBe(404);
    await provisionBranch({}, empresa);
    expect((await call(companyPath(empresa, token, "&departamento=x3"))).status).toBe(200);
  });
});

describe("the company object's reports", () => {
  it("keeps the highest version per branch: a repeated or older report changes nothing", async () => {
    const T = Date.parse("2026-11-24T17:00:00.000Z");
    setClock(T);
    const { empresa, branches } = await provisionCompany(1);
    const [a] = branches;
    await push(a, event(a, "chat.actualizado", { id_resumen: 1 }, 1), event(a, "chat.actualizado", { id_resumen: 2 }, 1));
    await settle(empresa, branches, T + 1500);
    const stub = companyObject(empresa);
    const held = (await stub.reports()).reports[0];
    const before = await stub.serializedRollup(empresa, {});
    expect(await stub.report(held)).toEqual({ accepted: false });
    const older = { ...held, version: held.version - 1, generatedAt: held.generatedAt + 5000, all: { ...held.all, resumen_general: { ...held.all.resumen_general, chat_nuevos: 99 } } };
    expect(await stub.report(older)).toEqual({ accepted: false });
    expect(await stub.serializedRollup(empresa, {})).toEqual(before);
    expect((await stub.reports()).reports).toEqual([held]);
  });

  it("drops a report from a deprovisioned branch, and one that is not a report", async () => {
    const { empresa, branches } = await provisionCompany(2);
    await settle(empresa, branches, Date.now() + 1500);
    const stub = companyObject(empresa);
    const gone = (await stub.reports()).reports.find((report) => report.sucursal === branches[0].sucursal)!;
    expect((await admin("DELETE", `/empresas/${empresa}/sucursales/${branches[0].sucursal}`)).status).toBe(204);
    const before = await stub.reports();
    expect(await stub.report({ ...gone, version: gone.version + 10 })).toEqual({ accepted: false });
    expect(await stub.report({ sucursal: branches[1].sucursal } as any)).toEqual({ accepted: false });
    expect(await stub.reports()).toEqual(before);
  });

  it("exposes per branch what the metrics need: states, buckets, waits' starts, day sums, agents and departments", async () => {
    const T = Date.parse("2026-11-24T18:00:00.000Z");
    setClock(T);
    const { empresa, branches } = await provisionCompany(1);
    const [a] = branches;
    await push(a, event(a, "chat.actualizado", { id_resumen: 1, agente: "ana", estado: "asignado", departamento: "Ventas" }, 12), event(a, "chat.actualizado", { id_resumen: 2 }, 2));
    await settle(empresa, branches, T + 1500);
    const [report] = (await companyObject(empresa).reports()).reports;
    expect(report.all.wait).toEqual({ oldestSince: T - 12 * 60_000, sumSince: String(T - 12 * 60_000 + T - 2 * 60_000), count: 2, later: [] });
    expect(report.all.carga_por_agente).toEqual([{ agente: "ana", chats_asignados: 1, chats_esperando: 1 }]);
    expect(report.all.por_departamento).toEqual({ Ventas: { chat_abiertos: 1, chat_esperando: 1 }, "Sin departamento": { chat_abiertos: 1, chat_esperando: 1 } });
    expect(Object.keys(report.departments).sort()).toEqual(["Sin departamento", "Ventas"]);
    expect(report.departments.Ventas.resumen_general.chat_tiempo_espera_20min).toBe(1);
  });
});

describe("the company read's HTTP", () => {
  it("answers 304 to its ETag, HEAD without a body, the CORS preflight, and CSV one row per branch", async () => {
    const { empresa, token, branches } = await provisionCompany(2, (i) => ({ nombre: i === 0 ? "=Fórmula" : "Normal" }));
    const first = await call(companyPath(empresa, token));
    const etag = first.headers.get("ETag")!;
    expect(etag).toBeTruthy();
    const again = await call(companyPath(empresa, token), { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    const head = await call(companyPath(empresa, token), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    const preflight = await call("/helpdesk-status/empresa", { method: "OPTIONS", headers: { Origin: "https://tablero.example", "Access-Control-Request-Method": "GET" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Origin")).toBe("*");

    const csv = await call(companyPath(empresa, token, "&formato=csv"));
    expect(csv.headers.get("Content-Type")).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split(/\r\n/);
    expect(lines[0].split(",").slice(0, 4)).toEqual(["sucursal", "nombre", "zona_horaria", "chat_nuevos"]);
    expect(lines[0].endsWith("nivel_servicio_pct,version,generado_en")).toBe(true);
    expect(lines).toHaveLength(1 + branches.length);
    expect(lines.join("\n")).toContain("'=Fórmula");
    expect(csv.headers.get("ETag")).not.toBe(etag);
  });
});
