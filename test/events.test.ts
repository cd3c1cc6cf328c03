/**
 * docs/integracion.md, accepted requests: idempotency by event id, per-chat ordering by `ocurrido_en`
 * (ties in array order), close and reopen, and batches spanning several branches of one empresa.
 */
import { describe, expect, it } from "vitest";
import { eventAt, postEvents, provisionBranch, push, readStatus, storedState, uniqueName, type TestBranch } from "./helpers";

const MINUTE = 60_000;

/** The detail entry of one chat, wherever it is, or undefined when it is not waiting. */
async function waitingChat(branch: TestBranch, id: number) {
  const body = await readStatus(branch);
  return Object.values(body.detalle_por_tiempo_espera as Record<string, any[]>).flat().find((chat) => chat.id_resumen === id);
}

describe("idempotency", () => {
  it("counts every event of a request sent twice as duplicados the second time, changing nothing", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    const events = [
      eventAt(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo" }, now - 9 * MINUTE),
      eventAt(branch, "chat.mensaje_agente", { id_resumen: 1 }, now - 8 * MINUTE),
      eventAt(branch, "chat.actualizado", { id_resumen: 2, estado: "pendiente" }, now - 7 * MINUTE),
      eventAt(branch, "chat.cerrado", { id_resumen: 2 }, now - 6 * MINUTE),
    ];
    expect(await push(branch, ...events)).toEqual({ aceptados: 4, duplicados: 0, obsoletos: 0 });
    const stored = await storedState(branch);
    expect(await push(branch, ...events)).toEqual({ aceptados: 0, duplicados: 4, obsoletos: 0 });
    expect(await storedState(branch)).toEqual(stored);
  });

  it("applies an event once when its id appears twice in one request", async () => {
    const branch = await provisionBranch();
    const close = eventAt(branch, "chat.cerrado", { id_resumen: 1 }, Date.now() - MINUTE);
    expect(await push(branch, close, close)).toEqual({ aceptados: 1, duplicados: 1, obsoletos: 0 });
    expect((await readStatus(branch)).resumen_general.chat_cerrados).toBe(1);
  });

  it("counts a second copy of a stale event as obsoleto, since it was never applied", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    await push(branch, eventAt(branch, "chat.actualizado", { id_resumen: 1 }, now - MINUTE));
    const late = eventAt(branch, "chat.cerrado", { id_resumen: 1 }, now - 2 * MINUTE);
    expect(await push(branch, late, late)).toEqual({ aceptados: 0, duplicados: 0, obsoletos: 2 });
    expect(await push(branch, late)).toEqual({ aceptados: 0, duplicados: 0, obsoletos: 1 });
  });

  it("makes a retried multi-branch request safe: the part already applied counts as duplicados", async () => {
    const empresa = uniqueName("emp");
    const first = await provisionBranch({}, empresa);
    const second = await provisionBranch({}, empresa);
    const now = Date.now();
    const forFirst = [eventAt(first, "chat.actualizado", { id_resumen: 1 }, now - MINUTE), eventAt(first, "chat.cerrado", { id_resumen: 2 }, now)];
    const forSecond = [eventAt(second, "chat.actualizado", { id_resumen: 1 }, now - MINUTE)];
    // As if the first branch had committed and the request then failed before its answer.
    expect(await push(first, ...forFirst)).toMatchObject({ aceptados: 2 });
    expect(await push(first, ...forSecond, ...forFirst)).toEqual({ aceptados: 1, duplicados: 2, obsoletos: 0 });
    expect((await readStatus(first)).resumen_general).toMatchObject({ chat_abiertos: 1, chat_cerrados: 1 });
    expect((await readStatus(second)).resumen_general).toMatchObject({ chat_abiertos: 1, chat_cerrados: 0 });
  });
});

