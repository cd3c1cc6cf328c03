/**
 * `npm start`: one command for a live local service. Starts `wrangler dev` on 127.0.0.1:8787
 * (local KV and Durable Objects under .wrangler/state, no Cloudflare account), provisions the demo
 * branch of docs/operations.md#running-locally with the seed's example token, and feeds it simulated chat traffic.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createSimulator } from "./simulator.mjs";
import { startWrangler } from "./wrangler.mjs";

const HOST = "127.0.0.1";
const PORT = Number(process.env.PORT ?? 8787);
const BASE = `http://${HOST}:${PORT}`;
const DEMO = { empresa: "icarosoft", sucursal: "mcbo1", token: "icadasd2cqgx123b" };
const KEY_FILE = ".wrangler/demo-ingest-key";
const TICK_MS = Number(process.env.SIM_TICK_MS ?? 1500);

if (!existsSync(".dev.vars")) {
  copyFileSync(".dev.vars.example", ".dev.vars");
  console.log("created .dev.vars from .dev.vars.example");
}
const adminToken = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(".dev.vars", "utf8"))?.[1]?.trim();
if (!adminToken) throw new Error("ADMIN_TOKEN is missing from .dev.vars");

const server = await startWrangler({
  port: PORT,
  persistTo: ".wrangler/state",
  inspectorPort: process.env.INSPECTOR_PORT,
  output: "inherit",
  timeoutMs: 60_000,
});

function stop() {
  server.kill("SIGTERM").finally(() => process.exit(0));
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
server.exited.then((code) => {
  console.error(`wrangler dev exited (${code})`);
  process.exit(code ?? 1);
});

async function adminCall(method, path, body) {
  const response = await fetch(`${BASE}/v1/admin${path}`, {
    method,
    headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
    body: body && JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** Reuses the demo's ingest key across restarts while it still works, so keys do not pile up. */
async function demoIngestKey() {
  if (existsSync(KEY_FILE)) {
    const key = readFileSync(KEY_FILE, "utf8").trim();
    const probe = await fetch(`${BASE}/v1/events`, {
      method: "POST",
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: "{}",
    });
    if (probe.status !== 401) return key;
  }
  const created = await adminCall("POST", `/empresas/${DEMO.empresa}/claves-ingesta`, { etiqueta: "simulador" });
  mkdirSync(".wrangler", { recursive: true });
  writeFileSync(KEY_FILE, created.body.clave, { mode: 0o600 });
  return created.body.clave;
}

async function provisionDemo() {
  const branch = `/empresas/${DEMO.empresa}/sucursales/${DEMO.sucursal}`;
  await adminCall("PUT", branch, { nombre: "Maracaibo 1", zona_horaria: "America/Caracas" });
  const imported = await adminCall("POST", `${branch}/tokens`, { token: DEMO.token, etiqueta: "ejemplo del seed" });
  if (imported.status !== 201 && imported.status !== 409) throw new Error(`token import failed: ${imported.status}`);
  return demoIngestKey();
}

const key = await provisionDemo();
const statusUrl = `${BASE}/helpdesk-status/?token=${DEMO.token}&empresa=${DEMO.empresa}&sucursal=${DEMO.sucursal}`;
console.log(`\nhelpdesk-status is running on ${BASE}\n  status:  ${statusUrl}\n  monitor: ${BASE}/monitor/#token=${DEMO.token}&empresa=${DEMO.empresa}&sucursal=${DEMO.sucursal}\n  admin token: in .dev.vars\n`);

if (process.env.SIMULATOR !== "off") {
  const simulator = createSimulator({ baseUrl: BASE, key, ...DEMO, log: console.log });
  await simulator.reconcile();
  setInterval(() => simulator.tick().catch((error) => console.error(`simulator: ${error.message}`)), TICK_MS);
}
