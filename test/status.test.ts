/** docs/guia-api.md#errores and #la-respuesta: the status endpoint's checks in order, the seed's shape, and the model's invariants. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { admin, alteredSecret, call, event, provisionBranch, push, readStatus, statusPath, uniqueName, expectError } from "./helpers";

const SEED_RESUMEN_KEYS = [
  "chat_nuevos", "chat_pendientes", "chat_asignados", "chat_icarobot_ia", "chat_abiertos", "chat_cerrados",
  "chat_en_espera_del_cliente", "chat_tiempo_espera_menos_10min", "chat_tiempo_espera_20min",
  "chat_tiempo_espera_30min", "chat_tiempo_espera_60min", "chat_tiempo_espera_mas_60min",
];
const SEED_BUCKETS = ["menos_10_minutos", "de_10_a_20_minutos", "de_20_a_30_minutos", "de_30_a_60_minutos", "mas_60_minutos"];
const SEED_CHAT_FIELDS = ["id_resumen", "id_cliente", "departamento", "numero_perfil", "numero_cliente", "nombre_cliente"];

describe("GET /helpdesk-status/ errors, in the documented order", () => {
  it("names every missing parameter", async () => {
    await expectError("/helpdesk-status/", 400, "Faltan parámetros requeridos: token, empresa, sucursal");
    await expectError("/helpdesk-status/?empresa=a", 400, "Faltan parámetros requeridos: token, sucursal");
    await expectError("/helpdesk-status/?token=x&empresa=a", 400, "Faltan parámetros requeridos: sucursal");
  });

  it("treats an empty parameter as missing", async () => {
    await expectError("/helpdesk-status/?token=&empresa=a&sucursal=b", 400, "Faltan parámetros requeridos: token");
  });

  it("checks missing parameters before invalid ones", async () => {
    await expectError("/helpdesk-status/?empresa=../etc", 400, "Faltan parámetros requeridos: token, sucursal");
  });

  it("rejects identifiers outside the allowed pattern", async () => {
    await expectError("/helpdesk-status/?token=x&empresa=../etc&sucursal=b", 400, "Parámetro inválido: empresa");
    await expectError("/helpdesk-status/?token=x&empresa=a&sucursal=-b", 400, "Parámetro inválido: sucursal");
    await expectError(`/helpdesk-status/?token=x&empresa=a&sucursal=${"b".repeat(65)}`, 400, "Parámetro inválido: sucursal");
  });

  it("answers 404 for a branch that is not provisioned, whatever the token", async () => {
    await expectError(
      `/helpdesk-status/?token=whatever&empresa=${uniqueName()}&sucursal=nope`,
      404,
      "No se encontró configuración para la empresa y sucursal indicadas",
    );
  });

  it("answers 401 for a wrong token, and for another branch's token", async () => {
    const branch = await provisionBranch();
    const other = await provisionBranch();
    await expectError(statusPath({ ...branch, token: alteredSecret(branch.token) }), 401, "Unauthorized: Token no válido");
    await expectError(statusPath({ ...branch, token: other.token }), 401, "Unauthorized: Token no válido");
  });

  it("answers 405 with Allow for any other method", async () => {
    const branch = await provisionBranch();
    for (const method of ["POST", "PUT", "DELETE", "PATCH"]) {
      const response = await expectError(statusPath(branch), 405, "Método no permitido", { method });
      expect(response.headers.get("Allow")).toBe("GET, HEAD, OPTIONS");
    }
  });

  it("never echoes the token in an error", async () => {
    const branch = await provisionBranch();
    const secret = "s3cr3t-token-value-123";
    const response = await call(statusPath({ ...branch, token: secret }));
    expect(await response.text()).not.toContain(secret);
  });
});

describe("GET /helpdesk-status/ success", () => {
  it("accepts the token as a Bearer header instead of the query", async () => {
    const branch = await provisionBranch();
    const query = new URLSearchParams({ empresa: branch.empresa, sucursal: branch.sucursal });
    const response = await call(`/helpdesk-status?${query}`, { headers: { Authorization: `Bearer ${branch.token}` } });
    expect(response.status).toBe(200);
  });

  it("answers with and without the trailing slash", async () => {
    const branch = await provisionBranch();
    expect((await call(statusPath(branch))).status).toBe(200);
    expect((await call(statusPath(branch).replace("/?", "?"))).status).toBe(200);
  });

  it("keeps the seed's keys and shapes exactly, the additive blocks after them", async () => {
    const branch = await provisionBranch();
    await push(branch, event(branch, "chat.actualizado", {
      id_resumen: 1001, id_cliente: "CLI001", departamento: "Ventas", numero_perfil: "+15551234567",
      numero_cliente: "+15559876543", nombre_cliente: "Juan Perez", estado: "nuevo", agente: null,
    }, 4));
    const body = await readStatus(branch);
    expect(Object.keys(body).slice(0, 2)).toEqual(["resumen_general", "detalle_por_tiempo_espera"]);
    expect(Object.keys(body.resumen_general)).toEqual(SEED_RESUMEN_KEYS);
    expect(Object.keys(body.detalle_por_tiempo_espera)).toEqual(SEED_BUCKETS);
    const [chat] = body.detalle_por_tiempo_espera.menos_10_minutos;
    expect(Object.keys(chat).slice(0, 6)).toEqual(SEED_CHAT_FIELDS);
    expect(chat).toMatchObject({
      id_resumen: 1001, id_cliente: "CLI001", departamento: "Ventas", numero_perfil: "+15551234567",
      numero_cliente: "+15559876543", nombre_cliente: "Juan Perez", estado: "nuevo", agente: null, minutos_espera: 4,
    });
    expect(Object.keys(body)).toEqual([
      "resumen_general", "detalle_por_tiempo_espera", "metricas", "carga_por_agente", "por_departamento",
      "sucursal", "version", "generado_en",
    ]);
    expect(body.sucursal).toEqual({ empresa: branch.empresa, sucursal: branch.sucursal, nombre: branch.sucursal, zona_horaria: "America/Caracas" });
  });

  it("counts each estado and adds them up in chat_abiertos", async () => {
    const branch = await provisionBranch();
    const estados = ["nuevo", "nuevo", "pendiente", "asignado", "asignado", "asignado", "icarobot_ia"];
    await push(branch, ...estados.map((estado, i) => event(branch, "chat.actualizado", { id_resumen: i + 1, estado })));
    const { resumen_general: r } = await readStatus(branch);
    expect([r.chat_nuevos, r.chat_pendientes, r.chat_asignados, r.chat_icarobot_ia]).toEqual([2, 1, 3, 1]);
    expect(r.chat_abiertos).toBe(7);
  });

  it("puts each waiting chat in its bucket, longest-waiting first, with its minutes", async () => {
    const branch = await provisionBranch();
    const waits = [3, 9.9, 10.1, 25, 45, 59.9, 61, 130, 15];
    await push(branch, ...waits.map((minutes, i) => event(branch, "chat.actualizado", { id_resumen: 100 + i, estado: "pendiente" }, minutes)));
    const body = await readStatus(branch);
    const ids = (bucket: string) => body.detalle_por_tiempo_espera[bucket].map((c: any) => c.id_resumen);
    expect(ids("menos_10_minutos")).toEqual([101, 100]);
    expect(ids("de_10_a_20_minutos")).toEqual([108, 102]);
    expect(ids("de_20_a_30_minutos")).toEqual([103]);
    expect(ids("de_30_a_60_minutos")).toEqual([105, 104]);
    expect(ids("mas_60_minutos")).toEqual([107, 106]);
    expect(body.detalle_por_tiempo_espera.mas_60_minutos.map((c: any) => c.minutos_espera)).toEqual([130, 61]);
  });

  it("keeps the invariants: buckets plus waiting-for-customer equal the human chats, counts equal lists", async () => {
    const branch = await provisionBranch();
    await push(
      branch,
      event(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo" }, 70),
      event(branch, "chat.actualizado", { id_resumen: 2, estado: "asignado", agente: "ana" }, 12),
      event(branch, "chat.mensaje_agente", { id_resumen: 2 }, 11),
      event(branch, "chat.actualizado", { id_resumen: 3, estado: "icarobot_ia" }, 5),
      event(branch, "chat.actualizado", { id_resumen: 4, estado: "pendiente" }, 31),
      event(branch, "chat.actualizado", { id_resumen: 5, estado: "nuevo" }, 2),
      event(branch, "chat.cerrado", { id_resumen: 5 }, 1),
    );
    const { resumen_general: r, detalle_por_tiempo_espera: d } = await readStatus(branch);
    const bucketSum = r.chat_tiempo_espera_menos_10min + r.chat_tiempo_espera_20min + r.chat_tiempo_espera_30min
      + r.chat_tiempo_espera_60min + r.chat_tiempo_espera_mas_60min;
    expect(bucketSum + r.chat_en_espera_del_cliente).toBe(r.chat_nuevos + r.chat_pendientes + r.chat_asignados);
    expect(r.chat_en_espera_del_cliente).toBe(1);
    expect(r.chat_abiertos).toBe(4);
    expect(r.chat_cerrados).toBe(1);
    expect(d.mas_60_minutos).toHaveLength(r.chat_tiempo_espera_mas_60min);
    expect(d.de_30_a_60_minutos).toHaveLength(r.chat_tiempo_espera_60min);
  });

  it("changes as chats come and go", async () => {
    const branch = await provisionBranch();
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 9, estado: "nuevo" }));
    const before = await readStatus(branch);
    await push(branch, event(branch, "chat.cerrado", { id_resumen: 9 }));
    const after = await readStatus(branch);
    expect(before.resumen_general.chat_abiertos).toBe(1);
    expect(after.resumen_general.chat_abiertos).toBe(0);
    expect(after.version).toBeGreaterThan(before.version);
  });
});

describe("token comparison", () => {
  afterEach(() => vi.restoreAllMocks());

  it("compares the presented token's hash in constant time", async () => {
    const branch = await provisionBranch();
    const compare = vi.spyOn(crypto.subtle, "timingSafeEqual");
    const response = await call(statusPath({ ...branch, token: "not-the-right-token-at-all" }));
    expect(response.status).toBe(401);
    expect(compare).toHaveBeenCalled();
  });

  it("stores no token in KV, only its hash", async () => {
    const branch = await provisionBranch();
    const { env } = await import("cloudflare:workers");
    const stored = await env.CONFIG.get(`sucursal:${branch.empresa}/${branch.sucursal}`);
    expect(stored).not.toContain(branch.token);
    const shown = await (await admin("GET", `/empresas/${branch.empresa}/sucursales/${branch.sucursal}`)).text();
    expect(shown).not.toContain(branch.token);
    expect(shown).not.toMatch(/hash/);
  });
});

describe("a repeated query parameter", () => {
  it("counts by its first value, as a single one would", async () => {
    const branch = await provisionBranch();
    const query = `token=${branch.token}&empresa=${branch.empresa}&empresa=otra&sucursal=${branch.sucursal}&detalle=false&detalle=true`;
    const response = await call(`/helpdesk-status/?${query}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { sucursal: { empresa: string } };
    expect(body.sucursal.empresa).toBe(branch.empresa);
    expect(body).not.toHaveProperty("detalle_por_tiempo_espera");
  });

  it("is checked by its first value", async () => {
    const branch = await provisionBranch();
    const response = await call(`/helpdesk-status/?token=${branch.token}&empresa=-mala&empresa=${branch.empresa}&sucursal=${branch.sucursal}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ message: "Parámetro inválido: empresa" });
  });
});
