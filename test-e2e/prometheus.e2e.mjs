/**
 * End-to-end with the real tools (docs/prometheus.md): starts `wrangler dev` on E2E_PORT with a
 * throw-away state directory and the demo branch (icarosoft/mcbo1 with the demo token), pushes
 * chats, then
 *  - runs `promtool check metrics` on real responses (it must report nothing);
 *  - starts Debian's Prometheus on E2E_PORT + 1 with examples/prometheus/prometheus.yml (only its
 *    target, its interval and its file paths changed) so it scrapes with the bearer credentials
 *    file, plus a job whose credentials file holds a wrong token;
 *  - compares what Prometheus' query API returns with the JSON status, and sees the 60-minute
 *    alert of examples/prometheus/alerts.yml firing; the wrong token's job gets no metric;
 *  - runs `promtool check config`, `promtool check rules` and `promtool test rules` on the examples.
 * Every wait is bounded; wrangler and Prometheus are stopped by their process groups in `finally`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chatEvent, pushEvents, request, startWrangler } from "./server.mjs";

const PORT = Number(process.env.E2E_PORT ?? 8796);
const PROMETHEUS_PORT = PORT + 1;
const PROMETHEUS = `http://127.0.0.1:${PROMETHEUS_PORT}`;
const ADMIN_TOKEN = `e2e-admin-${crypto.randomUUID()}`;
const EXAMPLES = resolve("examples/prometheus");
const DEMO = { empresa: "icarosoft", sucursal: "mcbo1", token: readFileSync(join(EXAMPLES, "demo-token"), "utf8").trim() };
const WAIT_MS = 60_000;
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

let passed = 0;
let failed = 0;
const check = (name, ok, detail = "") => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || !detail ? "" : `\n     ${String(detail).replace(/\n/g, "\n     ")}`}`);
};

/** Runs a command to completion (bounded), capturing its output. */
function run(command, args, { input = "", cwd } = {}) {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
    child.stdin.end(input);
  });
}

/** Prometheus, detached in its own process group, stopped by that group. */
function startPrometheus(configFile, dataDir, logFile) {
  const child = spawn(
    "/usr/bin/prometheus",
    [`--config.file=${configFile}`, `--storage.tsdb.path=${dataDir}`, `--web.listen-address=127.0.0.1:${PROMETHEUS_PORT}`, "--log.level=warn"],
    { detached: true, stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr.on("data", (chunk) => (log += chunk));
  return {
    log: () => log,
    async stop() {
      for (const signal of ["SIGTERM", "SIGKILL"]) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          return;
        }
        for (let i = 0; i < 50; i++) {
          try {
            process.kill(-child.pid, 0);
          } catch {
            return;
          }
          await sleep(100);
        }
      }
    },
  };
}

async function query(promql) {
  const response = await fetch(`${PROMETHEUS}/api/v1/query?${new URLSearchParams({ query: promql })}`, { signal: AbortSignal.timeout(5_000) });
  const body = await response.json();
  if (body.status !== "success") throw new Error(`${promql}: ${JSON.stringify(body)}`);
  return body.data.result;
}

/** Polls `probe` until it returns something truthy, or gives up after WAIT_MS. */
async function eventually(probe) {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch {}
    await sleep(500);
  }
  return null;
}

const metricsUrl = (token) => `${`http://127.0.0.1:${PORT}`}/helpdesk-status/metrics?empresa=${DEMO.empresa}&sucursal=${DEMO.sucursal}${token ? `&token=${token}` : ""}`;

