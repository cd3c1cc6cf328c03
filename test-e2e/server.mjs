/**
 * End-to-end helpers: a real `wrangler dev` on loopback (scripts/wrangler.mjs: started detached,
 * stopped by its process group, never by name) and the admin/ingest calls a test needs against it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export { startWrangler } from "../scripts/wrangler.mjs";

/**
 * A browser test's lifetime: its wrangler state folder, and one `cleanUp` (browser closed, wrangler's
 * process group stopped, folder removed) that also runs on SIGINT/SIGTERM and from a watchdog after
 * `timeoutMs`, so wrangler never outlives the test. `held()` returns the test's current
 * `{ server, browser }` (either may be null).
 */
export function browserTestRun(name, timeoutMs, held) {
  const persistTo = mkdtempSync(join(tmpdir(), `${name}-e2e-`));
  async function cleanUp() {
    const { server, browser } = held();
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
    rmSync(persistTo, { recursive: true, force: true });
  }
  const watchdog = setTimeout(async () => {
    console.error(`${name} e2e: timed out after ${timeoutMs / 1000} s`);
    await cleanUp();
    process.exit(1);
  }, timeoutMs);
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, async () => {
      await cleanUp();
      process.exit(1);
    });
  }
  return { persistTo, cleanUp, watchdog };
}

/** Runs one named step of a browser test and prints it with its time. */
export async function step(name, run) {
  const started = Date.now();
  await run();
  console.log(`  ✓ ${name} (${Date.now() - started} ms)`);
}

/** Debian's chromium (never a browser download); `npm test`'s preflight (test-e2e/preflight.mjs) checks it is there. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"];

export async function request(base, method, path, token, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A fresh branch with one read token and an ingest key. */
export async function provisionBranch(base, adminToken, { empresa, sucursal, nombre }) {
  const admin = (method, path, body) => request(base, method, `/v1/admin${path}`, adminToken, body);
  await admin("PUT", `/empresas/${empresa}/sucursales/${sucursal}`, { nombre, zona_horaria: "America/Caracas" });
  const { token } = await admin("POST", `/empresas/${empresa}/sucursales/${sucursal}/tokens`, { etiqueta: "monitor e2e" });
  const { clave } = await admin("POST", `/empresas/${empresa}/claves-ingesta`, { etiqueta: "e2e" });
  return { empresa, sucursal, nombre, token, key: clave };
}

let sequence = 0;

export function chatEvent(branch, tipo, chat, minutesAgo = 0) {
  return {
    id: `e2e-${Date.now()}-${++sequence}`,
    tipo,
    empresa: branch.empresa,
    sucursal: branch.sucursal,
    ocurrido_en: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    chat,
  };
}

export function pushEvents(base, branch, events) {
  return request(base, "POST", "/v1/events", branch.key, { eventos: events });
}
