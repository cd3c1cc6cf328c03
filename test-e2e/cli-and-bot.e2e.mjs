/**
 * End-to-end, as a user would: starts `wrangler dev` on 127.0.0.1:8798 with a throw-away state
 * directory, then
 *  - validates the served /openapi.json against the OpenAPI 3.1 JSON schema;
 *  - drives the admin CLI (scripts/admin.mjs) to provision a branch, a token and an ingest key;
 *  - pushes a chat that has waited 70 minutes and runs examples/alert-bot.mjs --once against it,
 *    with a loopback webhook receiver; a second run with the same state reports nothing new;
 *  - runs the ```sh tested blocks of README.md, then of docs/*.md (by name), verbatim, in one bash.
 * Every wait is bounded; wrangler is stopped by its process group in `finally`.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { startWrangler } from "./server.mjs";

const PORT = Number(process.env.E2E_PORT ?? 8798);
const BASE = `http://127.0.0.1:${PORT}`;
const ADMIN_TOKEN = `e2e-admin-${crypto.randomUUID()}`;
const STARTUP_MS = 120_000;
const COMMAND_MS = 60_000;

let passed = 0;
let failed = 0;
const check = (name, ok, detail = "") => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${name}${ok || !detail ? "" : `\n     ${detail.replace(/\n/g, "\n     ")}`}`);
};

/** Runs a command to completion (bounded), capturing its output. */
function run(command, args, { env = {}, input, timeoutMs = COMMAND_MS } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: signal ? `killed (${signal})` : code, stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
}

const CLI_ENV = { HELPDESK_URL: BASE, ADMIN_TOKEN };
const cli = (...args) => run("node", ["scripts/admin.mjs", ...args], { env: CLI_ENV });
const bot = (...args) => run("node", ["examples/alert-bot.mjs", ...args]);

