/**
 * `npm run bench`: measures the read and ingest paths against their physical limits in one run on
 * one runtime, and writes bench/results.json and bench/RESULTS.md.
 *
 * It starts `wrangler dev` on 127.0.0.1:8790 with bench/entry.ts (the product plus bare handlers
 * and in-object probes) and a copy of wrangler.toml whose TOKEN_LIMIT is raised for the run and
 * which binds the bench-only DurableFloor object, then:
 * (a) status reads at N = 1,000 open chats, `detalle=false` against `GET /health` and with detail
 *     against bare bytes from memory, and `GET /helpdesk-status/metrics` against `detalle=false`,
 *     at each connection count; (b) ingestion in batches of 100
 *     and 500 events against the durable floor (the same bodies into a bare SQLite Durable Object
 *     that records each id and rewrites its chat row in one transaction) and a bare sink;
 *     (steps) the cost of each step of a 500-event request, and of the read path's limiter call;
 *     (c) inside the Durable Object, time per applied event and per snapshot build at 1,000 /
 *     10,000 / 100,000 open chats, and its memory at 100,000.
 * (d) the company view: its cached read against the branch's `detalle=false` read, its cache-miss
 *     cost at 1 / 10 / 100 / 200 branches (inside the Worker), and the lag from a branch's
 *     acknowledged event to the company view showing it.
 * Load is driven by autocannon; every figure is the median of interleaved rounds, and every ratio
 * the median of the rounds' own ratios, shown with their min–max (a target and its limit run back
 * to back in each round, so a neighbour's load drifting across the run cancels out).
 * Knobs (environment): BENCH_ROUNDS (7), BENCH_SECONDS (3), BENCH_CONNECTIONS (8,32: the read
 * figures run at each; ingestion at the first), BENCH_PORT (8790), BENCH_INSPECTOR_PORT (8796),
 * BENCH_ONLY (read, ingest, steps or company: that part alone, printed, no results files written).
 */
import autocannon from "autocannon";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startWrangler } from "../scripts/wrangler.mjs";

const ROOT = path.resolve(import.meta.dirname, "..");
const TMP = path.join(ROOT, "bench", "tmp");
const HOST = "127.0.0.1";
const PORT = Number(process.env.BENCH_PORT ?? 8790);
const INSPECTOR_PORT = Number(process.env.BENCH_INSPECTOR_PORT ?? 8796);
const BASE = `http://${HOST}:${PORT}`;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTION_COUNTS = (process.env.BENCH_CONNECTIONS ?? "8,32").split(",").map(Number);
const ONLY = process.env.BENCH_ONLY;
if (ONLY && !["read", "ingest", "steps", "company"].includes(ONLY)) throw new Error(`BENCH_ONLY is read, ingest, steps or company, not ${ONLY}`);
const N = 1000;
const PROBE_SIZES = [1000, 10_000, 100_000];
const PROBE_ROUNDS = 5;
const BENCH_LIMIT = 1_000_000_000;
const ADMIN_TOKEN = `bench-admin-${Math.random().toString(36).slice(2)}`;
const MINUTE = 60_000;

const log = (...args) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

// ---------------------------------------------------------------- the server

/** The bench-only durable floor (bench/entry.ts): never in the product's wrangler.toml. */
const FLOOR_BINDING = `
[[durable_objects.bindings]]
name = "DURABLE_FLOOR"
class_name = "DurableFloor"

[[migrations]]
tag = "bench-floor"
new_sqlite_classes = ["DurableFloor"]
`;

/** wrangler.toml with the bench entry, TOKEN_LIMIT raised and the floor bound; everything else as the product's. */
function writeBenchConfig() {
  let toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
  toml = toml.replace(/^main\s*=.*$/m, `main = ${JSON.stringify(path.join(ROOT, "bench", "entry.ts"))}`);
  const raised = toml.replace(/(name\s*=\s*"TOKEN_LIMIT"[\s\S]*?limit\s*=\s*)\d+/, `$1${BENCH_LIMIT}`);
  if (raised === toml) throw new Error("wrangler.toml has no TOKEN_LIMIT limit to raise");
  mkdirSync(TMP, { recursive: true });
  const file = path.join(TMP, "wrangler.toml");
  writeFileSync(file, raised + FLOOR_BINDING);
  return file;
}

/** wrangler dev with the bench config (scripts/wrangler.mjs), ready once /health answers. */
async function startServer(config, { fresh = true } = {}) {
  const state = path.join(TMP, "state");
  if (fresh) rmSync(state, { recursive: true, force: true });
  const server = await startWrangler({
    config,
    port: PORT,
    inspectorPort: INSPECTOR_PORT,
    persistTo: state,
    adminToken: ADMIN_TOKEN,
    output: "inherit",
    cwd: ROOT,
  });
  // Ctrl-C or a kill still stops it: process.exit runs the "exit" handlers.
  process.on("exit", () => {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {}
  });
  return server;
}