describe("ordering by ocurrido_en", () => {
  it("ignores an event older than the chat's last applied one, counting it as obsoleto", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    await push(branch, eventAt(branch, "chat.cerrado", { id_resumen: 1 }, now - 2 * MINUTE));
    const before = await storedState(branch);
    const late = eventAt(branch, "chat.actualizado", { id_resumen: 1, estado: "asignado" }, now - 3 * MINUTE);
    expect(await push(branch, late)).toEqual({ aceptados: 0, duplicados: 0, obsoletos: 1 });
    expect(await storedState(branch)).toEqual(before);
    expect((await readStatus(branch)).resumen_general).toMatchObject({ chat_abiertos: 0, chat_cerrados: 1 });
  });

  it("is per chat: an old event for another chat still applies", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    await push(branch, eventAt(branch, "chat.actualizado", { id_resumen: 1 }, now - MINUTE));
    const older = eventAt(branch, "chat.actualizado", { id_resumen: 2 }, now - 60 * MINUTE);
    expect(await push(branch, older)).toEqual({ aceptados: 1, duplicados: 0, obsoletos: 0 });
  });

  it("applies a request's events for a chat sorted by ocurrido_en, whatever their array order", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    const result = await push(
      branch,
      eventAt(branch, "chat.cerrado", { id_resumen: 1 }, now - 1 * MINUTE),
      eventAt(branch, "chat.mensaje_agente", { id_resumen: 1 }, now - 4 * MINUTE),
      eventAt(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo" }, now - 5 * MINUTE),
    );
    expect(result).toEqual({ aceptados: 3, duplicados: 0, obsoletos: 0 });
    const body = await readStatus(branch);
    expect(body.resumen_general).toMatchObject({ chat_abiertos: 0, chat_cerrados: 1 });
    expect(body.metricas.primera_respuesta_promedio_min).toBe(1);
  });

  it("applies events of equal ocurrido_en in array order", async () => {
    const branch = await provisionBranch();
    const at = Date.now() - MINUTE;
    await push(
      branch,
      eventAt(branch, "chat.actualizado", { id_resumen: 1, estado: "pendiente" }, at),
      eventAt(branch, "chat.actualizado", { id_resumen: 1, estado: "asignado" }, at),
      eventAt(branch, "chat.actualizado", { id_resumen: 2, estado: "asignado" }, at),
      eventAt(branch, "chat.actualizado", { id_resumen: 2, estado: "pendiente" }, at),
    );
    expect(await waitingChat(branch, 1)).toMatchObject({ estado: "asignado" });
    expect(await waitingChat(branch, 2)).toMatchObject({ estado: "pendiente" });
  });

  it("applies an event of the same instant as the last one, sent later", async () => {
    const branch = await provisionBranch();
    const at = Date.now() - MINUTE;
    await push(branch, eventAt(branch, "chat.actualizado", { id_resumen: 1 }, at));
    expect(await push(branch, eventAt(branch, "chat.cerrado", { id_resumen: 1 }, at))).toMatchObject({ aceptados: 1 });
  });
});

describe("the wait clock", () => {
  it("starts at a customer message and stops at the agent's answer, waiting then for the customer", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    await push(branch, eventAt(branch, "chat.actualizado", { id_resumen: 1, estado: "asignado" }, now - 30 * MINUTE));
    await push(branch, eventAt(branch, "chat.mensaje_agente", { id_resumen: 1 }, now - 25 * MINUTE));
    expect((await readStatus(branch)).resumen_general.chat_en_espera_del_cliente).toBe(1);
    await push(branch, eventAt(branch, "chat.mensaje_cliente", { id_resumen: 1 }, now - 12.5 * MINUTE));
    expect(await waitingChat(branch, 1)).toMatchObject({ minutos_espera: 12, espera_desde: new Date(now - 12.5 * MINUTE).toISOString() });
  });

  it("does not restart a wait on a second customer message", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    await push(
      branch,
      eventAt(branch, "chat.actualizado", { id_resumen: 1 }, now - 20.5 * MINUTE),
      eventAt(branch, "chat.mensaje_cliente", { id_resumen: 1 }, now - 5 * MINUTE),
    );
    expect(await waitingChat(branch, 1)).toMatchObject({ minutos_espera: 20 });
  });

  it("ends the wait when the chat enters the bot and starts one when the bot hands it off", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    await push(
      branch,
      eventAt(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo" }, now - 40 * MINUTE),
      eventAt(branch, "chat.actualizado", { id_resumen: 1, estado: "icarobot_ia" }, now - 30 * MINUTE),
    );
    expect(await waitingChat(branch, 1)).toBeUndefined();
    expect((await readStatus(branch)).resumen_general).toMatchObject({ chat_icarobot_ia: 1, chat_en_espera_del_cliente: 0 });
    await push(branch, eventAt(branch, "chat.actualizado", { id_resumen: 1, estado: "pendiente" }, now - 7.5 * MINUTE));
    expect(await waitingChat(branch, 1)).toMatchObject({ estado: "pendiente", minutos_espera: 7 });
  });

  it("lets an explicit espera_desde win, and null clear the wait", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    const since = new Date(now - 45.5 * MINUTE).toISOString();
    await push(branch, eventAt(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo", espera_desde: since }, now - MINUTE));
    expect(await waitingChat(branch, 1)).toMatchObject({ espera_desde: since, minutos_espera: 45 });
    await push(branch, eventAt(branch, "chat.actualizado", { id_resumen: 1, espera_desde: null }, now));
    expect(await waitingChat(branch, 1)).toBeUndefined();
    expect((await readStatus(branch)).resumen_general.chat_en_espera_del_cliente).toBe(1);
  });

  it("measures the first response from the explicit first wait, not from the event that reported it", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    await push(
      branch,
      eventAt(branch, "chat.actualizado", { id_resumen: 1, espera_desde: new Date(now - 10 * MINUTE).toISOString() }, now - 6 * MINUTE),
      eventAt(branch, "chat.mensaje_agente", { id_resumen: 1 }, now - 4 * MINUTE),
      // Reported as not waiting: its first wait only begins with the customer's message.
      eventAt(branch, "chat.actualizado", { id_resumen: 2, espera_desde: null }, now - 9 * MINUTE),
      eventAt(branch, "chat.mensaje_cliente", { id_resumen: 2 }, now - 3 * MINUTE),
      eventAt(branch, "chat.mensaje_agente", { id_resumen: 2 }, now - 1 * MINUTE),
    );
    // (6 + 2) / 2 minutes.
    expect((await readStatus(branch)).metricas.primera_respuesta_promedio_min).toBe(4);
  });
});

