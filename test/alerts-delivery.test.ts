/** docs/operations.md#alerts: what each channel sends, the webhook signature, and the outbox's retries. */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { EmailMessage } from "cloudflare:email";
import { describe, expect, it } from "vitest";
import { type Outbound, alertsOf, flushAlerts, history, interceptAlerts, putRules, stubOf, webhookRule } from "./alert-helpers";
import { type TestBranch, event, provisionBranch, push } from "./helpers";

/** A rule that fires as soon as one chat opens. */
function onFirstChat(id: string, canal: Record<string, unknown>) {
  return { id, metrica: "chat_nuevos", operador: ">=", umbral: 1, enfriamiento_min: 0, canal };
}

async function fireOnce(branch: TestBranch, outbound: Outbound, canal: Record<string, unknown>) {
  const rules = await putRules(branch, [onFirstChat("regla", canal)]);
  await push(branch, event(branch, "chat.actualizado", { id_resumen: 1, nombre_cliente: "Juan Pérez" }));
  await flushAlerts(branch);
  return { outbound, secreto: rules.secretos?.regla as string | undefined };
}

/** What a receiver does: recompute the HMAC over `t.body` with the shared secret. */
async function verify(header: string, body: string, secret: string, toleranceSeconds = 300): Promise<boolean> {
  const parts = Object.fromEntries(header.split(",").map((part) => part.split("=") as [string, string]));
  if (Math.abs(Date.now() / 1000 - Number(parts.t)) > toleranceSeconds) return false;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const mac = Uint8Array.from(parts.v1.match(/../g)!.map((byte) => parseInt(byte, 16)));
  return crypto.subtle.verify("HMAC", key, mac, new TextEncoder().encode(`${parts.t}.${body}`));
}

/** A receiver that answers only once released; `entered` resolves when the first request arrives. */
function hangingReceiver() {
  let release: () => void = () => {};
  let arrived: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const entered = new Promise<void>((resolve) => (arrived = resolve));
  const respond = async () => {
    arrived();
    await released;
    return new Response("ok");
  };
  return { respond, entered, release: () => release() };
}

function decodeBase64Utf8(text: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(text.replace(/\s+/g, "")), (c) => c.charCodeAt(0)));
}

describe("webhook", () => {
  it("posts the documented JSON payload", async () => {
    const branch = await provisionBranch({ nombre: "Maracaibo 1" });
    const outbound = await interceptAlerts(branch);
    await fireOnce(branch, outbound, { tipo: "webhook", url: "http://127.0.0.1:8792/hook" });
    expect(outbound.requests).toHaveLength(1);
    const [request] = outbound.requests;
    expect(request).toMatchObject({ method: "POST", url: "http://127.0.0.1:8792/hook" });
    expect(request.headers["content-type"]).toBe("application/json");
    const payload = JSON.parse(request.body);
    expect(Object.keys(payload)).toEqual(["id", "tipo", "empresa", "sucursal", "nombre_sucursal", "regla", "valor", "chat", "mensaje", "ocurrido_en"]);
    expect(payload).toMatchObject({
      tipo: "alerta.disparada",
      empresa: branch.empresa,
      sucursal: branch.sucursal,
      nombre_sucursal: "Maracaibo 1",
      regla: { id: "regla", alcance: "sucursal", metrica: "chat_nuevos", operador: ">=", umbral: 1, departamento: null },
      valor: 1,
      chat: null,
      mensaje: "Alerta en Maracaibo 1: chat_nuevos = 1 (regla regla: chat_nuevos >= 1).",
    });
    expect(request.headers["x-helpdesk-entrega"]).toBe(payload.id);
  });

  it("signs t.body with the rule's secret so a receiver can verify it", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch);
    const { secreto } = await fireOnce(branch, outbound, { tipo: "webhook", url: "https://example.com/hook" });
    const [request] = outbound.requests;
    const header = request.headers["x-helpdesk-firma"];
    expect(header).toMatch(/^t=\d{10},v1=[0-9a-f]{64}$/);
    expect(await verify(header, request.body, secreto!)).toBe(true);
    expect(await verify(header, request.body.replace("chat_nuevos", "chat_nuevas"), secreto!)).toBe(false);
    expect(await verify(header, request.body, `${secreto}x`)).toBe(false);
  });
});

