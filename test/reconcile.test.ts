/**
 * docs/integracion.md#reconciliación, `PUT /v1/empresas/{empresa}/sucursales/{sucursal}/chats`: the helpdesk's own truth
 * replaces the open chats atomically, `cerrados_hoy` replaces the day's closed count, older events
 * are fenced off as obsoletos, and every refusal leaves the branch unchanged.
 */
import { describe, expect, it } from "vitest";
import { call, eventAt, provisionBranch, push, putChats, readStatus, storedState, uniqueName, type TestBranch } from "./helpers";

const MINUTE = 60_000;

function fullChat(id_resumen: number, estado: string, espera_desde: number | null, extra: Record<string, unknown> = {}) {
  return {
    id_resumen,
    id_cliente: `CLI${id_resumen}`,
    departamento: "Ventas",
    numero_perfil: "+15551234567",
    numero_cliente: "+15559876543",
    nombre_cliente: `Cliente ${id_resumen}`,
    estado,
    agente: null,
    espera_desde: espera_desde === null ? null : new Date(espera_desde).toISOString(),
    ...extra,
  };
}

/** A branch with chats 1 (waiting), 2 (assigned to ana, answered) and 3 (closed today). */
async function busyBranch(now: number): Promise<TestBranch> {
  const branch = await provisionBranch();
  await push(
    branch,
    eventAt(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo" }, now - 20 * MINUTE),
    eventAt(branch, "chat.actualizado", { id_resumen: 2, estado: "asignado", agente: "ana" }, now - 15 * MINUTE),
    eventAt(branch, "chat.mensaje_agente", { id_resumen: 2 }, now - 14 * MINUTE),
    eventAt(branch, "chat.actualizado", { id_resumen: 3 }, now - 10 * MINUTE),
    eventAt(branch, "chat.cerrado", { id_resumen: 3 }, now - 9 * MINUTE),
  );
  return branch;
}

async function reconcile(branch: TestBranch, body: unknown) {
  const response = await putChats(branch, body);
  expect(response.status).toBe(200);
  return response.json();
}

describe("reconciliation", () => {
  it("replaces the open chats with the helpdesk's truth and answers how many it holds", async () => {
    const now = Date.now();
    const branch = await busyBranch(now);
    const chats = [
      fullChat(2, "pendiente", now - 33.5 * MINUTE, { agente: "luis" }),
      fullChat(4, "icarobot_ia", null),
      fullChat(5, "asignado", null, { agente: "luis", departamento: null }),
    ];
    expect(await reconcile(branch, { tomado_en: new Date(now - 1000).toISOString(), chats, cerrados_hoy: 5 })).toEqual({ chats: 3 });
    const body = await readStatus(branch);
    expect(body.resumen_general).toMatchObject({
      chat_nuevos: 0, chat_pendientes: 1, chat_asignados: 1, chat_icarobot_ia: 1, chat_abiertos: 3,
      chat_cerrados: 5, chat_en_espera_del_cliente: 1, chat_tiempo_espera_60min: 1,
    });
    expect(body.detalle_por_tiempo_espera.de_30_a_60_minutos).toEqual([
      { ...chats[0], minutos_espera: 33 },
    ]);
    expect(body.carga_por_agente).toEqual([{ agente: "luis", chats_asignados: 2, chats_esperando: 1 }]);
    expect(body.por_departamento).toEqual({
      Ventas: { chat_abiertos: 2, chat_esperando: 1 },
      "Sin departamento": { chat_abiertos: 1, chat_esperando: 0 },
    });
  });

  it("drops the open chats it does not list without counting them closed", async () => {
    const now = Date.now();
    const branch = await busyBranch(now);
    await reconcile(branch, { tomado_en: new Date(now).toISOString(), chats: [], cerrados_hoy: 0 });
    expect((await readStatus(branch)).resumen_general).toMatchObject({ chat_abiertos: 0, chat_cerrados: 0 });
  });

  it("replaces the day's closed count, and later closes add to it", async () => {
    const now = Date.now();
    const branch = await busyBranch(now);
    expect((await readStatus(branch)).resumen_general.chat_cerrados).toBe(1);
    await reconcile(branch, { tomado_en: new Date(now - 2 * MINUTE).toISOString(), chats: [fullChat(7, "nuevo", now - 3 * MINUTE)], cerrados_hoy: 40 });
    expect((await readStatus(branch)).resumen_general.chat_cerrados).toBe(40);
    await push(branch, eventAt(branch, "chat.cerrado", { id_resumen: 7 }, now - MINUTE));
    expect((await readStatus(branch)).resumen_general).toMatchObject({ chat_abiertos: 0, chat_cerrados: 41 });
  });

  it("fences off every event older than tomado_en as obsoleto, even for chats it did not list", async () => {
    const now = Date.now();
    const branch = await busyBranch(now);
    const takenAt = now - 5 * MINUTE;
    await reconcile(branch, { tomado_en: new Date(takenAt).toISOString(), chats: [fullChat(1, "nuevo", now - 20 * MINUTE)], cerrados_hoy: 0 });
    const stored = await storedState(branch);
    const older = [
      eventAt(branch, "chat.cerrado", { id_resumen: 1 }, takenAt - 1000),
      eventAt(branch, "chat.actualizado", { id_resumen: 99, estado: "nuevo" }, takenAt - MINUTE),
    ];
    expect(await push(branch, ...older)).toEqual({ aceptados: 0, duplicados: 0, obsoletos: 2 });
    expect(await storedState(branch)).toEqual(stored);
    const newer = [
      eventAt(branch, "chat.mensaje_agente", { id_resumen: 1 }, takenAt),
      eventAt(branch, "chat.actualizado", { id_resumen: 99, estado: "nuevo" }, takenAt + 1000),
    ];
    expect(await push(branch, ...newer)).toEqual({ aceptados: 2, duplicados: 0, obsoletos: 0 });
    expect((await readStatus(branch)).resumen_general).toMatchObject({ chat_abiertos: 2, chat_en_espera_del_cliente: 1 });
  });

  it("keeps counting first responses of a chat it listed as waiting", async () => {
    const now = Date.now();
    const branch = await provisionBranch();
    await reconcile(branch, { tomado_en: new Date(now - 5 * MINUTE).toISOString(), chats: [fullChat(1, "nuevo", now - 8 * MINUTE)], cerrados_hoy: 0 });
    await push(branch, eventAt(branch, "chat.mensaje_agente", { id_resumen: 1 }, now - 2 * MINUTE));
    expect((await readStatus(branch)).metricas).toMatchObject({ primera_respuesta_promedio_min: 6, nivel_servicio_pct: 100 });
  });
});

describe("reconciliation refusals leave the branch unchanged", () => {
  const valid = (now: number) => ({ tomado_en: new Date(now).toISOString(), chats: [fullChat(8, "nuevo", now - MINUTE)], cerrados_hoy: 3 });

  async function expectRefused(branch: TestBranch, send: () => Promise<Response>, status: number, message: string) {
    const before = await storedState(branch);
    const response = await send();
    expect(response.status).toBe(status);
    const body = (await response.json()) as { message: string; errores?: unknown };
    expect(body.message).toBe(message);
    expect(await storedState(branch)).toEqual(before);
    return body;
  }

  it("401 without a valid ingest key", async () => {
    const now = Date.now();
    const branch = await busyBranch(now);
    await expectRefused(branch, () => putChats(branch, valid(now), "hk_0000000000000000_wrongwrongwrongwrongwrong"), 401, "Unauthorized");
  });

  it("415, 413 and 400 for a body that is not JSON of at most 1 MiB", async () => {
    const now = Date.now();
    const branch = await busyBranch(now);
    const put = (body: string, type = "application/json") =>
      call(`/v1/empresas/${branch.empresa}/sucursales/${branch.sucursal}/chats`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${branch.key}`, "Content-Type": type },
        body,
      });
    await expectRefused(branch, () => put(JSON.stringify(valid(now)), "text/csv"), 415, "Content-Type debe ser application/json");
    await expectRefused(branch, () => put(`{"relleno": "${"x".repeat(1024 * 1024)}"}`), 413, "El cuerpo supera el máximo de 1 MiB");
    await expectRefused(branch, () => put("{"), 400, "El cuerpo no es JSON válido");
  });

  it("400 with errores for an invalid body: a chat without estado, a negative count", async () => {
    const now = Date.now();
    const branch = await busyBranch(now);
    const { estado: _, ...withoutEstado } = fullChat(8, "nuevo", null);
    const body = await expectRefused(
      branch,
      () => putChats(branch, { tomado_en: new Date(now).toISOString(), chats: [fullChat(9, "nuevo", null), withoutEstado], cerrados_hoy: -1 }),
      400,
      "Cuerpo inválido",
    );
    expect(body.errores).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ campo: "chats.1.estado" }),
        expect.objectContaining({ campo: "cerrados_hoy" }),
      ]),
    );
  });

  it("400 for a chat listed twice", async () => {
    const now = Date.now();
    const branch = await busyBranch(now);
    const chats = [fullChat(9, "nuevo", null), fullChat(9, "asignado", null)];
    const body = await expectRefused(branch, () => putChats(branch, { tomado_en: new Date(now).toISOString(), chats, cerrados_hoy: 0 }), 400, "Cuerpo inválido");
    expect(body.errores).toEqual([expect.objectContaining({ campo: "chats.1.id_resumen" })]);
  });

  it("400 for a tomado_en more than 5 minutes ahead", async () => {
    const now = Date.now();
    const branch = await busyBranch(now);
    await expectRefused(branch, () => putChats(branch, valid(now + 6 * MINUTE)), 400, "Cuerpo inválido");
  });

  it("403 for another empresa's branch, 404 for a branch that is not provisioned", async () => {
    const now = Date.now();
    const branch = await busyBranch(now);
    const other = await busyBranch(now);
    await expectRefused(other, () => putChats(branch, valid(now), branch.key, other), 403, "La clave de ingesta no pertenece a la empresa de la sucursal");
    const missing = { empresa: branch.empresa, sucursal: uniqueName("nope") };
    await expectRefused(branch, () => putChats(branch, valid(now), branch.key, missing), 404, "No se encontró configuración para la empresa y sucursal indicadas");
  });
});
