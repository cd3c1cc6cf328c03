/**
 * End-to-end helpers: a real `wrangler dev` on loopback (started detached, stopped by its process
 * group, never by name) and the admin/ingest calls a test needs against it.
 */
import { spawn } from "node:child_process";
import { openSync } from "node:fs";

/** Debian's chromium (never a browser download); `npm test`'s preflight (test-e2e/preflight.mjs) checks it is there. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `wrangler dev` and resolves once /health answers; rejects after `timeoutMs`. */
export async function startWrangler({ port, persistTo, adminToken, logFile, timeoutMs = 90_000 }) {
  const log = openSync(logFile, "a");
  const child = spawn(
    "npx",
    ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistTo,
      "--var", `ADMIN_TOKEN:${adminToken}`, "--log-level", "warn"],
    {
      detached: true,
      stdio: ["ignore", log, log],
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
    },
  );
  let exited = false;
  const exit = new Promise((resolve) => child.on("exit", () => resolve((exited = true))));
  const server = {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid,
    /** Ends the whole process tree (npx → node → workerd) and waits for it, at most 10 s. */
    async stop() {
      for (const signal of ["SIGTERM", "SIGKILL"]) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          return; // the group is gone
        }
        if (await Promise.race([exit.then(() => true), sleep(5_000).then(() => false)])) break;
      }
      // npx may exit before workerd: make sure nothing of the group is left holding the port.
      for (let i = 0; i < 50; i++) {
        try {
          process.kill(-child.pid, 0);
        } catch {
          return;
        }
        if (i === 20) try { process.kill(-child.pid, "SIGKILL"); } catch {}
        await sleep(100);
      }
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`wrangler dev exited early; see ${logFile}`);
    try {
      if ((await fetch(`${server.base}/health`, { signal: AbortSignal.timeout(2_000) })).ok) return server;
    } catch {}
    await sleep(300);
  }
  await server.stop();
  throw new Error(`wrangler dev did not answer /health within ${timeoutMs / 1000} s; see ${logFile}`);
}

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
  return { empresa, sucursal, token, key: clave };
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
