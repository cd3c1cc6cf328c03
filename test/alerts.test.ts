/** docs/operations.md#alerts: alert rules through the admin API, and when they fire (changes and time crossings). */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { alertsOf, alertsPath, flushAlerts, history, interceptAlerts, putRules, stubOf, webhookRule } from "./alert-helpers";
import { admin, call, event, provisionBranch, push, uniqueName } from "./helpers";

const MINUTE = 60_000;

function payloads(outbound: { requests: { body: string }[] }) {
  return outbound.requests.map((request) => JSON.parse(request.body));
}

/** A chat update that sets its wait explicitly, `minutes` ago. */
function waitingChat(branch: Parameters<typeof event>[0], id: number, minutes: number, fields: Record<string, unknown> = {}) {
  const since = new Date(Date.now() - minutes * MINUTE).toISOString();
  return event(branch, "chat.actualizado", { id_resumen: id, estado: "nuevo", espera_desde: since, ...fields });
}

describe("PUT/GET …/alertas", () => {
  it("stores valid rules with their defaults and answers them on GET", async () => {
    const branch = await provisionBranch();
    await putRules(branch, [
      { id: "muchos-nuevos", metrica: "chat_nuevos", operador: ">", umbral: 20, canal: { tipo: "slack", url: "https://hooks.slack.com/services/T/B/X" } },
      { id: "supervisor-ventas", alcance: "chat", metrica: "minutos_espera", operador: ">=", umbral: 60, departamento: "Ventas", canal: { tipo: "email", para: "ventas@example.com" }, enfriamiento_min: 5 },
    ]);
    const response = await admin("GET", alertsPath(branch));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      reglas: [
        { id: "muchos-nuevos", alcance: "sucursal", metrica: "chat_nuevos", operador: ">", umbral: 20, canal: { tipo: "slack", url: "https://hooks.slack.com/services/T/B/X" }, enfriamiento_min: 30, avisar_resuelto: false },
        { id: "supervisor-ventas", alcance: "chat", metrica: "minutos_espera", operador: ">=", umbral: 60, departamento: "Ventas", canal: { tipo: "email", para: "ventas@example.com" }, enfriamiento_min: 5, avisar_resuelto: false },
      ],
    });
  });

  it("shows a new webhook rule's secret once, and keeps that secret when the rules are replaced", async () => {
    const branch = await provisionBranch();
    const rule = webhookRule("hook", { metrica: "chat_nuevos", operador: ">", umbral: 5 });
    const first = await putRules(branch, [rule]);
    expect(Object.keys(first.secretos)).toEqual(["hook"]);
    expect(first.secretos.hook).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);
    expect(JSON.stringify(first.reglas)).not.toContain(first.secretos.hook);
    const read = await (await admin("GET", alertsPath(branch))).text();
    expect(read).not.toContain("secretos");
    expect(read).not.toContain(first.secretos.hook);
    const again = await putRules(branch, [{ ...rule, umbral: 6 }, webhookRule("otro", { metrica: "chat_nuevos", operador: ">", umbral: 9 })]);
    expect(Object.keys(again.secretos)).toEqual(["otro"]);
  });

  it("rejects invalid rules with field errors and keeps the old rules", async () => {
    const branch = await provisionBranch();
    const old = [{ id: "ok", metrica: "chat_nuevos", operador: ">", umbral: 1, canal: { tipo: "slack", url: "https://hooks.slack.com/x" } }];
    await putRules(branch, old);
    const before = await (await admin("GET", alertsPath(branch))).json();
    const response = await admin("PUT", alertsPath(branch), {
      reglas: [
        { id: "a", metrica: "no_existe", operador: ">", umbral: 1, canal: { tipo: "slack", url: "https://hooks.slack.com/x" } },
        { id: "b", alcance: "chat", metrica: "minutos_espera", operador: "<", umbral: 60, canal: { tipo: "email", para: "x@example.com" } },
        { id: "c", metrica: "chat_nuevos", operador: "!=", umbral: 1, canal: { tipo: "whatsapp", numero: "abc" } },
        { id: "c", metrica: "chat_nuevos", operador: ">", umbral: -1, canal: { tipo: "email", para: "no-es-email" } },
      ],
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { message: string; errores: { campo: string; mensaje: string }[] };
    expect(body.message).toBe("Cuerpo inválido");
    const fields = body.errores.map((error) => error.campo);
    for (const field of ["reglas.0.metrica", "reglas.1.operador", "reglas.2.operador", "reglas.2.canal.numero", "reglas.3.umbral", "reglas.3.canal.para"]) {
      expect(fields).toContain(field);
    }
    expect(await (await admin("GET", alertsPath(branch))).json()).toEqual(before);
  });

  it("rejects a repeated rule id", async () => {
    const branch = await provisionBranch();
    const rule = { id: "x", metrica: "chat_nuevos", operador: ">", umbral: 1, canal: { tipo: "slack", url: "https://hooks.slack.com/x" } };
    const response = await admin("PUT", alertsPath(branch), { reglas: [rule, rule] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { errores: { campo: string }[] }).errores.map((e) => e.campo)).toEqual(["reglas"]);
  });

  it("accepts plain http only to loopback addresses", async () => {
    const branch = await provisionBranch();
    const rule = (url: string) => ({ reglas: [{ id: "h", metrica: "chat_nuevos", operador: ">", umbral: 1, canal: { tipo: "webhook", url } }] });
    for (const url of ["https://example.com/hook", "http://127.0.0.1:8792/hook", "http://127.8.9.10/x", "http://localhost:3000/x", "http://[::1]:8080/x"]) {
      expect((await admin("PUT", alertsPath(branch), rule(url))).status, url).toBe(200);
    }
    for (const url of ["http://example.com/hook", "http://10.0.0.1/hook", "http://127.0.0.1.example.com/x", "ftp://127.0.0.1/x", "not a url"]) {
      const response = await admin("PUT", alertsPath(branch), rule(url));
      expect(response.status, url).toBe(400);
      expect(((await response.json()) as { errores: { campo: string }[] }).errores[0].campo).toBe("reglas.0.canal.url");
    }
  });

  it("forgets the rules and the history when the branch is deprovisioned", async () => {
    const branch = await provisionBranch();
    await interceptAlerts(branch);
    await putRules(branch, [webhookRule("nuevos", { metrica: "chat_nuevos", operador: ">=", umbral: 1 })]);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1 }));
    await flushAlerts(branch);
    expect(await history(branch)).toHaveLength(1);
    expect((await admin("DELETE", `/empresas/${branch.empresa}/sucursales/${branch.sucursal}`)).status).toBe(204);
    expect((await admin("PUT", `/empresas/${branch.empresa}/sucursales/${branch.sucursal}`, {})).status).toBe(201);
    expect(await (await admin("GET", alertsPath(branch))).json()).toEqual({ reglas: [] });
    expect(await history(branch)).toEqual([]);
  });

  it("answers 404 for a branch that is not provisioned and 401 without the admin token", async () => {
    const missing = { empresa: uniqueName(), sucursal: "nope" };
    expect((await admin("GET", alertsPath(missing))).status).toBe(404);
    expect((await admin("PUT", alertsPath(missing), { reglas: [] })).status).toBe(404);
    expect((await admin("GET", alertsPath(missing, "/historial"))).status).toBe(404);
    const branch = await provisionBranch();
    expect((await call(`/v1/admin${alertsPath(branch)}`)).status).toBe(401);
    expect((await call(`/v1/admin${alertsPath(branch, "/historial")}`)).status).toBe(401);
  });
});

