/**
 * `npm start`: one command for a live local service. Starts `wrangler dev` on 127.0.0.1:8787
 * (local KV and Durable Objects under .wrangler/state, no Cloudflare account), provisions the demo
 * company of docs/operations.md#running-locally (three branches; mcbo1 with the seed's example token
 * and URL), issues a company token (kept across restarts), and feeds every branch simulated chat traffic.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createSimulator } from "./simulator.mjs";
import { startWrangler } from "./wrangler.mjs";

const HOST = "127.0.0.1";
const PORT = Number(process.env.PORT ?? 8787);
const BASE = `http://${HOST}:${PORT}`;
const DEMO = { empresa: "icarosoft", sucursal: "mcbo1", token: "icadasd2cqgx123b" };
/** The demo company's branches, each under its own name and zone; the first is the seed's. */
const DEMO_BRANCHES = [
  { sucursal: "mcbo1", nombre: "Maracaibo 1", zona_horaria: "America/Caracas" },
  { sucursal: "bog1", nombre: "Bogotá 1", zona_horaria: "America/Bogota" },
  { sucursal: "cdmx1", nombre: "Ciudad de México 1", zona_horaria: "America/Mexico_City" },
];
const KEY_FILE = ".wrangler/demo-ingest-key";
const COMPANY_TOKEN_FILE = ".wrangler/demo-company-token";
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

/** The demo's company token: the one of an earlier start when it is still active, else a new one. */
async function demoCompanyToken() {
  const path = `/empresas/${DEMO.empresa}/tokens`;
  if (existsSync(COMPANY_TOKEN_FILE)) {
    const token = readFileSync(COMPANY_TOKEN_FILE, "utf8").trim();
    const imported = await adminCall("POST", path, { token, etiqueta: "demo" });
    if (imported.status === 201 || imported.status === 409) return token;
  }
  const created = await adminCall("POST", path, { etiqueta: "demo" });
  if (created.status !== 201) throw new Error(`company token failed: ${created.status}`);
  mkdirSync(".wrangler", { recursive: true });
  writeFileSync(COMPANY_TOKEN_FILE, created.body.token, { mode: 0o600 });
  return created.body.token;
}

async function provisionDemo() {
  for (const { sucursal, nombre, zona_horaria } of DEMO_BRANCHES) {
    const provisioned = await adminCall("PUT", `/empresas/${DEMO.empresa}/sucursales/${sucursal}`, { nombre, zona_horaria });
    if (provisioned.status !== 200 && provisioned.status !== 201) throw new Error(`provisioning ${sucursal} failed: ${provisioned.status}`);
  }
  const branch = `/empresas/${DEMO.empresa}/sucursales/${DEMO.sucursal}`;
  const imported = await adminCall("POST", `${branch}/tokens`, { token: DEMO.token, etiqueta: "ejemplo del seed" });
  if (imported.status !== 201 && imported.status !== 409) throw new Error(`token import failed: ${imported.status}`);
  return { key: await demoIngestKey(), companyToken: await demoCompanyToken() };
}

const { key, companyToken } = await provisionDemo();
const statusUrl = `${BASE}/helpdesk-status/?token=${DEMO.token}&empresa=${DEMO.empresa}&sucursal=${DEMO.sucursal}`;
const companyQuery = new URLSearchParams({ token: companyToken, empresa: DEMO.empresa });
console.log(
  `\nhelpdesk-status is running on ${BASE}\n  status:  ${statusUrl}\n  monitor: ${BASE}/monitor/#token=${DEMO.token}&empresa=${DEMO.empresa}&sucursal=${DEMO.sucursal}\n` +
    `  company token (${DEMO.empresa}: ${DEMO_BRANCHES.map((branch) => branch.sucursal).join(", ")}): ${companyToken}\n` +
    `  company view:      ${BASE}/helpdesk-status/empresa?${companyQuery}\n` +
    `  company wallboard: ${BASE}/monitor/#${companyQuery}\n  company panel:     ${BASE}/panel/#${companyQuery}\n  admin token: in .dev.vars\n`,
);

if (process.env.SIMULATOR !== "off") {
  for (const { sucursal } of DEMO_BRANCHES) {
    const simulator = createSimulator({ baseUrl: BASE, key, empresa: DEMO.empresa, sucursal, log: (line) => console.log(`[${sucursal}] ${line}`) });
    await simulator.reconcile();
    setInterval(() => simulator.tick().catch((error) => console.error(`simulator ${sucursal}: ${error.message}`)), TICK_MS);
  }
}