describe("other channels", () => {
  it("slack: posts {text} to the incoming webhook", async () => {
    const branch = await provisionBranch({ nombre: "Centro" });
    const outbound = await interceptAlerts(branch);
    await fireOnce(branch, outbound, { tipo: "slack", url: "https://hooks.slack.com/services/T0/B0/XYZ" });
    expect(outbound.requests).toHaveLength(1);
    const [request] = outbound.requests;
    expect(request).toMatchObject({ method: "POST", url: "https://hooks.slack.com/services/T0/B0/XYZ" });
    expect(request.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request.body)).toEqual({ text: "Alerta en Centro: chat_nuevos = 1 (regla regla: chat_nuevos >= 1)." });
  });

  it("whatsapp: posts a Cloud API text message with the token as Bearer", async () => {
    const branch = await provisionBranch({ nombre: "Centro" });
    const outbound = await interceptAlerts(branch);
    await fireOnce(branch, outbound, { tipo: "whatsapp", numero: "+58 4141234567".replace(" ", "") });
    expect(outbound.requests).toHaveLength(1);
    const [request] = outbound.requests;
    expect(request.url).toBe(`${env.WHATSAPP_API_URL}/${env.WHATSAPP_PHONE_NUMBER_ID}/messages`);
    expect(request.headers.authorization).toBe(`Bearer ${env.WHATSAPP_TOKEN}`);
    expect(JSON.parse(request.body)).toEqual({
      messaging_product: "whatsapp",
      to: "584141234567",
      type: "text",
      text: { body: "Alerta en Centro: chat_nuevos = 1 (regla regla: chat_nuevos >= 1)." },
    });
  });

  it("email: sends a UTF-8 MIME message from the configured sender", async () => {
    const branch = await provisionBranch({ nombre: "Mérida" });
    const outbound = await interceptAlerts(branch);
    await fireOnce(branch, outbound, { tipo: "email", para: "supervisor@example.com" });
    expect(outbound.requests).toHaveLength(0);
    expect(outbound.emails).toHaveLength(1);
    const [email] = outbound.emails;
    expect(email.from).toBe(env.ALERT_EMAIL_FROM);
    expect(email.to).toBe("supervisor@example.com");
    const [head, body] = email.raw.split("\r\n\r\n");
    const headers = Object.fromEntries(head.split("\r\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)]));
    expect(headers.From).toBe(`Alertas Helpdesk <${env.ALERT_EMAIL_FROM}>`);
    expect(headers.To).toBe("<supervisor@example.com>");
    expect(decodeBase64Utf8(headers.Subject.replace(/^=\?UTF-8\?B\?|\?=$/g, ""))).toBe("[Mérida] Alerta: regla");
    expect(headers["Message-ID"]).toMatch(/^<[0-9a-f-]{36}@example\.com>$/);
    expect(headers["Content-Type"]).toBe("text/plain; charset=UTF-8");
    expect(decodeBase64Utf8(body)).toMatch(/^Alerta en Mérida: chat_nuevos = 1 \(regla regla: chat_nuevos >= 1\)\.\r\n/);
  });

  it("email: the message is one the local send_email binding accepts", async () => {
    const branch = await provisionBranch({ nombre: "Mérida" });
    const outbound = await interceptAlerts(branch);
    await fireOnce(branch, outbound, { tipo: "email", para: "supervisor@example.com" });
    const [email] = outbound.emails;
    // Local workerd parses the MIME (From must match, a Message-ID is required) and writes a file.
    await expect(env.EMAIL.send(new EmailMessage(email.from, email.to, email.raw))).resolves.toBeDefined();
  });
});

describe("the outbox", () => {
  it("retries after a 500 with backoff, and delivers the same firing", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch, (_, index) => new Response(null, { status: index === 0 ? 500 : 200 }));
    const { secreto } = await fireOnce(branch, outbound, { tipo: "webhook", url: "http://127.0.0.1:8792/hook" });
    const [failed] = await history(branch);
    expect(failed).toMatchObject({ resultado: "pendiente", intentos: 1, estado_http: 500, error: "HTTP 500" });
    const wait = Date.parse(failed.proximo_intento_en) - Date.now();
    expect(wait).toBeGreaterThan(25_000);
    expect(wait).toBeLessThanOrEqual(30_000);

    // The backoff elapses: the retry is due now.
    await runInDurableObject(stubOf(branch), (_, state) => {
      state.storage.sql.exec(`UPDATE alert_outbox SET next_at = ? WHERE id = ?`, Date.now(), failed.id);
    });
    await runDurableObjectAlarm(stubOf(branch));
    const [delivered] = await history(branch);
    expect(delivered).toMatchObject({ id: failed.id, resultado: "entregada", intentos: 2, estado_http: 200, error: null });
    expect(outbound.requests).toHaveLength(2);
    const [first, second] = outbound.requests;
    expect(second.body).toBe(first.body);
    expect(second.headers["x-helpdesk-entrega"]).toBe(failed.id);
    expect(await verify(second.headers["x-helpdesk-firma"], second.body, secreto!)).toBe(true);
  });

  it("gives up at once on an answer that retrying cannot fix", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch, () => new Response(null, { status: 410 }));
    await fireOnce(branch, outbound, { tipo: "slack", url: "https://hooks.slack.com/services/gone" });
    expect(await history(branch)).toEqual([expect.objectContaining({ resultado: "fallida", intentos: 1, estado_http: 410, error: "HTTP 410" })]);
  });

  it("records a network failure and retries it", async () => {
    const branch = await provisionBranch();
    const outbound = await interceptAlerts(branch, () => {
      throw new TypeError("connection refused");
    });
    await fireOnce(branch, outbound, { tipo: "slack", url: "https://hooks.slack.com/services/down" });
    expect(await history(branch)).toEqual([expect.objectContaining({ resultado: "pendiente", intentos: 1, estado_http: null, error: "Error de red" })]);
  });

  it("never delivers one firing twice, even with outbox runs overlapping", async () => {
    const branch = await provisionBranch();
    const gate = hangingReceiver();
    const outbound = await interceptAlerts(branch, gate.respond);
    await putRules(branch, [onFirstChat("regla", { tipo: "webhook", url: "http://127.0.0.1:8792/hook" })]);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1 }));
    await runInDurableObject(stubOf(branch), async (instance) => {
      const alerts = alertsOf(instance);
      const runs = [alerts.deliverDue(Date.now()), alerts.deliverDue(Date.now()), alerts.deliverDue(Date.now())];
      await gate.entered;
      gate.release();
      await Promise.all(runs);
    });
    await flushAlerts(branch);
    await runDurableObjectAlarm(stubOf(branch));
    expect(outbound.requests).toHaveLength(1);
    expect(await history(branch)).toEqual([expect.objectContaining({ resultado: "entregada", intentos: 1 })]);
  });

  it("does not hold up ingestion while a receiver hangs", async () => {
    const branch = await provisionBranch();
    const gate = hangingReceiver();
    await interceptAlerts(branch, gate.respond);
    await putRules(branch, [onFirstChat("regla", { tipo: "webhook", url: "http://127.0.0.1:8792/hook" })]);
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1 }));
    const alarm = runDurableObjectAlarm(stubOf(branch));
    await gate.entered; // a delivery is in flight from here on
    const started = Date.now();
    expect(await push(branch, event(branch, "chat.actualizado", { id_resumen: 2 }))).toEqual({ aceptados: 1, duplicados: 0, obsoletos: 0 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect((await history(branch))[0]).toMatchObject({ resultado: "pendiente", intentos: 1 });
    gate.release();
    await alarm;
    await flushAlerts(branch);
    expect((await history(branch))[0].resultado).toBe("entregada");
  });
});