const work = mkdtempSync(join(tmpdir(), "prometheus-e2e-"));
let wrangler;
let prometheus;
try {
  wrangler = await startWrangler({ port: PORT, persistTo: join(work, "state"), adminToken: ADMIN_TOKEN, inspectorPort: PORT + 2, logFile: join(work, "wrangler.log") });
  const base = wrangler.base;
  const admin = (method, path, body) => request(base, method, `/v1/admin${path}`, ADMIN_TOKEN, body);
  const branchPath = `/empresas/${DEMO.empresa}/sucursales/${DEMO.sucursal}`;
  await admin("PUT", branchPath, { nombre: "Maracaibo 1", zona_horaria: "America/Caracas", objetivo_respuesta_min: 10 });
  await admin("POST", `${branchPath}/tokens`, { token: DEMO.token, etiqueta: "prometheus e2e" });
  const { clave } = await admin("POST", `/empresas/${DEMO.empresa}/claves-ingesta`, { etiqueta: "e2e" });
  const branch = { ...DEMO, key: clave };
  const pushedAt = Date.now();
  // Waits placed 20 s past a whole minute, so no bucket or minute boundary falls within the test.
  await pushEvents(base, branch, [
    chatEvent(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo", departamento: "Ventas", nombre_cliente: "Juan Perez", numero_cliente: "+15559876543" }, 70 + 1 / 3),
    chatEvent(branch, "chat.actualizado", { id_resumen: 2, estado: "pendiente", departamento: 'Soporte "técnico"', agente: "ana" }, 12 + 1 / 3),
    chatEvent(branch, "chat.actualizado", { id_resumen: 3, estado: "asignado", agente: 'luis \\ "el nuevo"' }, 30),
    chatEvent(branch, "chat.mensaje_agente", { id_resumen: 3 }, 26),
    chatEvent(branch, "chat.actualizado", { id_resumen: 4, estado: "asignado", agente: "ana", departamento: "Ventas" }, 50),
    chatEvent(branch, "chat.mensaje_agente", { id_resumen: 4 }, 35),
    chatEvent(branch, "chat.actualizado", { id_resumen: 5, estado: "icarobot_ia" }, 3),
    chatEvent(branch, "chat.actualizado", { id_resumen: 6, estado: "nuevo" }, 8),
    chatEvent(branch, "chat.cerrado", { id_resumen: 6 }, 7),
  ]);

  // promtool on real responses: the branch with chats, and one with none.
  const response = await fetch(metricsUrl(), { headers: { Authorization: `Bearer ${DEMO.token}` } });
  const text = await response.text();
  check("the metrics route answers 200 with the text format's content type", response.status === 200 && response.headers.get("content-type") === "text/plain; version=0.0.4; charset=utf-8", `${response.status} ${response.headers.get("content-type")}`);
  const lint = await run("/usr/bin/promtool", ["check", "metrics"], { input: text });
  check("promtool check metrics reports nothing on a real response", lint.code === 0 && lint.output.trim() === "", `exit ${lint.code}: ${lint.output}\n${text}`);
  await admin("PUT", `/empresas/${DEMO.empresa}/sucursales/vacia`, { nombre: "Vacía" });
  const { token: emptyToken } = await admin("POST", `/empresas/${DEMO.empresa}/sucursales/vacia/tokens`, {});
  const emptyText = await (await fetch(metricsUrl(emptyToken).replace("sucursal=mcbo1", "sucursal=vacia"))).text();
  const emptyLint = await run("/usr/bin/promtool", ["check", "metrics"], { input: emptyText });
  check("promtool check metrics reports nothing for a branch with no chats", emptyLint.code === 0 && emptyLint.output.trim() === "" && emptyText.includes("helpdesk_chats_abiertos"), `exit ${emptyLint.code}: ${emptyLint.output}`);
  check("no customer name or number appears in the metrics", !text.includes("Juan Perez") && !text.includes("+15559876543"));
  const wrong = await fetch(metricsUrl(), { headers: { Authorization: "Bearer not-the-demo-token-at-all" } });
  check("a wrong token gets the JSON 401 and no metric", wrong.status === 401 && (await wrong.text()) === '{"message":"Unauthorized: Token no válido"}');

  // Prometheus with the shipped configuration, pointed at this server, plus a job with a wrong token.
  writeFileSync(join(work, "wrong-token"), "not-the-demo-token-at-all\n");
  const shipped = readFileSync(join(EXAMPLES, "prometheus.yml"), "utf8");
  const config =
    shipped
      .replace("127.0.0.1:8787", `127.0.0.1:${PORT}`)
      .replace(/scrape_interval: 15s/, "scrape_interval: 1s")
      .replace(/evaluation_interval: 15s/, "evaluation_interval: 1s")
      .replace("credentials_file: demo-token", `credentials_file: ${join(EXAMPLES, "demo-token")}`)
      .replace("- alerts.yml", `- ${join(EXAMPLES, "alerts.yml")}`) +
    `  - job_name: wrong-token
    metrics_path: /helpdesk-status/metrics
    params: { empresa: [${DEMO.empresa}], sucursal: [${DEMO.sucursal}] }
    authorization: { type: Bearer, credentials_file: ${join(work, "wrong-token")} }
    static_configs: [{ targets: ["127.0.0.1:${PORT}"] }]
`;
  check("the test's configuration differs from the shipped one only in target, intervals and paths", config.includes(`credentials_file: ${join(EXAMPLES, "demo-token")}`) && config.includes(`127.0.0.1:${PORT}`));
  writeFileSync(join(work, "prometheus.yml"), config);
  prometheus = startPrometheus(join(work, "prometheus.yml"), join(work, "data"), join(work, "prometheus.log"));

  const status = await (await fetch(`${base}/helpdesk-status/?empresa=${DEMO.empresa}&sucursal=${DEMO.sucursal}&detalle=false`, { headers: { Authorization: `Bearer ${DEMO.token}` } })).json();
  const scraped = await eventually(async () => {
    const result = await query(`helpdesk_snapshot_version{job="helpdesk",empresa="${DEMO.empresa}",sucursal="${DEMO.sucursal}"}`);
    return result.length === 1 && Number(result[0].value[1]) === status.version && result;
  });
  check("Prometheus scrapes the branch with the bearer credentials file, at the status body's version", Boolean(scraped), prometheus.log());

  const all = await query(`{__name__=~"helpdesk_.+",job="helpdesk"}`);
  const sample = (name, labels = {}) => {
    const found = all.filter((s) => s.metric.__name__ === name && Object.entries(labels).every(([k, v]) => s.metric[k] === v));
    return found.length === 1 ? { value: Number(found[0].value[1]), at: found[0].value[0] * 1000 } : { value: NaN, at: NaN };
  };
  const r = status.resumen_general;
  const expected = [
    ["helpdesk_chats_abiertos", { estado: "nuevo" }, r.chat_nuevos],
    ["helpdesk_chats_abiertos", { estado: "pendiente" }, r.chat_pendientes],
    ["helpdesk_chats_abiertos", { estado: "asignado" }, r.chat_asignados],
    ["helpdesk_chats_abiertos", { estado: "icarobot_ia" }, r.chat_icarobot_ia],
    ["helpdesk_chats_espera_cliente", {}, r.chat_en_espera_del_cliente],
    ["helpdesk_chats_esperando", { tramo: "menos_10_minutos" }, r.chat_tiempo_espera_menos_10min],
    ["helpdesk_chats_esperando", { tramo: "de_10_a_20_minutos" }, r.chat_tiempo_espera_20min],
    ["helpdesk_chats_esperando", { tramo: "de_20_a_30_minutos" }, r.chat_tiempo_espera_30min],
    ["helpdesk_chats_esperando", { tramo: "de_30_a_60_minutos" }, r.chat_tiempo_espera_60min],
    ["helpdesk_chats_esperando", { tramo: "mas_60_minutos" }, r.chat_tiempo_espera_mas_60min],
    ["helpdesk_chats_cerrados_hoy", {}, r.chat_cerrados],
    ["helpdesk_nivel_servicio_ratio", {}, status.metricas.nivel_servicio_pct / 100],
    ["helpdesk_primera_respuesta_promedio_segundos", {}, Math.round(status.metricas.primera_respuesta_promedio_min * 60)],
    ...status.carga_por_agente.flatMap((a) => [
      ["helpdesk_agente_chats", { agente: a.agente }, a.chats_asignados],
      ["helpdesk_agente_chats_esperando", { agente: a.agente }, a.chats_esperando],
    ]),
    ...Object.entries(status.por_departamento).flatMap(([departamento, d]) => [
      ["helpdesk_departamento_chats_abiertos", { departamento }, d.chat_abiertos],
      ["helpdesk_departamento_chats_esperando", { departamento }, d.chat_esperando],
    ]),
  ];
  const mismatches = expected.filter(([name, labels, value]) => sample(name, labels).value !== value).map(([name, labels, value]) => `${name}${JSON.stringify(labels)}: Prometheus ${sample(name, labels).value}, JSON ${value}`);
  check(`Prometheus' query API returns the JSON status' figures (${expected.length} series)`, mismatches.length === 0, mismatches.join("\n"));
  check("agents and departments with quotes and backslashes come back as their names", sample("helpdesk_agente_chats", { agente: 'luis \\ "el nuevo"' }).value === 1 && sample("helpdesk_departamento_chats_abiertos", { departamento: 'Soporte "técnico"' }).value === 1);
  check("the scrape holds exactly the documented series (4 estados, 5 tramos, agents, departments, the rest once)", all.length === 4 + 1 + 5 + 1 + 4 + 2 * status.carga_por_agente.length + 2 * Object.keys(status.por_departamento).length + 1, `${all.length} series`);

  // Waits: whole seconds at the scrape's instant (less at most the one-second cache), not minutes × 60.
  const waitedAt = (at, minutes) => (at - (pushedAt - minutes * 60_000)) / 1000;
  const longest = sample("helpdesk_espera_maxima_segundos");
  const longestExpected = Math.floor(waitedAt(longest.at, 70 + 1 / 3));
  check(
    "helpdesk_espera_maxima_segundos is the longest wait in seconds at the scrape, and the JSON's minutes",
    longest.value <= longestExpected + 1 && longest.value >= longestExpected - 2 && Math.floor(longest.value / 60) === status.metricas.espera_maxima_min,
    `${longest.value} s, expected ${longestExpected} s; JSON ${status.metricas.espera_maxima_min} min`,
  );
  const mean = sample("helpdesk_espera_promedio_segundos");
  const meanExpected = Math.round((waitedAt(mean.at, 70 + 1 / 3) + waitedAt(mean.at, 12 + 1 / 3)) / 2);
  check(
    "helpdesk_espera_promedio_segundos is the mean wait in seconds at the scrape",
    mean.value <= meanExpected + 1 && mean.value >= meanExpected - 2 && Math.abs(meanExpected / 60 - status.metricas.espera_promedio_min) <= 0.1 + (mean.at - Date.parse(status.generado_en)) / 60_000,
    `${mean.value} s, expected ${meanExpected} s; JSON ${status.metricas.espera_promedio_min} min`,
  );

  const firing = await eventually(async () => {
    const response = await fetch(`${PROMETHEUS}/api/v1/alerts`, { signal: AbortSignal.timeout(5_000) });
    const { data } = await response.json();
    return data.alerts.find((alert) => alert.labels.alertname === "HelpdeskChatEsperaMasDe60Minutos" && alert.state === "firing");
  });
  check("the 60-minute alert of alerts.yml fires from the scraped metrics", firing?.labels.sucursal === DEMO.sucursal && firing.annotations.summary === "icarosoft/mcbo1: 1 chat(s) esperan 60 minutos o más", JSON.stringify(firing));

  const targets = await eventually(async () => {
    const { data } = await (await fetch(`${PROMETHEUS}/api/v1/targets`, { signal: AbortSignal.timeout(5_000) })).json();
    const target = data.activeTargets.find((t) => t.labels.job === "wrong-token");
    return target?.health === "down" && target;
  });
  const wrongSeries = await query(`{job="wrong-token",__name__=~"helpdesk_.+"}`);
  check("the job with a wrong token is down with a 401 and has no metric", targets?.lastError?.includes("401") && wrongSeries.length === 0, JSON.stringify(targets));

  // The examples, checked by the real tool.
  const configCheck = await run("/usr/bin/promtool", ["check", "config", "prometheus.yml"], { cwd: EXAMPLES });
  check("promtool check config accepts examples/prometheus/prometheus.yml", configCheck.code === 0, configCheck.output);
  const rulesCheck = await run("/usr/bin/promtool", ["check", "rules", "alerts.yml"], { cwd: EXAMPLES });
  check("promtool check rules accepts examples/prometheus/alerts.yml", rulesCheck.code === 0, rulesCheck.output);
  const rulesTest = await run("/usr/bin/promtool", ["test", "rules", "alerts.test.yml"], { cwd: EXAMPLES });
  check("promtool test rules passes examples/prometheus/alerts.test.yml", rulesTest.code === 0 && rulesTest.output.includes("SUCCESS"), rulesTest.output);
} catch (error) {
  check("the Prometheus end-to-end test ran to its end", false, error.stack);
} finally {
  await prometheus?.stop();
  await wrangler?.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(`prometheus e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