/** A loopback webhook receiver standing in for Slack or the customer's endpoint. */
async function startReceiver() {
  const received = [];
  const control = { status: 200 };
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => (body += chunk));
    request.on("end", () => {
      received.push({ method: request.method, type: request.headers["content-type"], body: JSON.parse(body) });
      response.writeHead(control.status).end("ok");
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${server.address().port}/hook`, received, control, close: () => server.close() };
}

/** The documented shell blocks fenced as ```sh tested: README.md's, then each docs/*.md's by name. */
function documentedCommands() {
  const files = ["README.md", ...readdirSync("docs").filter((name) => name.endsWith(".md")).sort().map((name) => join("docs", name))];
  return files.flatMap((file) => [...readFileSync(file, "utf8").matchAll(/^```sh tested\n([\s\S]*?)^```$/gm)].map((match) => match[1]));
}

async function testOpenApi() {
  const document = await (await fetch(`${BASE}/openapi.json`)).json();
  const result = await new Validator().validate(document);
  check("the served /openapi.json is a valid OpenAPI 3.1 document", result.valid, JSON.stringify(result.errors, null, 1)?.slice(0, 2000));
}

async function testCliAndBot(stateDir) {
  const empresa = `e2e-${crypto.randomUUID().slice(0, 8)}`;
  const sucursal = "centro";

  const help = await cli("--help");
  check("CLI --help prints the commands and exits 0", help.code === 0 && help.stdout.includes("token:issue"), help.stderr);
  const unknown = await cli("frobnicate");
  check("CLI exits 2 with a clear message on an unknown command", unknown.code === 2 && unknown.stderr.includes('unknown command "frobnicate"'), unknown.stderr);
  const wrongAdmin = await run("node", ["scripts/admin.mjs", "show", empresa, sucursal], { env: { ...CLI_ENV, ADMIN_TOKEN: "wrong" } });
  check("CLI exits 1 and shows the API's 401 with a wrong ADMIN_TOKEN", wrongAdmin.code === 1 && wrongAdmin.stderr.includes("401: Unauthorized"), wrongAdmin.stderr);
  const missing = await cli("show", empresa, sucursal);
  check("CLI exits 1 and shows the API's 404 for an unknown branch", missing.code === 1 && missing.stderr.includes("404: No se encontró configuración"), missing.stderr);

  const provisioned = await cli("provision", empresa, sucursal, "--nombre", "Centro E2E", "--zona-horaria", "America/Bogota", "--objetivo", "15");
  const branch = provisioned.code === 0 ? JSON.parse(provisioned.stdout) : {};
  check(
    "CLI provision creates the branch with its settings",
    branch.nombre === "Centro E2E" && branch.zona_horaria === "America/Bogota" && branch.objetivo_respuesta_min === 15,
    provisioned.stderr + provisioned.stdout,
  );
  const issued = await cli("token:issue", empresa, sucursal, "--etiqueta", "bot");
  const token = issued.code === 0 ? JSON.parse(issued.stdout) : {};
  check("CLI token:issue prints the token and the customer's URLs", typeof token.token === "string" && token.url?.includes(`token=${token.token}`) && token.monitor?.includes("/monitor/#token="), issued.stderr);
  const statusResponse = token.url ? await fetch(token.url) : { status: "none" };
  check("the URL printed by the CLI answers 200", statusResponse.status === 200, `got ${statusResponse.status}`);
  const key = (await cli("key:create", empresa, "--etiqueta", "helpdesk", "--field", "clave")).stdout.trim();
  check("CLI key:create --field clave prints only the key", /^hk_[0-9a-f]{16}_\S+$/.test(key), key);
  const shown = await cli("show", empresa, sucursal);
  check("CLI show lists the token's id and label, never the token", shown.code === 0 && shown.stdout.includes(token.id) && !shown.stdout.includes(token.token), shown.stderr);

  const at = (minutesAgo) => new Date(Date.now() - minutesAgo * 60_000).toISOString();
  const chat = (id, nombre) => ({ id_resumen: id, id_cliente: `CLI${id}`, departamento: "Ventas", numero_cliente: "+15559876543", nombre_cliente: nombre, estado: "nuevo", agente: null });
  const pushed = await fetch(`${BASE}/v1/events`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({
      eventos: [
        { id: `${empresa}-1`, tipo: "chat.actualizado", empresa, sucursal, ocurrido_en: at(70), chat: chat(4242, "Juan Perez") },
        { id: `${empresa}-2`, tipo: "chat.actualizado", empresa, sucursal, ocurrido_en: at(5), chat: chat(4343, "Ana Ruiz") },
      ],
    }),
  });
  check("the ingest key from the CLI pushes events", pushed.status === 200, `${pushed.status} ${await pushed.text()}`);

  const receiver = await startReceiver();
  const state = join(stateDir, "bot-state.json");
  try {
    receiver.control.status = 500;
    const refused = await bot("--once", "--url", token.url, "--webhook", receiver.url, "--state", state);
    check("the bot exits 1 when the webhook fails, keeping the alert for the next poll", refused.code === 1 && refused.stderr.includes("webhook respondió 500"), refused.stdout + refused.stderr);
    receiver.received.length = 0;
    receiver.control.status = 200;
    const first = await bot("--once", "--url", token.url, "--webhook", receiver.url, "--state", state);
    check(
      "the bot reports the chat waiting 70 minutes and not the one waiting 5",
      first.code === 0 && /ALERTA: chat 4242 \(Juan Perez, \+15559876543\) lleva 70 min/.test(first.stdout) && !first.stdout.includes("chat 4343"),
      first.stdout + first.stderr,
    );
    check(
      "the bot POSTs the alert as JSON to the webhook",
      receiver.received.length === 1 && receiver.received[0].type === "application/json" &&
        receiver.received[0].body.chats.map((c) => c.id_resumen).join() === "4242" && receiver.received[0].body.text.includes("ALERTA"),
      JSON.stringify(receiver.received),
    );
    const second = await bot("--once", "--url", token.url, "--webhook", receiver.url, "--state", state);
    check("the bot does not report the same wait twice", second.code === 0 && !second.stdout.includes("ALERTA") && receiver.received.length === 1, second.stdout + second.stderr);
    const lower = await bot("--once", "--url", token.url, "--threshold", "3");
    check("the threshold is configurable", lower.stdout.includes("chat 4343") && lower.stdout.includes("chat 4242"), lower.stdout + lower.stderr);
  } finally {
    receiver.close();
  }

  await testAlertCommands(stateDir, empresa, sucursal);

  const revoked = await cli("token:revoke", empresa, sucursal, token.id);
  check("CLI token:revoke revokes the token", revoked.code === 0 && !(await cli("show", empresa, sucursal)).stdout.includes(token.id), revoked.stderr);
  const removed = await cli("delete", empresa, sucursal);
  check("CLI delete refuses without --yes", removed.code === 2 && removed.stderr.includes("--yes"), removed.stderr);
  const deleted = await cli("delete", empresa, sucursal, "--yes");
  check("CLI delete --yes deprovisions the branch", deleted.code === 0 && (await cli("show", empresa, sucursal)).code === 1, deleted.stderr);
}

/** The alert-rule commands; skipped, and said so, while the server has no alert routes yet. */
async function testAlertCommands(stateDir, empresa, sucursal) {
  const rulesFile = join(stateDir, "reglas.json");
  const rule = { id: "espera-60", alcance: "chat", metrica: "minutos_espera", operador: ">=", umbral: 60, canal: { tipo: "webhook", url: "http://127.0.0.1:9/hook" }, enfriamiento_min: 30 };
  writeFileSync(rulesFile, JSON.stringify({ reglas: [rule] }));
  const set = await cli("alerts:set", empresa, sucursal, rulesFile);
  if (set.code === 1 && set.stderr.includes("404: Recurso no encontrado")) {
    console.log("skip the alert commands: this server has no /alertas routes yet");
    return;
  }
  check("CLI alerts:set sends the rules file", set.code === 0 && JSON.parse(set.stdout).reglas?.[0]?.id === "espera-60", set.stderr + set.stdout);
  const get = await cli("alerts:get", empresa, sucursal);
  check("CLI alerts:get shows the rules", get.code === 0 && get.stdout.includes("espera-60"), get.stderr);
  const history = await cli("alerts:history", empresa, sucursal);
  check("CLI alerts:history answers", history.code === 0, history.stderr);
  const unreadable = await cli("alerts:set", empresa, sucursal, join(stateDir, "missing.json"));
  check("CLI alerts:set exits 2 on an unreadable file", unreadable.code === 2 && unreadable.stderr.includes("cannot read"), unreadable.stderr);
}

async function testReadme() {
  const blocks = documentedCommands();
  check("the documentation has tested command blocks", blocks.length >= 4, `found ${blocks.length}`);
  const script = `set -euo pipefail\n${blocks.join("\n")}`;
  const result = await run("bash", ["-c", script], { env: { HELPDESK_URL: BASE, ADMIN_TOKEN }, timeoutMs: 180_000 });
  const output = `exit ${result.code}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-1500)}`;
  check("the documentation's commands run verbatim and succeed", result.code === 0, output);
  check("the documented seed URL answers the seed's JSON shape", result.stdout.includes('{"resumen_general":{"chat_nuevos":'), output);
  check("the guide's wrong-token example prints 401", /(^|\})401$/m.test(result.stdout), output);
  check("the integration guide's event push is accepted", result.stdout.includes('{"aceptados":1,"duplicados":0,"obsoletos":0}'), output);
  check("the integration guide's reconciliation answers its chat count", result.stdout.includes('{"chats":1}'), output);
}

const stateDir = mkdtempSync(join(tmpdir(), "helpdesk-e2e-"));
let server;
try {
  server = await startWrangler({
    port: PORT,
    persistTo: join(stateDir, "state"),
    adminToken: ADMIN_TOKEN,
    // Outside stateDir, which is removed at the end: a failed run keeps its log.
    logFile: join(tmpdir(), `helpdesk-e2e-cli-${PORT}.log`),
    timeoutMs: STARTUP_MS,
  });
  await testOpenApi();
  await testCliAndBot(stateDir);
  await testReadme();
} catch (error) {
  check("end-to-end run", false, error.stack ?? String(error));
} finally {
  await server?.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
console.log(`\ne2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