describe("branch rules", () => {
  it("fire once when the figure crosses the threshold, not on every later change", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch);
    await putRules(branch, [webhookRule("nuevos", { metrica: "chat_nuevos", operador: ">", umbral: 2 })]);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1 }), event(branch, "chat.actualizado", { id_resumen: 2 }));
    await flushAlerts(branch);
    expect(outbound.requests).toHaveLength(0);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 3 }));
    await flushAlerts(branch);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 4 }));
    await flushAlerts(branch);
    expect(payloads(outbound)).toEqual([
      expect.objectContaining({ tipo: "alerta.disparada", valor: 3, regla: expect.objectContaining({ id: "nuevos", metrica: "chat_nuevos" }) }),
    ]);
  });

  it("do not fire again within the cooldown", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch);
    await putRules(branch, [webhookRule("nuevos", { metrica: "chat_nuevos", operador: ">=", umbral: 1, enfriamiento_min: 60 })]);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1 }));
    await push(branch, event(branch, "chat.cerrado", { id_resumen: 1 }));
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 2 }));
    await flushAlerts(branch);
    expect(outbound.requests).toHaveLength(1);
  });

  it("fire again on a new crossing once there is no cooldown", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch);
    await putRules(branch, [webhookRule("nuevos", { metrica: "chat_nuevos", operador: ">=", umbral: 1, enfriamiento_min: 0 })]);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1 }));
    await push(branch, event(branch, "chat.cerrado", { id_resumen: 1 }));
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 2 }));
    await flushAlerts(branch);
    expect(outbound.requests).toHaveLength(2);
  });

  it("send a resuelto message when the condition stops holding, when asked to", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch);
    await putRules(branch, [webhookRule("nuevos", { metrica: "chat_nuevos", operador: ">=", umbral: 1, avisar_resuelto: true })]);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1 }));
    await push(branch, event(branch, "chat.cerrado", { id_resumen: 1 }));
    await flushAlerts(branch);
    expect(payloads(outbound).map((p) => [p.tipo, p.valor])).toEqual([["alerta.disparada", 1], ["alerta.resuelta", 0]]);
    expect(payloads(outbound)[1].mensaje).toMatch(/^Resuelto en /);
  });

  it("count only their department's chats", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch);
    await putRules(branch, [webhookRule("ventas", { metrica: "chat_abiertos", operador: ">=", umbral: 2, departamento: "Ventas" })]);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1, departamento: "Ventas" }), event(branch, "chat.actualizado", { id_resumen: 2, departamento: "Soporte" }));
    await flushAlerts(branch);
    expect(outbound.requests).toHaveLength(0);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 3, departamento: "Ventas" }));
    await flushAlerts(branch);
    expect(payloads(outbound).map((p) => [p.valor, p.regla.departamento])).toEqual([[2, "Ventas"]]);
  });

  it("fire at the moment the longest wait crosses the threshold, with no event", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch);
    await putRules(branch, [webhookRule("espera", { metrica: "espera_maxima_min", operador: ">=", umbral: 60 })]);
    const since = Date.now() - 60 * MINUTE + 1_500;
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1, espera_desde: new Date(since).toISOString() }));
    await flushAlerts(branch);
    expect(outbound.requests).toHaveLength(0);
    await runInDurableObject(stubOf(branch), async (instance, state) => {
      const [evaluation] = alertsOf(instance).timers;
      expect(evaluation.nextAt(Date.now())).toBe(since + 60 * MINUTE);
      expect(await state.storage.getAlarm()).toBeLessThanOrEqual(since + 60 * MINUTE);
    });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, since + 60 * MINUTE - Date.now()) + 50));
    await flushAlerts(branch);
    expect(payloads(outbound)).toEqual([expect.objectContaining({ tipo: "alerta.disparada", valor: 60 })]);
    expect(Date.parse(payloads(outbound)[0].ocurrido_en)).toBeGreaterThanOrEqual(since + 60 * MINUTE);
  });
});

