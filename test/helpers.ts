/**
 * Test helpers: requests into the real Worker (its fetch handler), with real KV and Durable
 * Objects behind it. Every test provisions its own branch with a random name.
 */
import { env } from "cloudflare:workers";
import { createExecutionContext, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { expect, vi } from "vitest";
import { BranchStore } from "../src/branch/store";
import worker from "./worker";

export const ADMIN_TOKEN = "test-admin-token";
export const BASE = "http://helpdesk.test";

/**
 * Sets the clock (`Date.now`) to `ms` until `vi.restoreAllMocks()`: the Worker and its Durable
 * Objects run in the test's isolate, so they read it too.
 */
export function setClock(ms: number): void {
  vi.spyOn(Date, "now").mockReturnValue(ms);
}

/** Requests `path` and expects the contract's JSON error: this status, exactly this body. */
export async function expectError(path: string, status: number, message: string, init?: RequestInit): Promise<Response> {
  const response = await call(path, init);
  expect(response.status).toBe(status);
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  expect(await response.json()).toEqual({ message });
  return response;
}

export function uniqueName(prefix = "t"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 12)}`;
}

/**
 * A request into the Worker. Each comes from its own client address unless the test names one, so
 * failed lookups only meet the per-address probe limit in the tests about it. The Worker's fetch
 * handler is called in this isolate with an ExecutionContext whose waitUntil promises the pool
 * awaits at the test's end; `exports.default.fetch` would get slower with every request the file
 * made (workers-sdk#15446), until a test of a few hundred reads timed out.
 */
export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  const request = new Request(`${BASE}${path}`, init);
  if (!request.headers.has("CF-Connecting-IP")) request.headers.set("CF-Connecting-IP", randomAddress());
  return worker.fetch(request, env, createExecutionContext());
}

/** An address of the IPv6 documentation range, random per call. */
export function randomAddress(): string {
  const words = [...crypto.getRandomValues(new Uint16Array(4))].map((word) => word.toString(16));
  return `2001:db8::${words.join(":")}`;
}

export function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return call(`/v1/admin${path}`, {
    method,
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export type TestBranch = { empresa: string; sucursal: string; token: string; tokenId: string; key: string };

/** Provisions a fresh branch with one read token and an ingest key of its empresa. */
export async function provisionBranch(settings: Record<string, unknown> = {}, empresa = uniqueName("emp")): Promise<TestBranch> {
  const sucursal = uniqueName("suc");
  const created = await admin("PUT", `/empresas/${empresa}/sucursales/${sucursal}`, settings);
  if (created.status !== 201) throw new Error(`provisioning failed: ${created.status} ${await created.text()}`);
  const token = (await (await admin("POST", `/empresas/${empresa}/sucursales/${sucursal}/tokens`, {})).json()) as { id: string; token: string };
  const key = (await (await admin("POST", `/empresas/${empresa}/claves-ingesta`, {})).json()) as { clave: string };
  return { empresa, sucursal, token: token.token, tokenId: token.id, key: key.clave };
}

/** The same secret with its last character changed: wrong, yet shaped like the real one. */
export function alteredSecret(secret: string): string {
  return secret.slice(0, -1) + (secret.endsWith("x") ? "y" : "x");
}

export function statusPath(branch: Pick<TestBranch, "empresa" | "sucursal" | "token">, extra = ""): string {
  const query = new URLSearchParams({ token: branch.token, empresa: branch.empresa, sucursal: branch.sucursal });
  return `/helpdesk-status/?${query}${extra}`;
}

export async function readStatus(branch: TestBranch, extra = ""): Promise<any> {
  const response = await call(statusPath(branch, extra));
  if (response.status !== 200) throw new Error(`status ${response.status}: ${await response.text()}`);
  return response.json();
}

let sequence = 0;

/** An event for the branch; `minutesAgo` sets `ocurrido_en` relative to now. */
export function event(
  branch: Pick<TestBranch, "empresa" | "sucursal">,
  tipo: string,
  chat: Record<string, unknown>,
  minutesAgo = 0,
  id = `evt-${++sequence}-${crypto.randomUUID()}`,
) {
  return {
    id,
    tipo,
    empresa: branch.empresa,
    sucursal: branch.sucursal,
    ocurrido_en: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    chat,
  };
}

export function postEvents(key: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call("/v1/events", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Posts events and fails the test unless they are acknowledged. */
export async function push(branch: TestBranch, ...events: unknown[]) {
  const response = await postEvents(branch.key, { eventos: events });
  if (response.status !== 200) throw new Error(`events ${response.status}: ${await response.text()}`);
  return (await response.json()) as { aceptados: number; duplicados: number; obsoletos: number };
}

export function seriePath(branch: Pick<TestBranch, "empresa" | "sucursal" | "token">, extra = ""): string {
  const query = new URLSearchParams({ token: branch.token, empresa: branch.empresa, sucursal: branch.sucursal });
  return `/helpdesk-status/serie?${query}${extra}`;
}

/** An event for the branch at an exact instant (ms), for tests that place events around a midnight. */
export function eventAt(
  branch: Pick<TestBranch, "empresa" | "sucursal">,
  tipo: string,
  chat: Record<string, unknown>,
  at: number,
  id = `evt-${++sequence}-${crypto.randomUUID()}`,
) {
  return { id, tipo, empresa: branch.empresa, sucursal: branch.sucursal, ocurrido_en: new Date(at).toISOString(), chat };
}

/** `PUT …/chats`, the reconciliation, with the branch's ingest key unless another is given. */
export function putChats(branch: TestBranch, body: unknown, key = branch.key, target: Pick<TestBranch, "empresa" | "sucursal"> = branch): Promise<Response> {
  return call(`/v1/empresas/${target.empresa}/sucursales/${target.sucursal}/chats`, {
    method: "PUT",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** The branch's Durable Object, for `runInDurableObject` and `runDurableObjectAlarm`. */
export function branchObject(branch: Pick<TestBranch, "empresa" | "sucursal">) {
  return env.BRANCH.getByName(`${branch.empresa}/${branch.sucursal}`);
}

/**
 * What a rejected request must leave as it was: the branch's snapshot (version, figures, chats), what
 * its object has stored, and its KV records (every branch of its empresa, and its ingest key).
 */
export async function branchFingerprint(branch: TestBranch) {
  const body = await readStatus(branch);
  const chats = Object.values(body.detalle_por_tiempo_espera as Record<string, { minutos_espera: number }[]>)
    .flat()
    .map(({ minutos_espera, ...chat }) => chat);
  const listed = await env.CONFIG.list({ prefix: `sucursal:${branch.empresa}/` });
  const kv: Record<string, string | null> = {};
  for (const { name } of listed.keys) kv[name] = await env.CONFIG.get(name);
  const keyId = branch.key.split("_")[1];
  kv[`clave-ingesta:${keyId}`] = await env.CONFIG.get(`clave-ingesta:${keyId}`);
  // `metricas` and `minutos_espera` move with the clock alone, so they are left out.
  const { version, resumen_general, carga_por_agente, por_departamento } = body;
  return { version, resumen_general, carga_por_agente, por_departamento, chats, kv, stored: await storedState(branch) };
}

/**
 * What the branch has durably stored, read back from its SQLite (chats, daily figures, fence,
 * version, remembered event ids) as plain JSON: equal before and after means nothing changed.
 */
export async function storedState(branch: Pick<TestBranch, "empresa" | "sucursal">) {
  return runInDurableObject(branchObject(branch), (_instance, state) => {
    const loaded = new BranchStore(state.storage.sql).load();
    const eventIds = state.storage.sql.exec<{ id: string }>(`SELECT id FROM applied_events ORDER BY id`).toArray().map((row) => row.id);
    return {
      chats: [...loaded.chats.values()].sort((a, b) => a.id_resumen - b.id_resumen),
      daily: [...loaded.daily].sort(([a], [b]) => a.localeCompare(b)),
      fenceAt: loaded.fenceAt,
      version: loaded.version,
      eventIds,
    };
  });
}

/** The company's Durable Object, for its RPCs. */
export const companyObject = (empresa: string) => env.COMPANY.getByName(empresa);

export async function issueCompanyToken(empresa: string, body: unknown = {}): Promise<{ id: string; token: string }> {
  const response = await admin("POST", `/empresas/${empresa}/tokens`, body);
  if (response.status !== 201) throw new Error(`company token: ${response.status} ${await response.text()}`);
  return response.json();
}

/** A company of `count` branches with a company token. */
export async function provisionCompany(count: number, settings: (i: number) => Record<string, unknown> = () => ({})) {
  const empresa = uniqueName("emp");
  const branches: TestBranch[] = [];
  for (let i = 0; i < count; i++) branches.push(await provisionBranch(settings(i), empresa));
  const { token, id } = await issueCompanyToken(empresa);
  return { empresa, branches, token, tokenId: id };
}

/**
 * Lets every branch report: the clock moves past the coalescing second and each branch's alarm
 * runs; then waits until the company object holds each branch's current version.
 */
export async function settle(empresa: string, branches: TestBranch[], at: number): Promise<void> {
  setClock(at);
  await vi.waitFor(
    async () => {
      for (const branch of branches) await runDurableObjectAlarm(branchObject(branch));
      const held = await companyObject(empresa).reports();
      for (const branch of branches) {
        const version = (await readStatus(branch, "&detalle=false")).version;
        expect(held.reports.find((report) => report.sucursal === branch.sucursal)?.version).toBe(version);
      }
    },
    { timeout: 10_000, interval: 50 },
  );
}
