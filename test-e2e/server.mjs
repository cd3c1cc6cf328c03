/**
 * End-to-end helpers: a real `wrangler dev` on loopback (scripts/wrangler.mjs: started detached,
 * stopped by its process group, never by name) and the admin/ingest calls a test needs against it.
 */
export { startWrangler } from "../scripts/wrangler.mjs";

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