describe("close and reopen", () => {
  it("counts a chat closed twice once", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    await push(branch, eventAt(branch, "chat.actualizado", { id_resumen: 1 }, now - 3 * MINUTE), eventAt(branch, "chat.cerrado", { id_resumen: 1 }, now - 2 * MINUTE));
    await push(branch, eventAt(branch, "chat.cerrado", { id_resumen: 1 }, now - MINUTE));
    expect((await readStatus(branch)).resumen_general).toMatchObject({ chat_abiertos: 0, chat_cerrados: 1 });
  });

  it("reopens on a newer customer message as nuevo, waiting from it, no longer counted closed", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    await push(
      branch,
      eventAt(branch, "chat.actualizado", { id_resumen: 1, estado: "asignado", agente: "ana" }, now - 30 * MINUTE),
      eventAt(branch, "chat.cerrado", { id_resumen: 1 }, now - 20 * MINUTE),
    );
    await push(branch, eventAt(branch, "chat.mensaje_cliente", { id_resumen: 1 }, now - 5.5 * MINUTE));
    expect(await waitingChat(branch, 1)).toMatchObject({ estado: "nuevo", agente: "ana", minutos_espera: 5 });
    expect((await readStatus(branch)).resumen_general).toMatchObject({ chat_abiertos: 1, chat_cerrados: 0 });
  });

  it("reopens on a newer chat.actualizado with its estado", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    await push(branch, eventAt(branch, "chat.cerrado", { id_resumen: 1 }, now - 20 * MINUTE));
    await push(branch, eventAt(branch, "chat.actualizado", { id_resumen: 1, estado: "icarobot_ia" }, now - 5 * MINUTE));
    expect((await readStatus(branch)).resumen_general).toMatchObject({ chat_icarobot_ia: 1, chat_cerrados: 0 });
  });

  it("does not reopen on an agent message after the close", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    await push(branch, eventAt(branch, "chat.actualizado", { id_resumen: 1 }, now - 5 * MINUTE), eventAt(branch, "chat.cerrado", { id_resumen: 1 }, now - 4 * MINUTE));
    await push(branch, eventAt(branch, "chat.mensaje_agente", { id_resumen: 1 }, now - 3 * MINUTE));
    expect((await readStatus(branch)).resumen_general).toMatchObject({ chat_abiertos: 0, chat_cerrados: 1 });
  });
});

describe("batches across branches", () => {
  it("applies one request's events to each of the empresa's branches and sums the counts", async () => {
    const empresa = uniqueName("emp");
    const branches = [await provisionBranch({}, empresa), await provisionBranch({}, empresa), await provisionBranch({}, empresa)];
    const now = Date.now();
    const events = branches.flatMap((branch, i) =>
      Array.from({ length: i + 1 }, (_, chat) => eventAt(branch, "chat.actualizado", { id_resumen: chat + 1 }, now - MINUTE)),
    );
    await push(branches[2], eventAt(branches[2], "chat.actualizado", { id_resumen: 9, estado: "icarobot_ia" }, now));
    const stale = eventAt(branches[2], "chat.cerrado", { id_resumen: 9 }, now - MINUTE);
    const response = await postEvents(branches[0].key, { eventos: [...events, stale, events[0]] });
    expect(await response.json()).toEqual({ aceptados: 6, duplicados: 1, obsoletos: 1 });
    for (const [i, branch] of branches.entries()) {
      expect((await readStatus(branch)).resumen_general.chat_abiertos).toBe(i + 1 + (i === 2 ? 1 : 0));
    }
  });

  it("applies a full batch of 1000 events", async () => {
    const branch = await provisionBranch();
    const now = Date.now();
    const events = Array.from({ length: 1000 }, (_, i) => eventAt(branch, i % 2 ? "chat.cerrado" : "chat.actualizado", { id_resumen: Math.floor(i / 2) }, now - (1000 - i) * 1000));
    expect(await push(branch, ...events)).toEqual({ aceptados: 1000, duplicados: 0, obsoletos: 0 });
    expect((await readStatus(branch)).resumen_general).toMatchObject({ chat_abiertos: 0 });
  });
});
