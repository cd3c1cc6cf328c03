/**
 * `npm run soak`: load and a hard crash, then proof that nothing acknowledged was lost and nothing
 * was applied twice. Loopback only, bounded in time.
 *
 * It starts `wrangler dev` on 127.0.0.1 with its state in a fresh temporary directory, provisions
 * several branches, and has concurrent producers push tens of thousands of events in shuffled
 * batches of 50–500 (duplicates inside a batch, whole batches delivered twice, some requests
 * abandoned by a short client-side timeout), while readers poll the status route and, where the
 * route exists, WebSocket monitors stay connected. Midway it SIGKILLs the whole wrangler process
 * group and restarts it on the same state. A request is acknowledged only by a 200; anything else
 * is retried as it was until it is.
 *
 * Then it checks:
 * - every branch's snapshot against a reference model of the events (each chat's latest event
 *   decides whether it is open, its estado and whether it waits: the mix has no agent messages);
 * - a final pass re-sends every distinct event of every request: nothing may be accepted then (an
 *   acknowledged event missing from storage would be: "lost"), and for every request whose attempts
 *   were all answered, the events it reported `aceptados` must equal the events stored as applied
 *   ("applied twice" counts any excess);
 * - each acknowledged answer adds up (aceptados + duplicados + obsoletos = events sent), readers
 *   never see a branch's `version` go back, even across the crash.
 */
import { startWrangler } from "./wrangler.mjs";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes, randomUUID } from "node:crypto";

const HOST = "127.0.0.1";
const PORT = Number(process.env.SOAK_PORT ?? 8799);
const BASE = `http://${HOST}:${PORT}`;
const BRANCHES = Number(process.env.SOAK_BRANCHES ?? 6);
const CHATS_PER_BRANCH = Number(process.env.SOAK_CHATS ?? 2500);
const PRODUCERS = Number(process.env.SOAK_PRODUCERS ?? 6);
const WS_CLIENTS = Number(process.env.SOAK_WS ?? 2);
/** Bound of the load phase (from its start: starting wrangler on a loaded machine is not under test). */
const DEADLINE_MS = Number(process.env.SOAK_DEADLINE_MS ?? 180_000);
/** No request acknowledged for this long while some are pending: the run is stuck, and fails at once, naming them. */
const STALL_MS = Number(process.env.SOAK_STALL_MS ?? 60_000);
/** The whole run's last-resort bound: startup, load, restart, checks and the final pass. */
const WATCHDOG_MS = Number(process.env.SOAK_WATCHDOG_MS ?? DEADLINE_MS + 240_000);
const KILL_AT = 0.4; // share of requests acknowledged when the runtime is killed
const ESTADOS = ["nuevo", "pendiente", "asignado", "icarobot_ia"];
const BOT = "icarobot_ia";

const started = Date.now();
const stateDir = mkdtempSync(join(tmpdir(), "helpdesk-soak-"));
const logPath = join(stateDir, "wrangler.log");
const log = createWriteStream(logPath);
const adminToken = `soak-admin-${randomBytes(18).toString("base64url")}`;
const empresa = "soak";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const random = (n) => Math.floor(Math.random() * n);
const chance = (p) => Math.random() < p;
let loadStartedAt = null;
/** Time left for the load phase; before it starts, for starting the server. */
const timeLeft = () => DEADLINE_MS - (Date.now() - (loadStartedAt ?? started));
/** What the run is doing, for the watchdog's report. */
let phase = "starting";
let lastAcknowledgedAt = Date.now();

// ---------------------------------------------------------------- the runtime, killed and restarted

let wrangler = null;

async function start() {
  wrangler = await startWrangler({ port: PORT, persistTo: stateDir, adminToken, output: log, timeoutMs: Math.max(1_000, timeLeft()) });
}

