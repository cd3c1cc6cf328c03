/**
 * docs/integracion.md#errores, `POST /v1/events` refusals: each status in the documented order, and in every case
 * the branch is exactly as before (same snapshot, same stored state, no event id remembered).
 */
import { describe, expect, it } from "vitest";
import { admin, call, event, postEvents, provisionBranch, push, readStatus, storedState, uniqueName, type TestBranch, branchFingerprint } from "./helpers";

/** A branch with some open, waiting and closed chats, so that a change would show. */
async function seededBranch(): Promise<TestBranch> {
  const branch = await provisionBranch();
  // Waits of x.5 minutes: no bucket or minute boundary is crossed while a test runs.
  await push(
    branch,
    event(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo", departamento: "Ventas" }, 3.5),
    event(branch, "chat.actualizado", { id_resumen: 2, estado: "asignado", agente: "ana" }, 12.5),
    event(branch, "chat.mensaje_agente", { id_resumen: 2 }, 11.5),
    event(branch, "chat.actualizado", { id_resumen: 3, estado: "pendiente" }, 8.5),
    event(branch, "chat.cerrado", { id_resumen: 3 }, 2.5),
  );
  return branch;
}

/** Sends the request, checks status and message, and that the branch did not change. */
async function expectRefused(branch: TestBranch, send: () => Promise<Response>, status: number, message: string) {
  const before = await branchFingerprint(branch);
  const response = await send();
  expect(response.status).toBe(status);
  const body = (await response.json()) as { message: string; errores?: unknown[] };
  expect(body.message).toBe(message);
  expect(await branchFingerprint(branch)).toEqual(before);
  return body;
}

const newChat = (branch: TestBranch, id = 50) => event(branch, "chat.actualizado", { id_resumen: id, estado: "nuevo" }, 1.5);

describe("POST /v1/events refusals leave the branch unchanged", () => {
  it("401 without a key", async () => {
    const branch = await seededBranch();
    const send = () => call("/v1/events", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(newChat(branch)) });
    await expectRefused(branch, send, 401, "Unauthorized");
  });

  it("401 with a malformed key, and with a well-formed key whose secret is wrong", async () => {
    const branch = await seededBranch();
    await expectRefused(branch, () => postEvents("not-a-key", newChat(branch)), 401, "Unauthorized");
    const wrongSecret = `${branch.key.slice(0, -4)}${branch.key.endsWith("AAAA") ? "BBBB" : "AAAA"}`;
    await expectRefused(branch, () => postEvents(wrongSecret, newChat(branch)), 401, "Unauthorized");
  });

  it("401 with a revoked key", async () => {
    const branch = await seededBranch();
    expect((await admin("DELETE", `/empresas/${branch.empresa}/claves-ingesta/${branch.key.split("_")[1]}`)).status).toBe(204);
    await expectRefused(branch, () => postEvents(branch.key, newChat(branch)), 401, "Unauthorized");
  });

  it("415 for a Content-Type other than application/json", async () => {
    const branch = await seededBranch();
    const body = JSON.stringify(newChat(branch));
    await expectRefused(branch, () => postEvents(branch.key, body, { "Content-Type": "text/plain" }), 415, "Content-Type debe ser application/json");
    await expectRefused(branch, () => postEvents(branch.key, body, { "Content-Type": "application/jsonx" }), 415, "Content-Type debe ser application/json");
  });

  it("413 for a body over 1 MiB with its Content-Length", async () => {
    const branch = await seededBranch();
    const big = JSON.stringify({ eventos: [newChat(branch)], relleno: "x".repeat(1024 * 1024) });
    await expectRefused(branch, () => postEvents(branch.key, big), 413, "El cuerpo supera el máximo de 1 MiB");
  });

  it("413 for an endless body sent without Content-Length, refused before it is all read", async () => {
    const branch = await seededBranch();
    const chunk = new TextEncoder().encode(`{"eventos": [${JSON.stringify(newChat(branch))}], "relleno": "${"x".repeat(60_000)}`);
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const send = () =>
      call("/v1/events", {
        method: "POST",
        headers: { Authorization: `Bearer ${branch.key}`, "Content-Type": "application/json" },
        body: endless,
        duplex: "half",
      } as RequestInit);
    await expectRefused(branch, send, 413, "El cuerpo supera el máximo de 1 MiB");
    // It stopped reading a few chunks after the limit (the stream buffers ahead of the reader).
    expect(pulled).toBeGreaterThan(1024 * 1024);
    expect(pulled).toBeLessThan(1024 * 1024 + 8 * chunk.byteLength);
  });

  it("accepts a body of exactly 1 MiB", async () => {
    const branch = await provisionBranch();
    const body = JSON.stringify({ eventos: [newChat(branch)], relleno: "" });
    const padded = body.replace(`"relleno":""`, `"relleno":"${"x".repeat(1024 * 1024 - body.length)}"`);
    expect(new TextEncoder().encode(padded).byteLength).toBe(1024 * 1024);
    expect((await postEvents(branch.key, padded)).status).toBe(200);
  });

  it("400 for a body that is not JSON", async () => {
    const branch = await seededBranch();
    await expectRefused(branch, () => postEvents(branch.key, `{"eventos": [`), 400, "El cuerpo no es JSON válido");
    await expectRefused(branch, () => postEvents(branch.key, ""), 400, "El cuerpo no es JSON válido");
  });

  it("400 for more than 1000 events, and for none", async () => {
    const branch = await seededBranch();
    const many = Array.from({ length: 1001 }, (_, i) => newChat(branch, 100 + i));
    await expectRefused(branch, () => postEvents(branch.key, { eventos: many }), 400, "Un lote lleva de 1 a 1000 eventos (se recibieron 1001)");
    await expectRefused(branch, () => postEvents(branch.key, { eventos: [] }), 400, "Un lote lleva de 1 a 1000 eventos (se recibieron 0)");
  });

  it("400 with errores naming each invalid event's index, field and problem", async () => {
    const branch = await seededBranch();
    const good = newChat(branch);
    const { id: _, ...withoutId } = newChat(branch, 51);
    const body = await expectRefused(
      branch,
      () =>
        postEvents(branch.key, {
          eventos: [
            good,
            withoutId,
            { ...newChat(branch, 52), tipo: "chat.borrado" },
            { ...newChat(branch, 53), chat: { id_resumen: -1 } },
            { ...newChat(branch, 54), ocurrido_en: "ayer" },
          ],
        }),
      400,
      "Eventos inválidos",
    );
    const errores = body.errores as { indice: number; campo: string; mensaje: string }[];
    expect(errores.map(({ indice, campo }) => [indice, campo])).toEqual([
      [1, "id"],
      [2, "tipo"],
      [3, "chat.id_resumen"],
      [4, "ocurrido_en"],
    ]);
    for (const error of errores) expect(error.mensaje).toEqual(expect.any(String));
    // The valid event was not applied either: sent alone now, it is accepted.
    expect(await push(branch, good)).toEqual({ aceptados: 1, duplicados: 0, obsoletos: 0 });
  });

  it("400 for an event dated more than 5 minutes ahead; 4 minutes ahead is accepted", async () => {
    const branch = await seededBranch();
    const body = await expectRefused(
      branch,
      () => postEvents(branch.key, { eventos: [newChat(branch), event(branch, "chat.actualizado", { id_resumen: 60 }, -5.5)] }),
      400,
      "Eventos inválidos",
    );
    expect(body.errores).toEqual([{ indice: 1, campo: "ocurrido_en", mensaje: expect.any(String) }]);
    expect(await push(branch, event(branch, "chat.actualizado", { id_resumen: 60 }, -4))).toMatchObject({ aceptados: 1 });
  });

  it("403 when one event is for another empresa's branch, even with valid events for its own", async () => {
    const branch = await seededBranch();
    const foreign = await provisionBranch();
    await expectRefused(
      branch,
      () => postEvents(branch.key, { eventos: [newChat(branch), newChat(foreign)] }),
      403,
      "La clave de ingesta no pertenece a la empresa de la sucursal",
    );
    expect(await storedState(foreign)).toMatchObject({ chats: [], version: 0 });
  });

  it("404 when one event is for a branch of the empresa that is not provisioned", async () => {
    const branch = await seededBranch();
    const missing = { empresa: branch.empresa, sucursal: uniqueName("nope") };
    await expectRefused(
      branch,
      () => postEvents(branch.key, { eventos: [newChat(branch), newChat(missing as TestBranch)] }),
      404,
      "No se encontró configuración para la empresa y sucursal indicadas",
    );
  });

  it("checks in the documented order: key, content type, size, JSON, events, empresa, branch", async () => {
    const branch = await seededBranch();
    const foreign = await provisionBranch();
    const big = "x".repeat(1024 * 1024 + 1);
    const text = { "Content-Type": "text/plain" };
    const future = event(foreign, "chat.actualizado", { id_resumen: 1 }, -10);
    const missing = { ...newChat(branch), sucursal: uniqueName("nope") };
    expect((await postEvents("wrong", big, text)).status).toBe(401);
    expect((await postEvents(branch.key, big, text)).status).toBe(415);
    expect((await postEvents(branch.key, big)).status).toBe(413);
    expect((await postEvents(branch.key, "{not json")).status).toBe(400);
    expect((await postEvents(branch.key, { eventos: [future, newChat(foreign)] })).status).toBe(400);
    expect((await postEvents(branch.key, { eventos: [missing, newChat(foreign)] })).status).toBe(403);
    expect((await postEvents(branch.key, { eventos: [missing] })).status).toBe(404);
  });
});