/** Resident memory (bytes) of the workerd processes in the server's process group. */
function workerdRss(groupId) {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (comm !== "workerd" || Number(fields[2]) !== groupId) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (rss) total += Number(rss[1]) * 1024;
    } catch {}
  }
  return total;
}

// ---------------------------------------------------------------- the API

async function api(method, pathname, { token, body } = {}) {
  const response = await fetch(`${BASE}${pathname}`, {
    method,
    headers: { Authorization: `Bearer ${token ?? ADMIN_TOKEN}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${pathname} → ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

async function provision(sucursal) {
  const empresa = "bench";
  await api("PUT", `/v1/admin/empresas/${empresa}/sucursales/${sucursal}`, { body: { nombre: `Bench ${sucursal}` } });
  const { token } = await api("POST", `/v1/admin/empresas/${empresa}/sucursales/${sucursal}/tokens`, { body: {} });
  const { clave } = await api("POST", `/v1/admin/empresas/${empresa}/claves-ingesta`, { body: {} });
  return { empresa, sucursal, token, key: clave };
}

const DEPARTMENTS = ["Ventas", "Soporte", "Cobranzas", "Postventa", null];
const ESTADOS = ["nuevo", "pendiente", "asignado"];

/** N open chats in one request: 10 % with the bot, the rest waiting 0 to 150 minutes, a third answered. */
async function loadChats(branch, n) {
  const now = Date.now();
  const eventos = [];
  for (let id = 1; id <= n; id++) {
    const estado = id % 10 === 0 ? "icarobot_ia" : ESTADOS[id % 3];
    const at = now - ((id * 7919) % (150 * MINUTE));
    eventos.push({
      id: `load-${id}`, tipo: "chat.actualizado", empresa: branch.empresa, sucursal: branch.sucursal,
      ocurrido_en: new Date(at).toISOString(),
      chat: {
        id_resumen: id, id_cliente: `CLI${id}`, departamento: DEPARTMENTS[id % DEPARTMENTS.length],
        numero_perfil: "+15551234567", numero_cliente: `+58414${String(id).padStart(7, "0")}`,
        nombre_cliente: `Cliente ${id}`, estado, agente: estado === "asignado" ? `agente${id % 40}` : null,
      },
    });
  }
  const result = await api("POST", "/v1/events", { token: branch.key, body: { eventos } });
  if (result.aceptados !== n) throw new Error(`loading ${n} chats accepted ${result.aceptados}`);
}

/** A batch of `size` new events on the branch's chats, all dated at `at` so none is stale. */
function batchMaker(branch, size, at) {
  let sequence = 0;
  const tipos = ["chat.mensaje_cliente", "chat.mensaje_agente"];
  const ocurrido_en = new Date(at).toISOString();
  return () => {
    const batch = ++sequence;
    const eventos = Array.from({ length: size }, (_, i) => ({
      id: `b${size}-${process.pid}-${batch}-${i}`,
      tipo: tipos[(batch + i) % 2],
      empresa: branch.empresa,
      sucursal: branch.sucursal,
      ocurrido_en,
      chat: { id_resumen: 1 + ((batch * 7 + i * 13) % N) },
    }));
    return JSON.stringify({ eventos });
  };
}

// ---------------------------------------------------------------- load

async function drive(name, options) {
  const result = await autocannon({ connections: CONNECTION_COUNTS[0], duration: SECONDS, ...options });
  const ok = result["2xx"];
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) log(`  ${name}: ${bad} failed requests (non-2xx ${result.non2xx}, errors ${result.errors})`);
  return { rps: ok / (result.duration || SECONDS), p50: result.latency.p50, p99: result.latency.p99, failed: bad };
}

/** Runs every target once per round, rotating their order, and keeps the medians and each round's rate. */
async function interleaved(targets) {
  const samples = Object.fromEntries(Object.keys(targets).map((name) => [name, []]));
  const names = Object.keys(targets);
  for (const name of names) await drive(name, { ...targets[name](), duration: 1 }); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const name of order) samples[name].push(await drive(name, targets[name]()));
    log(`  round ${r + 1}/${ROUNDS}: ${order.map((name) => `${name} ${Math.round(samples[name].at(-1).rps)}/s`).join(", ")}`);
  }
  return Object.fromEntries(
    names.map((name) => [
      name,
      {
        rps: round(median(samples[name].map((s) => s.rps)), 1),
        p50_ms: median(samples[name].map((s) => s.p50)),
        p99_ms: median(samples[name].map((s) => s.p99)),
        failed: samples[name].reduce((sum, s) => sum + s.failed, 0),
        rounds_rps: samples[name].map((s) => round(s.rps, 1)),
      },
    ]),
  );
}

async function readPath(branch, connections) {
  log(`(a) status reads at N = ${N}, ${connections} connections`);
  const query = (extra = "") => `/helpdesk-status/?${new URLSearchParams({ token: branch.token, empresa: branch.empresa, sucursal: branch.sucursal })}${extra}`;
  const metricsQuery = `/helpdesk-status/metrics?${new URLSearchParams({ token: branch.token, empresa: branch.empresa, sucursal: branch.sucursal })}`;
  const detailBytes = await (await fetch(`${BASE}${query()}`)).text();
  const metricsBytes = await (await fetch(`${BASE}${metricsQuery}`)).text();
  const lightBytes = await (await fetch(`${BASE}${query("&detalle=false")}`)).text();
  // The bare slots live in the isolate's memory: if wrangler dev restarts the isolate they are empty
  // and the "limit" would be an empty 200. So they are filled, checked, and checked again after.
  const checkSlots = async (when) => {
    for (const [slot, bytes] of [["detail", detailBytes], ["light", lightBytes]]) {
      const served = await (await fetch(`${BASE}/__bare/bytes/${slot}`)).text();
      if (Buffer.byteLength(served) !== Buffer.byteLength(bytes)) {
        throw new Error(`bare slot "${slot}" ${when} serves ${Buffer.byteLength(served)} bytes, not ${Buffer.byteLength(bytes)}: the comparison would be void`);
      }
    }
  };
  await fetch(`${BASE}/__bare/bytes/detail`, { method: "PUT", body: detailBytes });
  await fetch(`${BASE}/__bare/bytes/light`, { method: "PUT", body: lightBytes });
  await checkSlots("before the rounds");
  const results = await interleaved({
    health: () => ({ url: `${BASE}/health`, connections }),
    status_light: () => ({ url: `${BASE}${query("&detalle=false")}`, connections }),
    metrics: () => ({ url: `${BASE}${metricsQuery}`, connections }),
    bare_light_bytes: () => ({ url: `${BASE}/__bare/bytes/light`, connections }),
    status_detail: () => ({ url: `${BASE}${query()}`, connections }),
    bare_detail_bytes: () => ({ url: `${BASE}/__bare/bytes/detail`, connections }),
  });
  await checkSlots("after the rounds");
  // The Worker's own time per request (network and proxy left out), medians of 5 rounds of 500.
  const inside = { health: [], status_light: [], status_detail: [], metrics: [] };
  for (let i = 0; i < 5; i++) {
    const cost = await api("POST", "/__probe/read-cost", { body: { paths: ["/health", query("&detalle=false"), query(), metricsQuery], times: 500 } });
    inside.health.push(cost["/health"]);
    inside.status_light.push(cost[query("&detalle=false")]);
    inside.status_detail.push(cost[query()]);
    inside.metrics.push(cost[metricsQuery]);
  }
  const worker_us = Object.fromEntries(Object.entries(inside).map(([name, values]) => [name, round(median(values), 1)]));
  return {
    ...results,
    connections,
    worker_us,
    detail_bytes: Buffer.byteLength(detailBytes),
    light_bytes: Buffer.byteLength(lightBytes),
    metrics_bytes: Buffer.byteLength(metricsBytes),
  };
}

const COMPANY_SIZES = [1, 10, 100, 200];

/** A company of `count` branches, each with a few chats in two departments, and its company token. */
async function provisionCompany(empresa, count) {
  for (let i = 0; i < count; i++) await api("PUT", `/v1/admin/empresas/${empresa}/sucursales/s${i}`, { body: { nombre: `Sucursal ${i}` } });
  const { token } = await api("POST", `/v1/admin/empresas/${empresa}/tokens`, { body: {} });
  const { clave } = await api("POST", `/v1/admin/empresas/${empresa}/claves-ingesta`, { body: {} });
  const now = Date.now();
  for (let from = 0; from < count; from += 100) {
    const eventos = [];
    for (let i = from; i < Math.min(count, from + 100); i++) {
      for (let c = 1; c <= 5; c++) {
        eventos.push({ id: `c-${empresa}-${i}-${c}`, tipo: "chat.actualizado", empresa, sucursal: `s${i}`, ocurrido_en: new Date(now - c * 7 * MINUTE).toISOString(),
          chat: { id_resumen: c, departamento: c % 2 ? "Ventas" : "Soporte", estado: c === 5 ? "asignado" : "nuevo", agente: c === 5 ? "ana" : null } });
      }
    }
    await api("POST", "/v1/events", { token: clave, body: { eventos } });
  }
  // Every branch has reported once its version shows in the company view.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const body = await api("GET", `/helpdesk-status/empresa?${new URLSearchParams({ empresa })}`, { token });
    if (body.sucursales.length === count && body.sucursales.every((entry) => entry.version > 0)) break;
    if (Date.now() > deadline) throw new Error(`company ${empresa}: not every branch reported`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { empresa, token, key: clave };
}

async function companyPath(branch) {
  log("(d) the company view");
  const companies = {};
  for (const count of COMPANY_SIZES) companies[count] = await provisionCompany(`bench-e${count}`, count);
  const light = `${BASE}/helpdesk-status/?${new URLSearchParams({ token: branch.token, empresa: branch.empresa, sucursal: branch.sucursal, detalle: "false" })}`;
  const company = companies[10];
  const companyUrl = `${BASE}/helpdesk-status/empresa?${new URLSearchParams({ token: company.token, empresa: company.empresa })}`;
  const reads = await interleaved({
    status_light: () => ({ url: light }),
    company_cached: () => ({ url: companyUrl }),
  });

  const miss_us = {};
  for (const count of COMPANY_SIZES) {
    const samples = [];
    for (let i = 0; i < 5; i++) samples.push((await api("POST", "/__probe/company-miss", { body: { empresa: companies[count].empresa, times: 200 } })).miss_us);
    miss_us[count] = round(median(samples), 1);
  }

  // A whole cache-miss request as a client sees it: a departamento never asked before misses the
  // Worker's cache and the object's memo, and builds an entry (of zeros, the same shape) per branch.
  const miss_request_ms = {};
  for (const count of COMPANY_SIZES) {
    const { empresa, token } = companies[count];
    const samples = [];
    for (let i = 0; i < 40; i++) {
      const url = `${BASE}/helpdesk-status/empresa?${new URLSearchParams({ token, empresa, departamento: `d${count}-${i}-${Date.now()}` })}`;
      const start = performance.now();
      await (await fetch(url)).arrayBuffer();
      samples.push(performance.now() - start);
    }
    miss_request_ms[count] = round(median(samples), 2);
  }

  // Lag: from a branch's acknowledged event to the company view showing that branch's new version.
  const lags = [];
  const target = companies[100];
  const query = new URLSearchParams({ token: target.token, empresa: target.empresa });
  for (let i = 0; i < 15; i++) {
    const sucursal = `s${(i * 7) % 100}`;
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await api("POST", "/v1/events", { token: target.key, body: { eventos: [{ id: `lag-${Date.now()}-${i}`, tipo: "chat.actualizado", empresa: target.empresa, sucursal, ocurrido_en: new Date().toISOString(), chat: { id_resumen: 1000 + i } }] } });
    const acknowledged = performance.now();
    const own = await api("GET", `/helpdesk-status/?${new URLSearchParams({ empresa: target.empresa, sucursal, detalle: "false" })}`, { token: target.token });
    for (;;) {
      const body = await (await fetch(`${BASE}/helpdesk-status/empresa?${query}`)).json();
      if (body.sucursales.find((entry) => entry.sucursal === sucursal).version >= own.version) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    lags.push(round(performance.now() - acknowledged, 0));
  }
  const sorted = [...lags].sort((a, b) => a - b);
  return { ...reads, miss_us, miss_request_ms, lag_ms: { median: median(lags), max: sorted.at(-1), samples: lags } };
}

async function ingestPath(branch) {
  log(`(b) ingestion in batches of 100 and 500 events, ${CONNECTION_COUNTS[0]} connections`);
  const at = Date.now();
  const post = (pathname, token, size) => {
    const next = batchMaker(branch, size, at);
    return () => ({
      url: BASE,
      requests: [
        {
          method: "POST",
          path: pathname,
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
          setupRequest: (request) => ({ ...request, body: next() }),
        },
      ],
    });
  };
  const results = await interleaved({
    ingest_100: post("/v1/events", branch.key, 100),
    floor_100: post("/__bare/floor", branch.key, 100),
    ingest_500: post("/v1/events", branch.key, 500),
    floor_500: post("/__bare/floor", branch.key, 500),
    bare_sink_500: post("/__bare/sink", branch.key, 500),
  });
  for (const [name, value] of Object.entries(results)) value.events_per_s = round(value.rps * Number(name.split("_").at(-1)), 0);
  results.connections = CONNECTION_COUNTS[0];
  results.body_bytes_100 = batchMaker(branch, 100, at)().length;
  results.body_bytes_500 = batchMaker(branch, 500, at)().length;
  // The Worker's share per event (JSON.parse + zod), measured inside workerd; medians of 5.
  const body = batchMaker(branch, 500, at)();
  const validation = [];
  for (let i = 0; i < 5; i++) validation.push((await (await fetch(`${BASE}/__probe/validate`, { method: "POST", body })).json()).msPerEvent);
  results.validation_ms_per_event = median(validation);
  return results;
}

/**
 * Each step of one 500-event request (µs per event), medians of 5 probe rounds, and the read
 * path's limiter call (µs per call). Runs on the ingest branch's own object (`bench/ingesta`).
 */
async function ingestSteps(branch) {
  log("(steps) each step of a 500-event request, and the limiter call");
  const body = batchMaker(branch, 500, Date.now())();
  const samples = [];
  for (let i = 0; i < 6; i++) samples.push(await api("POST", "/__probe/steps", { body: { body, key: branch.key, name: branch.sucursal, times: 20 } }));
  samples.shift(); // warm-up
  return Object.fromEntries(Object.keys(samples[0]).map((key) => [key, round(median(samples.map((s) => s[key])), 2)]));
}

const probe = (body) => api("POST", "/__probe/costs", { body });
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The largest object's memory, as it is after a restart: a fresh server (same storage), then
 * workerd's resident memory before and after the object wakes and loads its chats from SQLite,
 * settled for 2 s. A JavaScript heap cannot be read from outside: this includes what the load left
 * for the garbage collector, so it is an upper bound.
 */
async function largestObjectMemory(config) {
  const n = PROBE_SIZES.at(-1);
  const server = await startServer(config, { fresh: false });
  try {
    await pause(2000);
    const before = workerdRss(server.child.pid);
    const started = Date.now();
    const { open } = await probe({ action: "open", name: `n${n}` });
    const wakeS = (Date.now() - started) / 1000;
    await pause(2000);
    const after = workerdRss(server.child.pid);
    const memory = { n, open, rss_before_mb: round(before / 2 ** 20, 1), rss_after_mb: round(after / 2 ** 20, 1), wake_s: round(wakeS, 1) };
    memory.growth_mb = round(memory.rss_after_mb - memory.rss_before_mb, 1);
    log(`(c) after a restart, the ${n}-chat object woke in ${memory.wake_s} s; workerd RSS ${memory.rss_before_mb} → ${memory.rss_after_mb} MB`);
    return memory;
  } finally {
    await server.stop();
  }
}

async function objectCosts(serverGroup) {
  log("(c) inside the Durable Object at 1,000 / 10,000 / 100,000 open chats");
  const loads = {};
  for (const n of PROBE_SIZES) {
    const before = workerdRss(serverGroup);
    const started = Date.now();
    await probe({ action: "load", name: `n${n}`, n });
    loads[n] = { load_s: round((Date.now() - started) / 1000, 1), rss_growth_mb: round((workerdRss(serverGroup) - before) / 2 ** 20, 1) };
    log(`  loaded ${n} chats through applyEvents in ${loads[n].load_s} s (workerd RSS +${loads[n].rss_growth_mb} MB)`);
  }
  const samples = Object.fromEntries(PROBE_SIZES.map((n) => [n, []]));
  const costsAt = (n) => {
    const big = n >= 100_000;
    return probe({ action: "costs", name: `n${n}`, events: 3000, builds: big ? 1000 : 3000, detailBuilds: big ? 3 : 20, scans: big ? 3 : 20 });
  };
  for (const n of PROBE_SIZES) await costsAt(n); // warm-up: the first round also pays for compiling
  for (let r = 0; r < PROBE_ROUNDS; r++) {
    for (const n of PROBE_SIZES) samples[n].push(await costsAt(n));
    log(`  round ${r + 1}/${PROBE_ROUNDS} done`);
  }
  const costs = {};
  for (const n of PROBE_SIZES) {
    const keys = Object.keys(samples[n][0]);
    costs[n] = Object.fromEntries(keys.map((key) => [key, median(samples[n].map((s) => s[key]))]));
  }
  return { costs, loads };
}

// ---------------------------------------------------------------- report

/** A ratio taken round by round (target and limit back to back): its median and min–max. */
function pairedRatio(target, limit) {
  const values = target.rounds_rps.map((rps, i) => rps / limit.rounds_rps[i]);
  return { median: round(median(values), 3), min: round(Math.min(...values), 3), max: round(Math.max(...values), 3) };
}

const spread = (ratio) => `${round(ratio.median, 2)} (${round(ratio.min, 2)}–${round(ratio.max, 2)})`;

/** The read figures' ratios at one connection count. */
function readRatios(read) {
  return {
    light_vs_health: pairedRatio(read.status_light, read.health),
    light_vs_bare: pairedRatio(read.status_light, read.bare_light_bytes),
    metrics_vs_light: pairedRatio(read.metrics, read.status_light),
    bare_light_vs_health: pairedRatio(read.bare_light_bytes, read.health),
    detail_vs_bare: pairedRatio(read.status_detail, read.bare_detail_bytes),
  };
}

function ingestRatios(ingest) {
  return {
    ingest100_vs_floor: pairedRatio(ingest.ingest_100, ingest.floor_100),
    ingest500_vs_floor: pairedRatio(ingest.ingest_500, ingest.floor_500),
    floor500_vs_bare_sink: pairedRatio(ingest.floor_500, ingest.bare_sink_500),
  };
}

const STEP_NAMES = {
  keyCheck: "key check (KV record + hash compare)",
  bodyReader: "body reader (stream, size check, UTF-8, JSON.parse)",
  validation: "validation (every event, all or nothing)",
  rpc: "RPC into the object and back (nothing done there)",
  ordering: "per-chat ordering (stable sort)",
  idLookup: "id lookup and record (the batch's new ids inserted, the others found, SQLite)",
  idClaim: "id claim (that, then forgetting the new ids left unclaimed, SQLite)",
  floorIdInsert: "for comparison: one INSERT OR IGNORE per id into a table like the floor's (id primary key only)",
  timedIdInsert: "for comparison: the same into a table with a time index too (the product's before it pruned in insertion order)",
  apply: "apply (model)",
  indexUpkeep: "chat index upkeep",
  writes: "writes (chat rows + summary, SQLite)",
  wholeObjectMethod: "the object's applyEvents as it runs (all of its steps, one transaction)",
};

function stepLines(steps) {
  const lines = ["| step | µs per event |", "|---|---|"];
  for (const [key, label] of Object.entries(STEP_NAMES)) if (key in steps) lines.push(`| ${label} | ${steps[key]} |`);
  lines.push("", `The read path's per-token limiter call (\`TOKEN_LIMIT.limit\`, awaited on every read): ${steps.limiterUsPerCall} µs per call.`);
  return lines;
}

function report(results) {
  const { reads, ingest, steps, object, company } = results;
  const us = (ms) => round(ms * 1000, 1);
  const check = (ratio, target, atLeast = true) => (atLeast ? ratio >= target : ratio <= target) ? "yes" : "**no**";
  const lines = [];
  const c = object.costs;
  const [small, , large] = PROBE_SIZES;
  const applyGrowth = c[large].applyMsPerEvent / c[small].applyMsPerEvent;
  const floorGrowth = c[large].sqlFloorMsPerEvent / c[small].sqlFloorMsPerEvent;
  const lightGrowth = c[large].lightBuildMs / c[small].lightBuildMs;
  const ratios = { ...ingestRatios(ingest) };
  for (const read of reads) for (const [key, value] of Object.entries(readRatios(read))) ratios[`${key}_c${read.connections}`] = value;
  ratios.apply_growth_100k_vs_1k = round(applyGrowth, 3);
  ratios.sql_floor_growth_100k_vs_1k = round(floorGrowth, 3);
  ratios.light_build_growth_100k_vs_1k = round(lightGrowth, 3);
  const paired = (target, limit) => pairedRatio(target, limit).median;
  ratios.company_cached_vs_light = paired(company.company_cached, company.status_light);
  ratios.company_miss_growth_200_vs_1 = round(company.miss_us[200] / company.miss_us[1], 3);
  ratios.company_miss_request_growth_200_vs_1 = round(company.miss_request_ms[200] / company.miss_request_ms[1], 3);
  results.ratios = ratios;
  const rs = (r) => `${r.rps} req/s (p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms)`;

  lines.push("# Benchmark results", "");
  lines.push(`Written by \`npm run bench\` (bench/run.mjs) on ${results.meta.date}: ${results.meta.machine}.`);
  lines.push(`wrangler dev ${results.meta.wrangler} on ${HOST}:${PORT}; autocannon ${results.meta.autocannon}; read figures at ${CONNECTION_COUNTS.join(" and ")} connections,`);
  lines.push(`ingestion at ${ingest.connections}; ${ROUNDS} interleaved rounds of ${SECONDS} s per target, medians shown; each ratio is the median of the`);
  lines.push("rounds' own ratios (target and limit back to back in each round), with their min–max in brackets. Every limit was");
  lines.push("measured in this same run on the same runtime and process; the load tool shares the machine's cores with the server,");
  lines.push("so only ratios within one run mean anything.", "");
  lines.push("| figure | measured | limit (same run) | ratio median (min–max) | target | met |");
  lines.push("|---|---|---|---|---|---|");
  for (const read of reads) {
    const r = readRatios(read);
    const at = `${read.connections} conn.`;
    lines.push(`| (a) status \`detalle=false\`, N = ${N} (${read.light_bytes} B), ${at} | ${rs(read.status_light)} | \`GET /health\`: ${rs(read.health)} | ${spread(r.light_vs_health)} | ≥ 0.9 | ${check(r.light_vs_health.median, 0.9)} |`);
    lines.push(`| (a) — the same, against a bare Worker sending its ${read.light_bytes} bytes from memory, ${at} | ${rs(read.status_light)} | ${rs(read.bare_light_bytes)} (itself ${spread(r.bare_light_vs_health)} × \`/health\`) | ${spread(r.light_vs_bare)} | — | — |`);
    lines.push(`| (a) \`GET /helpdesk-status/metrics\`, N = ${N} (${read.metrics_bytes} B of Prometheus text), ${at} | ${rs(read.metrics)} | status \`detalle=false\` of the same branch: ${rs(read.status_light)} | ${spread(r.metrics_vs_light)} | ≥ 0.9 | ${check(r.metrics_vs_light.median, 0.9)} |`);
    lines.push(`| (a) status with detail, N = ${N} (${read.detail_bytes} B), ${at} | ${rs(read.status_detail)} | bare Worker, same bytes from memory: ${rs(read.bare_detail_bytes)} | ${spread(r.detail_vs_bare)} | ≥ 0.9 | ${check(r.detail_vs_bare.median, 0.9)} |`);
  }
  lines.push(`| (b) ingest, batches of 100 (${ingest.body_bytes_100} B) | ${ingest.ingest_100.events_per_s} events/s (${ingest.ingest_100.rps} req/s, p99 ${ingest.ingest_100.p99_ms} ms) | durable floor, same bodies: ${ingest.floor_100.events_per_s} events/s | ${spread(ratios.ingest100_vs_floor)} | — | — |`);
  lines.push(`| (b) ingest, batches of 500 (${ingest.body_bytes_500} B) | ${ingest.ingest_500.events_per_s} events/s (${ingest.ingest_500.rps} req/s, p99 ${ingest.ingest_500.p99_ms} ms) | durable floor, same bodies: ${ingest.floor_500.events_per_s} events/s | ${spread(ratios.ingest500_vs_floor)} | ≥ 0.7 | ${check(ratios.ingest500_vs_floor.median, 0.7)} |`);
  lines.push(`| (b) — the durable floor itself, batches of 500 | ${ingest.floor_500.events_per_s} events/s | bare sink (body read and dropped, no object): ${ingest.bare_sink_500.events_per_s} events/s | ${spread(ratios.floor500_vs_bare_sink)} | — | — |`);
  lines.push(`| (c) apply per event, 1k / 10k / 100k open chats | ${PROBE_SIZES.map((n) => `${us(c[n].applyMsPerEvent)} µs`).join(" / ")} | SQL floor (event id + one row): ${PROBE_SIZES.map((n) => `${us(c[n].sqlFloorMsPerEvent)}`).join(" / ")} µs, itself growing ${round(floorGrowth, 2)}× | growth 100k/1k: ${round(applyGrowth, 2)} | ≤ the floor's ${round(floorGrowth, 2)} | ${check(applyGrowth, floorGrowth, false)} |`);
  lines.push(`| (c) — its in-memory share (model + chat index, no SQL) | ${PROBE_SIZES.map((n) => `${us(c[n].inMemoryMsPerEvent)} µs`).join(" / ")} | — | growth 100k/1k: ${round(c[large].inMemoryMsPerEvent / c[small].inMemoryMsPerEvent, 2)} | — | — |`);
  lines.push(`| (c) snapshot build \`detalle=false\`, 1k / 10k / 100k | ${PROBE_SIZES.map((n) => `${us(c[n].lightBuildMs)} µs`).join(" / ")} | serializing the same body: ${PROBE_SIZES.map((n) => `${us(c[n].lightSerializeMs)}`).join(" / ")} µs | growth 100k/1k: ${round(lightGrowth, 2)} | ≤ 2 | ${check(lightGrowth, 2, false)} |`);
  lines.push(`| (c) snapshot build with detail, 1k / 10k / 100k | ${PROBE_SIZES.map((n) => `${round(c[n].detailBuildMs, 2)} ms`).join(" / ")} | serializing the same body: ${PROBE_SIZES.map((n) => `${round(c[n].detailSerializeMs, 2)}`).join(" / ")} ms | — | — | — |`);
  lines.push(`| (d) company view from its cache, 10 branches | ${rs(company.company_cached)} | branch \`detalle=false\`: ${rs(company.status_light)} | ${round(ratios.company_cached_vs_light, 2)} | ≥ 0.9 | ${check(ratios.company_cached_vs_light, 0.9)} |`);
  lines.push(`| (d) company cache miss (one roll-up call), 1 / 10 / 100 / 200 branches | ${COMPANY_SIZES.map((n) => `${company.miss_us[n]} µs`).join(" / ")} | — | growth 200/1: ${round(ratios.company_miss_growth_200_vs_1, 2)} | ≤ 2 | ${check(ratios.company_miss_growth_200_vs_1, 2, false)} |`);
  lines.push(`| (d) company cache-miss request as a client sees it, 1 / 10 / 100 / 200 branches | ${COMPANY_SIZES.map((n) => `${company.miss_request_ms[n]} ms`).join(" / ")} | — | growth 200/1: ${round(ratios.company_miss_request_growth_200_vs_1, 2)} | ≤ 2 | ${check(ratios.company_miss_request_growth_200_vs_1, 2, false)} |`);
  lines.push(`| (d) a branch's change visible in the company view | median ${company.lag_ms.median} ms, max ${company.lag_ms.max} ms | — | — | ≤ 1000 ms | ${check(company.lag_ms.max, 1000, false)} |`);
  lines.push(`| (c) object memory at 100k open chats | after a restart, waking it (loading ${object.memory.open} chats from SQLite) grew workerd's resident memory by ${object.memory.growth_mb} MB (${object.memory.rss_before_mb} → ${object.memory.rss_after_mb} MB, in ${object.memory.wake_s} s); an upper bound, garbage included | Durable Object isolate limit: 128 MB | — | — | — |`);
  lines.push("");
  lines.push("For contrast, the full-scan builder the index replaced (`detalle=false`): " +
    PROBE_SIZES.map((n) => `${us(c[n].fullScanLightBuildMs)} µs at ${n}`).join(", ") +
    "; rebuilding the index from scratch (on load or reconciliation): " +
    PROBE_SIZES.map((n) => `${round(c[n].indexRebuildMs, 2)} ms`).join(" / ") + ".");
  lines.push(`Waiting chats in the probe objects: ${PROBE_SIZES.map((n) => c[n].waiting).join(" / ")}; detail bodies ${PROBE_SIZES.map((n) => `${round(c[n].detailBytes / 1024, 0)} KiB`).join(" / ")}.`);
  const [firstRead] = reads;
  lines.push("", `The Worker's own time per request, network and proxy left out (\`app.fetch\` in a loop inside the isolate):`);
  lines.push(`\`/health\` ${firstRead.worker_us.health} µs, status \`detalle=false\` ${firstRead.worker_us.status_light} µs, status with detail ${firstRead.worker_us.status_detail} µs, metrics ${firstRead.worker_us.metrics} µs;`);
  lines.push(`against ${round(1e6 / firstRead.health.rps, 0)} µs of machine time per \`/health\` request through wrangler dev (1 / its throughput): the rest`);
  lines.push("is the local proxy, the HTTP stack and the load tool, which every path pays alike.");
  lines.push("", "Each step of one 500-event request, taken apart inside workerd (medians of 5 probe rounds of 20 requests):", "");
  lines.push(...stepLines(steps));
  lines.push("", "Per-round request rates (req/s), in order:", "");
  const perRound = (prefix, group) => {
    for (const [name, value] of Object.entries(group)) {
      if (value && value.rounds_rps) lines.push(`- ${prefix}${name}: ${value.rounds_rps.map(Math.round).join(", ")}${value.failed ? ` (${value.failed} failed)` : ""}`);
    }
  };
  for (const read of reads) perRound(`${read.connections} conn. `, read);
  perRound(`${ingest.connections} conn. `, ingest);
  lines.push("", "Raw figures: bench/results.json.", "");
  return lines.join("\n");
}

// ---------------------------------------------------------------- main

async function main() {
  // Ctrl-C or a kill still stops the servers: process.exit runs the "exit" handlers.
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));
  const started = Date.now();
  const config = writeBenchConfig();
  log(`starting wrangler dev on ${BASE}`);
  const server = await startServer(config);
  try {
    const reader = await provision("lectura");
    await loadChats(reader, N);
    const writer = await provision("ingesta");
    await loadChats(writer, N);

    if (ONLY) {
      // One part alone, printed, no results files written.
      if (ONLY === "read") {
        for (const connections of CONNECTION_COUNTS) {
          const read = await readPath(reader, connections);
          console.log(JSON.stringify({ read, ratios: readRatios(read) }, null, 2));
        }
      }
      if (ONLY === "ingest") {
        const ingest = await ingestPath(writer);
        console.log(JSON.stringify({ ingest, ratios: ingestRatios(ingest) }, null, 2));
      }
      if (ONLY === "steps") console.log(stepLines(await ingestSteps(writer)).join("\n"));
      if (ONLY === "company") console.log(JSON.stringify(await companyPath(reader), null, 2));
      return;
    }
    const reads = [];
    for (const connections of CONNECTION_COUNTS) reads.push(await readPath(reader, connections));
    const company = await companyPath(reader);
    const ingest = await ingestPath(writer);
    const steps = await ingestSteps(writer);
    const object = await objectCosts(server.child.pid);
    await server.stop();
    object.memory = await largestObjectMemory(config);

    const pkg = (name) => JSON.parse(readFileSync(path.join(ROOT, "node_modules", name, "package.json"), "utf8")).version;
    const results = {
      meta: {
        date: new Date().toISOString(),
        machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}, ${os.platform()}`,
        wrangler: pkg("wrangler"),
        autocannon: pkg("autocannon"),
        command: "npm run bench",
        rounds: ROUNDS,
        seconds_per_round: SECONDS,
        connections: CONNECTION_COUNTS,
        open_chats: N,
        duration_s: 0,
      },
      reads,
      ingest,
      steps,
      object,
      company,
    };
    const markdown = report(results);
    results.meta.duration_s = Math.round((Date.now() - started) / 1000);
    writeFileSync(path.join(ROOT, "bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(path.join(ROOT, "bench", "RESULTS.md"), `${markdown}Whole run: ${results.meta.duration_s} s.\n`);
    log(`done in ${results.meta.duration_s} s: bench/RESULTS.md`);
    console.log(markdown);
  } finally {
    server.stop();
  }
}

if (!existsSync(path.join(ROOT, "node_modules", "autocannon"))) throw new Error("run npm install first");
main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