async function crashAndRestart() {
  // Waits until the whole group (workerd included) is gone, so the port is free before restarting.
  await wrangler.kill("SIGKILL");
  const killedAt = Date.now();
  await start();
  return Date.now() - killedAt;
}

function killGroup(signal) {
  try {
    if (wrangler) process.kill(-wrangler.pid, signal);
  } catch {}
}

function cleanUp() {
  killGroup("SIGTERM");
  setTimeout(() => killGroup("SIGKILL"), 2000).unref();
}
process.on("SIGINT", () => {
  cleanUp();
  process.exit(130);
});

// ---------------------------------------------------------------- setup

async function adminCall(method, path, body) {
  const response = await fetch(`${BASE}/v1/admin${path}`, {
    method,
    headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
    body: body && JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** A fixed-offset zone where it is now about noon, so no local midnight falls inside the run. */
function noonZone() {
  let offset = 12 - new Date().getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  return offset === 0 ? "Etc/GMT" : `Etc/GMT${offset > 0 ? "-" : "+"}${Math.abs(offset)}`;
}

async function provision() {
  const branches = [];
  const zona_horaria = noonZone();
  for (let i = 1; i <= BRANCHES; i++) {
    const sucursal = `suc${i}`;
    const path = `/empresas/${empresa}/sucursales/${sucursal}`;
    await adminCall("PUT", path, { nombre: `Soak ${i}`, zona_horaria });
    const reader = await adminCall("POST", `${path}/tokens`, { etiqueta: "lector" });
    const monitor = await adminCall("POST", `${path}/tokens`, { etiqueta: "monitor" });
    const checker = await adminCall("POST", `${path}/tokens`, { etiqueta: "verificacion" });
    branches.push({ sucursal, readerToken: reader.token, monitorToken: monitor.token, checkToken: checker.token });
  }
  const { clave } = await adminCall("POST", `/empresas/${empresa}/claves-ingesta`, { etiqueta: "soak" });
  return { branches, key: clave };
}

// ---------------------------------------------------------------- the events and their model

/**
 * Each chat gets 1–10 events at distinct instants in the last 30 minutes: `chat.actualizado` with
 * a random estado, or `chat.cerrado`. All are then shuffled across batches, so most arrive out of
 * order and the older ones come back `obsoletos`; only each chat's latest event decides its end.
 */
function generate(branches) {
  const events = [];
  const expected = new Map(); // sucursal -> Map(id_resumen -> final chat)
  const now = Date.now();
  for (const { sucursal } of branches) {
    const finals = new Map();
    for (let id = 1; id <= CHATS_PER_BRANCH; id++) {
      const count = 1 + random(10);
      let at = now - 30 * 60_000 + random(60_000);
      let last = null;
      for (let n = 0; n < count; n++) {
        at += 1 + random(120_000);
        const closing = n > 0 && chance(0.3);
        const chat = closing ? { id_resumen: id } : { id_resumen: id, estado: ESTADOS[random(4)], nombre_cliente: `Cliente ${id}` };
        last = { tipo: closing ? "chat.cerrado" : "chat.actualizado", estado: chat.estado };
        events.push({
          id: `soak-${sucursal}-${id}-${n}-${randomUUID().slice(0, 8)}`,
          tipo: last.tipo,
          empresa,
          sucursal,
          ocurrido_en: new Date(Math.min(at, now)).toISOString(),
          chat,
        });
        if (at >= now) break;
      }
      finals.set(id, last);
    }
    expected.set(sucursal, finals);
  }
  return { events, expected };
}

function shuffle(list) {
  for (let i = list.length - 1; i > 0; i--) {
    const j = random(i + 1);
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

/** Batches of 50–500 events; some carry one of their events twice. */
function batches(events) {
  const requests = [];
  let offset = 0;
  while (offset < events.length) {
    const size = 50 + random(451);
    const eventos = events.slice(offset, offset + size);
    offset += size;
    if (chance(0.1)) eventos.push(eventos[random(eventos.length)]);
    requests.push({ index: requests.length, eventos, attempts: 0, unanswered: 0, answers: [], outcomes: [], done: false });
  }
  return requests;
}

// ---------------------------------------------------------------- producers

const stats = { sent: 0, attempts: 0, acknowledged: 0, acknowledgedEvents: 0, timeouts: 0, failures: 0, badAnswers: [], rejections: [] };

async function post(key, body, timeoutMs) {
  return fetch(`${BASE}/v1/events`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body,
    signal: AbortSignal.timeout(timeoutMs),
  });
}

/** Sends a request until a 200 answers it; returns that answer. */
async function deliver(key, request) {
  const body = JSON.stringify({ eventos: request.eventos });
  for (;;) {
    if (timeLeft() <= 0) throw new Error(`deadline reached while delivering request ${request.index} (${describe(request)})`);
    if (Date.now() - lastAcknowledgedAt > STALL_MS) throw new Error(`no request acknowledged for ${STALL_MS / 1000} s; request ${request.index}: ${describe(request)}`);
    request.attempts += 1;
    stats.attempts += 1;
    stats.sent += request.eventos.length;
    // One first attempt in twenty is abandoned almost at once: the server may still apply it.
    const timeoutMs = request.attempts === 1 && chance(0.05) ? 5 + random(40) : 15_000;
    try {
      const response = await post(key, body, timeoutMs);
      remember(request, response.status);
      if (response.status === 200) {
        const answer = await response.json();
        request.answers.push(answer);
        stats.acknowledged += 1;
        stats.acknowledgedEvents += request.eventos.length;
        lastAcknowledgedAt = Date.now();
        if (answer.aceptados + answer.duplicados + answer.obsoletos !== request.eventos.length) stats.badAnswers.push({ index: request.index, answer });
        return answer;
      }
      const text = await response.text();
      if (response.status < 500) stats.rejections.push(`${response.status} ${text.slice(0, 200)}`);
      request.unanswered += 1;
      stats.failures += 1;
      if (response.status < 500) return null; // a valid request refused: a bug, reported below
    } catch (error) {
      remember(request, error.name === "TimeoutError" ? `timeout ${timeoutMs} ms` : (error.cause?.code ?? error.name));
      request.unanswered += 1;
      if (error.name === "TimeoutError") stats.timeouts += 1;
      else stats.failures += 1;
    }
    await sleep(100 + random(400));
  }
}

/** Keeps a request's last outcomes (a status, or how the attempt failed), for a failure's report. */
function remember(request, outcome) {
  request.outcomes.push(`${((Date.now() - started) / 1000).toFixed(1)} s: ${outcome}`);
  if (request.outcomes.length > 6) request.outcomes.shift();
}

function describe(request) {
  return `${request.eventos.length} events, ${request.attempts} attempts, last: ${request.outcomes.join("; ") || "none"}`;
}

async function produce(key, queue, onAcknowledged) {
  for (;;) {
    const request = queue.shift();
    if (!request) return;
    await deliver(key, request);
    // One batch in twenty is delivered a second time, as a sender that lost the answer would.
    if (chance(0.05)) await deliver(key, request);
    request.done = true;
    onAcknowledged();
  }
}

// ---------------------------------------------------------------- readers and monitors

const readerStats = { reads: 0, errors: 0, regressions: 0, kinds: new Map() };

function readerError(kind) {
  readerStats.errors += 1;
  readerStats.kinds.set(kind, (readerStats.kinds.get(kind) ?? 0) + 1);
}
const lastVersion = new Map();

function statusUrl(sucursal, token, extra = "") {
  return `${BASE}/helpdesk-status/?${new URLSearchParams({ token, empresa, sucursal })}${extra}`;
}

async function read(branch, stop) {
  while (!stop.done) {
    try {
      const response = await fetch(statusUrl(branch.sucursal, branch.readerToken, "&detalle=false"), { signal: AbortSignal.timeout(5000) });
      if (response.status === 200) {
        const { version } = await response.json();
        readerStats.reads += 1;
        if (version < (lastVersion.get(branch.sucursal) ?? 0)) readerStats.regressions += 1;
        lastVersion.set(branch.sucursal, Math.max(version, lastVersion.get(branch.sucursal) ?? 0));
      } else {
        readerError(String(response.status));
        await response.body?.cancel();
      }
    } catch (error) {
      readerError(error.cause?.code ?? error.name);
    }
    await sleep(500);
  }
}

const wsStats = { available: false, connections: 0, messages: 0, unclosed: 0 };

async function webSocketRouteExists(branch) {
  const response = await fetch(`${BASE}/helpdesk-status/ws?${new URLSearchParams({ token: branch.monitorToken, empresa, sucursal: branch.sucursal })}`, {
    signal: AbortSignal.timeout(10_000),
  });
  await response.body?.cancel();
  return response.status !== 404 && typeof WebSocket === "function";
}

async function monitor(branch, stop) {
  const url = `ws://${HOST}:${PORT}/helpdesk-status/ws?${new URLSearchParams({ token: branch.monitorToken, empresa, sucursal: branch.sucursal })}`;
  while (!stop.done) {
    await new Promise((resolve) => {
      const socket = new WebSocket(url);
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(connecting);
        stop.sockets.delete(socket);
        resolve();
      };
      // Node 20's WebSocket may neither open nor close when the server is down: give up and retry.
      const connecting = setTimeout(() => {
        if (socket.readyState === WebSocket.OPEN) return;
        try {
          socket.close();
        } catch {}
        finish();
      }, 5000);
      socket.onopen = () => (wsStats.connections += 1);
      socket.onmessage = () => (wsStats.messages += 1);
      socket.onclose = finish;
      socket.onerror = () => {};
      stop.sockets.add(socket);
      // At the end the monitor leaves whether or not the server answers its close.
      stop.ended.then(finish);
    });
    if (!stop.done) await sleep(500);
  }
}

// ---------------------------------------------------------------- checks

async function snapshot(branch) {
  const response = await fetch(statusUrl(branch.sucursal, branch.checkToken), { signal: AbortSignal.timeout(30_000) });
  if (response.status !== 200) throw new Error(`status of ${branch.sucursal}: ${response.status}`);
  return response.json();
}

/** Compares a branch's snapshot with what its chats' latest events imply. */
function compare(body, finals) {
  const mismatches = [];
  const counts = { nuevo: 0, pendiente: 0, asignado: 0, icarobot_ia: 0 };
  let closed = 0;
  const waiting = new Map();
  for (const [id, last] of finals) {
    if (last.tipo === "chat.cerrado") closed += 1;
    else {
      counts[last.estado] += 1;
      if (last.estado !== BOT) waiting.set(id, last.estado);
    }
  }
  const resumen = body.resumen_general;
  const expect = (name, actual, wanted) => {
    if (actual !== wanted) mismatches.push(`${name}: ${actual} != ${wanted}`);
  };
  expect("chat_nuevos", resumen.chat_nuevos, counts.nuevo);
  expect("chat_pendientes", resumen.chat_pendientes, counts.pendiente);
  expect("chat_asignados", resumen.chat_asignados, counts.asignado);
  expect("chat_icarobot_ia", resumen.chat_icarobot_ia, counts.icarobot_ia);
  expect("chat_abiertos", resumen.chat_abiertos, counts.nuevo + counts.pendiente + counts.asignado + counts.icarobot_ia);
  expect("chat_cerrados", resumen.chat_cerrados, closed);
  expect("chat_en_espera_del_cliente", resumen.chat_en_espera_del_cliente, 0);
  const listed = Object.values(body.detalle_por_tiempo_espera).flat();
  expect("chats waiting", listed.length, waiting.size);
  for (const chat of listed) {
    if (waiting.get(chat.id_resumen) !== chat.estado) mismatches.push(`chat ${chat.id_resumen}: ${chat.estado} != ${waiting.get(chat.id_resumen)}`);
  }
  return mismatches.slice(0, 10);
}

/** Re-sends each request's distinct events: all must come back duplicados or obsoletos. */
async function finalPass(key, requests) {
  const result = { accepted: 0, stored: 0, stale: 0, appliedTwice: 0, unseenApplications: 0, negative: [] };
  for (const request of requests) {
    const distinct = [...new Map(request.eventos.map((event) => [event.id, event])).values()];
    const response = await post(key, JSON.stringify({ eventos: distinct }), 30_000);
    if (response.status !== 200) throw new Error(`final pass: ${response.status} ${await response.text()}`);
    const again = await response.json();
    result.accepted += again.aceptados;
    const stored = again.duplicados;
    result.stored += stored;
    result.stale += again.obsoletos;
    const reported = request.answers.reduce((sum, answer) => sum + answer.aceptados, 0);
    if (request.unanswered === 0) {
      if (reported > stored) result.appliedTwice += reported - stored;
      if (reported < stored) result.negative.push(`request ${request.index}: stored ${stored} but reported ${reported}`);
    } else if (reported > stored) {
      result.appliedTwice += reported - stored;
    } else {
      result.unseenApplications += stored - reported;
    }
  }
  return result;
}

// ---------------------------------------------------------------- the run

async function main() {
  await start();
  const { branches, key } = await provision();
  const { events, expected } = generate(branches);
  const requests = batches(shuffle(events));
  const queue = [...requests];
  console.log(`soak: ${BRANCHES} branches × ${CHATS_PER_BRANCH} chats, ${events.length} distinct events in ${requests.length} requests, ${PRODUCERS} producers`);

  let endMonitors;
  const stop = { done: false, sockets: new Set(), ended: new Promise((resolve) => (endMonitors = resolve)) };
  const readers = branches.map((branch) => read(branch, stop));
  wsStats.available = WS_CLIENTS > 0 && (await webSocketRouteExists(branches[0]));
  const monitors = wsStats.available ? branches.slice(0, WS_CLIENTS).map((branch) => monitor(branch, stop)) : [];

  let done = 0;
  let crash = null;
  const loadStarted = Date.now();
  loadStartedAt = loadStarted;
  lastAcknowledgedAt = loadStarted;
  phase = "load";
  pending = () => requests.filter((request) => !request.done);
  const progress = setInterval(() => {
    console.log(`soak: ${done}/${requests.length} requests acknowledged, ${stats.attempts} attempts, ${stats.timeouts} timeouts, ${stats.failures} failures`);
  }, 10_000);
  const onAcknowledged = () => {
    done += 1;
    if (!crash && done >= requests.length * KILL_AT) {
      console.log(`soak: SIGKILL of the wrangler process group after ${done} of ${requests.length} requests`);
      phase = "load, restarting the server";
      crash = crashAndRestart().then((downMs) => {
        phase = "load";
        lastAcknowledgedAt = Math.max(lastAcknowledgedAt, Date.now());
        console.log(`soak: restarted on the same state, serving again after ${downMs} ms`);
      });
      // Reported where it is awaited, not as an unhandled rejection that would end the run unexplained.
      crash.catch(() => {});
    }
  };
  await Promise.all(Array.from({ length: PRODUCERS }, () => produce(key, queue, onAcknowledged)));
  await crash;
  clearInterval(progress);
  const loadMs = Date.now() - loadStarted;

  phase = "stopping readers and monitors";
  stop.done = true;
  for (const socket of stop.sockets) if (socket.readyState === WebSocket.OPEN) socket.close(1000, "fin");
  await Promise.all(readers);
  await sleep(3000);
  wsStats.unclosed = stop.sockets.size; // closes the server has not answered within 3 s
  endMonitors();
  await Promise.all(monitors);

  phase = "comparing snapshots";
  await sleep(1500); // the snapshot may be cached for up to a second
  const mismatches = [];
  for (const branch of branches) {
    for (const problem of compare(await snapshot(branch), expected.get(branch.sucursal))) mismatches.push(`${branch.sucursal} ${problem}`);
  }
  phase = "final pass";
  const final = await finalPass(key, requests);

  const distinctAccepted = requests.reduce((sum, r) => sum + r.answers.reduce((s, a) => s + a.aceptados, 0), 0);
  const lines = [
    ["events (distinct)", events.length],
    ["requests", requests.length],
    ["events sent (all attempts)", stats.sent],
    ["attempts", stats.attempts],
    ["acknowledged requests", stats.acknowledged],
    ["acknowledged events", stats.acknowledgedEvents],
    ["reported aceptados", distinctAccepted],
    ["client timeouts (retried)", stats.timeouts],
    ["failed attempts (retried)", stats.failures],
    ["stored as applied", final.stored],
    ["stale, never applied", final.stale],
    ["applied, answer lost", final.unseenApplications],
    ["lost", final.accepted],
    ["applied twice", final.appliedTwice],
    ["answers not adding up", stats.badAnswers.length],
    ["valid requests refused", stats.rejections.length],
    ["snapshot mismatches", mismatches.length],
    ["status reads (errors)", `${readerStats.reads} (${readerStats.errors}: ${[...readerStats.kinds].map(([k, n]) => `${k} ×${n}`).join(", ") || "none"})`],
    ["version regressions", readerStats.regressions],
    ["websocket", wsStats.available ? `${wsStats.connections} connections, ${wsStats.messages} messages, ${wsStats.unclosed} closes unanswered` : "route absent, skipped"],
    ["load phase", `${(loadMs / 1000).toFixed(1)} s`],
    ["ingest req/s", (stats.attempts / (loadMs / 1000)).toFixed(1)],
    ["events/s sent", Math.round(stats.sent / (loadMs / 1000))],
    ["total", `${((Date.now() - started) / 1000).toFixed(1)} s`],
  ];
  for (const [name, value] of lines) console.log(`${name.padEnd(28)} ${value}`);
  for (const problem of [...mismatches, ...final.negative, ...stats.rejections.slice(0, 5), ...stats.badAnswers.slice(0, 5).map((b) => JSON.stringify(b))]) {
    console.log(`  ! ${problem}`);
  }
  const ok =
    final.accepted === 0 && final.appliedTwice === 0 && final.negative.length === 0 && mismatches.length === 0 &&
    stats.badAnswers.length === 0 && stats.rejections.length === 0 && readerStats.regressions === 0 && stats.acknowledged >= requests.length;
  console.log(ok ? "soak: OK" : "soak: FAILED");
  return ok;
}

// Bounded whatever happens: a hang anywhere ends the run as a failure, with the server stopped.
let pending = () => [];
const watchdog = setTimeout(() => {
  console.error(`soak: FAILED, still running after ${WATCHDOG_MS / 1000} s, while ${phase}`);
  console.error(`  progress: ${JSON.stringify({ ...stats, badAnswers: stats.badAnswers.length, rejections: stats.rejections.length })}`);
  for (const request of pending().slice(0, 5)) console.error(`  unacknowledged request ${request.index}: ${describe(request)}`);
  cleanUp();
  setTimeout(() => {
    rmSync(stateDir, { recursive: true, force: true });
    process.exit(1);
  }, 2500);
}, WATCHDOG_MS);
watchdog.unref();

let ok = false;
try {
  ok = await main();
} catch (error) {
  console.error(`soak: ${error.message}`);
  try {
    console.error(readFileSync(logPath, "utf8").split("\n").slice(-30).join("\n"));
  } catch {}
}
cleanUp();
await sleep(2500);
rmSync(stateDir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