describe("chat rules", () => {
  it("fire once for each chat whose wait reaches the threshold, naming the chat", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch);
    await putRules(branch, [webhookRule("sup", { alcance: "chat", metrica: "minutos_espera", operador: ">=", umbral: 60 })]);
    await push(
      branch,
      waitingChat(branch, 1, 61, { nombre_cliente: "Juan Perez", numero_cliente: "+15559876543", departamento: "Ventas" }),
      waitingChat(branch, 2, 75, { nombre_cliente: "Ana Gómez", numero_cliente: "+15550000002", departamento: "Soporte" }),
      waitingChat(branch, 3, 5, { nombre_cliente: "Recién Llegado" }),
    );
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1, agente: "ana" }));
    await flushAlerts(branch);
    const sent = payloads(outbound).sort((a, b) => a.chat.id_resumen - b.chat.id_resumen);
    expect(sent.map((p) => [p.chat.id_resumen, p.chat.nombre_cliente, p.chat.numero_cliente, p.chat.departamento, p.chat.minutos_espera])).toEqual([
      [1, "Juan Perez", "+15559876543", "Ventas", 61],
      [2, "Ana Gómez", "+15550000002", "Soporte", 75],
    ]);
    expect(sent[0].mensaje).toBe(`Alerta en ${branch.sucursal}: el chat de Juan Perez (+15559876543, Ventas) lleva 61 minutos esperando respuesta (regla sup).`);
  });

  it("alert only their department's chats", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch);
    await putRules(branch, [
      webhookRule("ventas", { alcance: "chat", metrica: "minutos_espera", operador: ">=", umbral: 60, departamento: "Ventas" }),
      webhookRule("soporte", { alcance: "chat", metrica: "minutos_espera", operador: ">=", umbral: 30, departamento: "Soporte" }),
    ]);
    await push(
      branch,
      waitingChat(branch, 1, 61, { departamento: "Ventas" }),
      waitingChat(branch, 2, 45, { departamento: "Ventas" }),
      waitingChat(branch, 3, 45, { departamento: "Soporte" }),
      waitingChat(branch, 4, 90, {}),
    );
    await flushAlerts(branch);
    const sent = payloads(outbound).map((p) => [p.regla.id, p.chat.id_resumen]).sort();
    expect(sent).toEqual([["soporte", 3], ["ventas", 1]]);
    expect(outbound.requests.map((r) => r.url).sort()).toEqual(["http://127.0.0.1:8792/hooks/soporte", "http://127.0.0.1:8792/hooks/ventas"]);
  });

  it("fire again for a chat that was answered and waits again", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch);
    await putRules(branch, [webhookRule("sup", { alcance: "chat", metrica: "minutos_espera", operador: ">=", umbral: 0 })]);
    await push(branch, event(branch, "chat.mensaje_cliente", { id_resumen: 7 }, 3));
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 7, agente: "ana" }, 2));
    await push(branch, event(branch, "chat.mensaje_agente", { id_resumen: 7 }, 1));
    await push(branch, event(branch, "chat.mensaje_cliente", { id_resumen: 7 }, 0));
    await flushAlerts(branch);
    expect(outbound.requests).toHaveLength(2);
  });

  it("fire at the moment a waiting chat reaches the threshold, with no event", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch);
    await putRules(branch, [webhookRule("sup", { alcance: "chat", metrica: "minutos_espera", operador: ">=", umbral: 60 })]);
    const since = Date.now() - 60 * MINUTE + 1_500;
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 9, nombre_cliente: "Espera Larga", espera_desde: new Date(since).toISOString() }));
    await flushAlerts(branch);
    expect(outbound.requests).toHaveLength(0);
    await runInDurableObject(stubOf(branch), (instance) => {
      expect(alertsOf(instance).timers[0].nextAt(Date.now())).toBe(since + 60 * MINUTE);
    });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, since + 60 * MINUTE - Date.now()) + 50));
    expect(await runDurableObjectAlarm(stubOf(branch))).toBeTypeOf("boolean");
    await flushAlerts(branch);
    expect(payloads(outbound).map((p) => [p.chat.nombre_cliente, p.chat.minutos_espera])).toEqual([["Espera Larga", 60]]);
  });
});

