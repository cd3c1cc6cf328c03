/**
 * Alert test helpers: the branch object's alerts go to a receiver the test registers
 * (test/outbound.ts), which records every request and email and answers as told, so no alert ever
 * reaches a network; the outbox is then run with `runDurableObjectAlarm`.
 */
import { runDurableObjectAlarm } from "cloudflare:test";
import { vi } from "vitest";
import type { OutgoingEmail } from "../src/alerts/channels";
import type { Branch } from "../src/branch/branch";
import { listen } from "./outbound";
import { type TestBranch, admin, branchObject } from "./helpers";

export type SentRequest = { url: string; method: string; headers: Record<string, string>; body: string };
export type Outbound = { requests: SentRequest[]; emails: OutgoingEmail[] };
/** Answers the nth request (0-based); 200 when not given. */
export type Responder = (request: SentRequest, index: number) => Response | Promise<Response>;

export function stubOf(branch: Pick<TestBranch, "empresa" | "sucursal">) {
  return branchObject(branch);
}

export function alertsOf(instance: Branch) {
  return instance.alerts;
}

/** Receives the branch's alerts from here on; returns what they will have sent. */
export async function interceptAlerts(branch: TestBranch, respond: Responder = () => new Response("ok")): Promise<Outbound> {
  const outbound: Outbound = { requests: [], emails: [] };
  listen(`${branch.empresa}/${branch.sucursal}`, {
    fetch: async (request) => {
      const sent = { url: request.url, method: request.method, headers: Object.fromEntries(request.headers), body: await request.text() };
      outbound.requests.push(sent);
      return respond(sent, outbound.requests.length - 1);
    },
    sendEmail: async (email) => {
      outbound.emails.push(email);
    },
  });
  return outbound;
}

export function alertsPath(branch: Pick<TestBranch, "empresa" | "sucursal">, suffix = ""): string {
  return `/empresas/${branch.empresa}/sucursales/${branch.sucursal}/alertas${suffix}`;
}

export async function putRules(branch: TestBranch, reglas: unknown[]): Promise<any> {
  const response = await admin("PUT", alertsPath(branch), { reglas });
  if (response.status !== 200) throw new Error(`alertas ${response.status}: ${await response.text()}`);
  return response.json();
}

export async function history(branch: TestBranch): Promise<any[]> {
  const response = await admin("GET", alertsPath(branch, "/historial"));
  if (response.status !== 200) throw new Error(`historial ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { entregas: any[] }).entregas;
}

/**
 * Runs the branch's alarm (evaluation of time crossings, then the outbox) and waits until no
 * delivery is left that was never attempted. The runtime may also run the alarm by itself.
 */
export async function flushAlerts(branch: TestBranch): Promise<void> {
  await runDurableObjectAlarm(stubOf(branch));
  await vi.waitFor(
    async () => {
      const untried = (await history(branch)).filter((entrega) => entrega.resultado === "pendiente" && entrega.intentos === 0);
      if (untried.length) {
        await runDurableObjectAlarm(stubOf(branch));
        throw new Error(`${untried.length} deliveries not tried yet`);
      }
    },
    { timeout: 5_000, interval: 50 },
  );
}

/** A webhook rule to a loopback URL: even unintercepted, nothing would leave the machine. */
export function webhookRule(id: string, fields: Record<string, unknown>): Record<string, unknown> {
  return { id, canal: { tipo: "webhook", url: `http://127.0.0.1:8792/hooks/${id}` }, enfriamiento_min: 0, ...fields };
}
