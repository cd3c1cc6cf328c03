#!/usr/bin/env node
/**
 * Alert bot for supervisors (the seed's use case): every 5 minutes it reads the branch's status URL
 * and reports each chat that has been waiting for the business for 60 minutes or more. It prints
 * each alert and, with a webhook URL, POSTs it there as JSON (`{"text", "chats"}`, which a Slack
 * incoming webhook also accepts). A chat is reported once per wait: once answered, if the customer
 * writes again and the new wait also passes the threshold, it is reported again.
 *
 * Node 20 or newer, no dependencies:
 *   node examples/alert-bot.mjs --url "https://…/helpdesk-status/?token=…&empresa=…&sucursal=…"
 * Options (or the environment variable in brackets):
 *   --url URL          the status URL [HELPDESK_STATUS_URL]
 *   --interval MIN     minutes between polls, default 5 [INTERVAL_MIN]
 *   --threshold MIN    minutes of waiting that trigger an alert, default 60 [THRESHOLD_MIN]
 *   --webhook URL      also POST each round of alerts there [WEBHOOK_URL]
 *   --state FILE       remember reported waits in FILE across runs (for cron with --once)
 *   --once             poll once and exit (exit code 1 if the poll or the webhook failed)
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";

function options(argv) {
  const flags = { once: false };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    if (name === "once") flags.once = true;
    else if (name === "help") flags.help = true;
    else if (["url", "interval", "threshold", "webhook", "state"].includes(name) && argv[i + 1] !== undefined) flags[name] = argv[++i];
    else throw new Error(`opción desconocida o sin valor: ${argv[i]}`);
  }
  const config = {
    url: flags.url ?? process.env.HELPDESK_STATUS_URL,
    intervalMin: Number(flags.interval ?? process.env.INTERVAL_MIN ?? 5),
    thresholdMin: Number(flags.threshold ?? process.env.THRESHOLD_MIN ?? 60),
    webhook: flags.webhook ?? process.env.WEBHOOK_URL,
    state: flags.state,
    once: flags.once,
    help: flags.help,
  };
  if (config.help) return config;
  if (!config.url) throw new Error("falta la URL de estado: --url o HELPDESK_STATUS_URL");
  if (!(config.intervalMin > 0)) throw new Error("--interval debe ser un número de minutos mayor que 0");
  if (!(config.thresholdMin >= 0)) throw new Error("--threshold debe ser un número de minutos");
  return config;
}

/** Waits already reported, as `id_resumen|espera_desde`: a new wait has a new `espera_desde`. */
function loadReported(file) {
  if (!file || !existsSync(file)) return new Set();
  return new Set(JSON.parse(readFileSync(file, "utf8")));
}

async function readStatus(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(30_000) });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(`el servicio respondió ${response.status}: ${body?.message ?? "sin detalle"}`);
  if (!body?.detalle_por_tiempo_espera) throw new Error("la respuesta no trae detalle_por_tiempo_espera (¿detalle=false en la URL?)");
  return body;
}

/** Every chat waiting at least `thresholdMin`, whatever bucket the threshold falls in, longest first. */
function overThreshold(status, thresholdMin) {
  return Object.values(status.detalle_por_tiempo_espera)
    .flat()
    .filter((chat) => chat.minutos_espera >= thresholdMin)
    .sort((a, b) => b.minutos_espera - a.minutos_espera);
}

function describe(chat) {
  const who = [chat.nombre_cliente, chat.numero_cliente].filter(Boolean).join(", ") || "cliente sin datos";
  return (
    `chat ${chat.id_resumen} (${who}) lleva ${chat.minutos_espera} min esperando` +
    ` — ${chat.departamento ?? "sin departamento"}, estado ${chat.estado}, ${chat.agente ? `agente ${chat.agente}` : "sin agente"}`
  );
}

async function postWebhook(url, text, chats) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ text, chats }),
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok) throw new Error(`el webhook respondió ${response.status}`);
}

/** One poll. Returns false if something failed; unreported alerts are tried again next poll. */
async function poll(config, reported) {
  let status;
  try {
    status = await readStatus(config.url);
  } catch (error) {
    console.error(`${new Date().toISOString()} error: ${error.message}`);
    return false;
  }
  const waiting = overThreshold(status, config.thresholdMin);
  const current = new Set(waiting.map((chat) => `${chat.id_resumen}|${chat.espera_desde}`));
  const fresh = waiting.filter((chat) => !reported.has(`${chat.id_resumen}|${chat.espera_desde}`));
  // Forget waits that ended, so memory stays the size of the current backlog.
  for (const key of reported) if (!current.has(key)) reported.delete(key);

  let ok = true;
  if (fresh.length) {
    const branch = status.sucursal ? `${status.sucursal.nombre} (${status.sucursal.empresa}/${status.sucursal.sucursal})` : "la sucursal";
    const lines = fresh.map((chat) => `ALERTA: ${describe(chat)}`);
    const text = `${branch}: ${fresh.length} chat(s) con ${config.thresholdMin} min o más de espera\n${lines.join("\n")}`;
    console.log(`${new Date().toISOString()} ${text}`);
    try {
      if (config.webhook) await postWebhook(config.webhook, text, fresh);
      for (const chat of fresh) reported.add(`${chat.id_resumen}|${chat.espera_desde}`);
    } catch (error) {
      console.error(`${new Date().toISOString()} error: ${error.message}; se reintentará en la próxima consulta`);
      ok = false;
    }
  } else {
    console.log(`${new Date().toISOString()} sin chats nuevos con ${config.thresholdMin} min o más de espera (${waiting.length} ya avisados)`);
  }
  if (config.state) writeFileSync(config.state, JSON.stringify([...reported]));
  return ok;
}

async function main() {
  const config = options(process.argv.slice(2));
  if (config.help) {
    console.log(readFileSync(new URL(import.meta.url), "utf8").split("*/")[0]);
    return;
  }
  const reported = loadReported(config.state);
  if (config.once) {
    process.exitCode = (await poll(config, reported)) ? 0 : 1;
    return;
  }
  console.log(`vigilando cada ${config.intervalMin} min; umbral ${config.thresholdMin} min${config.webhook ? "; con webhook" : ""}`);
  for (;;) {
    await poll(config, reported);
    await new Promise((resolve) => setTimeout(resolve, config.intervalMin * 60_000));
  }
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(2);
});