describe("GET …/alertas/historial", () => {
  it("lists deliveries newest first with their outcome", async () => {
    const branch = await provisionBranch();
    await interceptAlerts(branch, (request) => new Response(null, { status: request.url.endsWith("/malo") ? 404 : 204 }));
    await putRules(branch, [
      webhookRule("bueno", { metrica: "chat_nuevos", operador: ">=", umbral: 1 }),
      { ...webhookRule("malo", { metrica: "chat_nuevos", operador: ">=", umbral: 2 }), canal: { tipo: "slack", url: "http://127.0.0.1:8792/hooks/malo" } },
    ]);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1 }));
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 2 }));
    await flushAlerts(branch);
    const entregas = await history(branch);
    expect(entregas).toEqual([
      expect.objectContaining({ regla: "malo", tipo: "disparo", canal: "slack", resultado: "fallida", intentos: 1, estado_http: 404, error: "HTTP 404", proximo_intento_en: null }),
      expect.objectContaining({ regla: "bueno", tipo: "disparo", canal: "webhook", resultado: "entregada", intentos: 1, estado_http: 204, error: null, proximo_intento_en: null }),
    ]);
    expect(entregas[1].mensaje).toContain("chat_nuevos = 1");
    expect(Date.parse(entregas[1].ultimo_intento_en)).toBeGreaterThanOrEqual(Date.parse(entregas[1].disparada_en));
    expect(Object.keys(entregas[1])).toEqual([
      "id", "regla", "canal", "disparada_en", "mensaje", "resultado", "intentos", "ultimo_intento_en", "estado_http", "error", "tipo", "proximo_intento_en",
    ]);
  });

  it("keeps the last 100 deliveries", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch);
    await putRules(branch, [webhookRule("sup", { alcance: "chat", metrica: "minutos_espera", operador: ">=", umbral: 0 })]);
    await push(branch, ...Array.from({ length: 110 }, (_, i) => event(branch, "chat.actualizado", { id_resumen: i + 1 })));
    await flushAlerts(branch);
    expect(outbound.requests).toHaveLength(110);
    const entregas = await history(branch);
    expect(entregas).toHaveLength(100);
    expect(entregas.every((entrega) => entrega.resultado === "entregada")).toBe(true);
  });
});
