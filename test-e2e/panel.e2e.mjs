/**
 * The manager's panel in a real browser (docs/panel.md): `wrangler dev` on loopback running the
 * product with one test-only route (test-e2e/panel-entry.ts) that writes 7 days of recorded minutes
 * into a branch's history, and headless Debian chromium driven by playwright-core. The page must show
 * the KPIs of the status JSON, draw its charts from that history, download the range's CSV, refresh
 * without a reload, fit 390 px, explain a wrong token, an unknown branch and an empty history, ask
 * for a branch when none is given, offer a company token the company's branches (a list on the page, then a
 * selector in the header), tell a branch token without sucursal that it is not a company token, and
 * request nothing from any other host. It prints the script
 * time of the first render with 7 days (10,080 points a series); that figure is reported, not asserted.
 *
 * Screenshots go to test-results/; PANEL_SCREENSHOT=docs/panel.png (npm run screenshot) refreshes
 * the one the README shows.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, chatEvent, provisionBranch, pushEvents, request, browserTestRun, startWrangler, step } from "./server.mjs";

const PORT = Number(process.env.E2E_PORT ?? 8794);
const ADMIN_TOKEN = `e2e-admin-${randomUUID()}`;
const RESULTS = "test-results";
const SCREENSHOT = process.env.PANEL_SCREENSHOT ?? join(RESULTS, "panel.png");
const TOTAL_TIMEOUT_MS = 280_000;
const MINUTE = 60_000;
const WEEK_MINUTES = 7 * 24 * 60;

mkdirSync(RESULTS, { recursive: true });
const logFile = join(RESULTS, "panel-e2e-wrangler.log");
// The product's configuration with the test entry as `main` (paths relative to the config's folder).
const config = join(RESULTS, "panel-e2e.wrangler.toml");
writeFileSync(config, readFileSync("wrangler.toml", "utf8").replace(/^main = .*$/m, 'main = "../test-e2e/panel-entry.ts"'));

let server = null;
let browser = null;
const { persistTo, cleanUp, watchdog } = browserTestRun("panel", TOTAL_TIMEOUT_MS, () => ({ server, browser }));

/** Today's chats: every bucket, bot chats, chats waiting for the customer, a close. */
function seedEvents(branch) {
  const chat = (id, minutesAgo, fields) => chatEvent(branch, "chat.actualizado", { id_resumen: id, ...fields }, minutesAgo);
  return [
    chat(1, 3, { nombre_cliente: "Lucía Rodríguez", departamento: "Ventas", estado: "nuevo" }),
    chat(2, 6, { nombre_cliente: "Carlos Medina", departamento: "Soporte", estado: "pendiente" }),
    chat(3, 8, { nombre_cliente: "Andrea Castillo", departamento: "Ventas", estado: "asignado", agente: "Ana" }),
    chat(4, 12, { nombre_cliente: "José Gutiérrez", departamento: "Cobranzas", estado: "pendiente" }),
    chat(5, 17, { nombre_cliente: "María Fernández", departamento: "Soporte", estado: "asignado", agente: "Luis" }),
    chat(6, 24, { nombre_cliente: "Pedro Salazar", departamento: "Ventas", estado: "asignado", agente: "Ana" }),
    chat(7, 41, { nombre_cliente: "Gabriela Núñez", departamento: "Soporte", estado: "asignado", agente: "Valentina" }),
    chat(8, 76, { nombre_cliente: "Ricardo Paredes", departamento: "Cobranzas", estado: "pendiente" }),
    chat(9, 30, { nombre_cliente: "Sofía Márquez", departamento: "Ventas", estado: "asignado", agente: "Luis" }),
    chatEvent(branch, "chat.mensaje_agente", { id_resumen: 9 }, 2),
    chat(10, 5, { nombre_cliente: "Diego Ramírez", departamento: "Soporte", estado: "icarobot_ia" }),
    chat(12, 50, { nombre_cliente: "Héctor Villalobos", estado: "asignado", agente: "Ana" }),
    chatEvent(branch, "chat.cerrado", { id_resumen: 12 }, 1),
  ];
}

/**
 * A week of a branch's minutes, as the sampler records them: a daily load curve over states and
 * buckets that keeps the snapshot's invariants (open = Σ states; Σ buckets + waiting for the
 * customer = nuevos + pendientes + asignados). Ends the minute before `now`.
 */
function recordedWeek(now) {
  const last = now - (now % MINUTE) - MINUTE;
  const minutes = [];
  for (let i = WEEK_MINUTES - 1; i >= 1; i--) {
    const at = last - (i - 1) * MINUTE;
    const hour = new Date(at - 4 * 3_600_000).getUTCHours() + new Date(at).getUTCMinutes() / 60; // Caracas time
    const load = Math.max(0, Math.sin(((hour - 7) / 14) * Math.PI)) * (1 + 0.2 * Math.sin(at / 3_600_000));
    const nuevos = Math.round(6 * load), pendientes = Math.round(4 * load), asignados = Math.round(14 * load), bot = Math.round(5 * load);
    const cliente = Math.round(asignados / 3);
    const waiting = nuevos + pendientes + asignados - cliente;
    const b = [0.45, 0.25, 0.15, 0.1].map((share) => Math.floor(waiting * share));
    const buckets = [...b, waiting - b.reduce((sum, n) => sum + n, 0)];
    minutes.push({
      en: new Date(at).toISOString(),
      resumen_general: {
        chat_nuevos: nuevos, chat_pendientes: pendientes, chat_asignados: asignados, chat_icarobot_ia: bot,
        chat_abiertos: nuevos + pendientes + asignados + bot, chat_cerrados: Math.round(hour * 9), chat_en_espera_del_cliente: cliente,
        chat_tiempo_espera_menos_10min: buckets[0], chat_tiempo_espera_20min: buckets[1], chat_tiempo_espera_30min: buckets[2],
        chat_tiempo_espera_60min: buckets[3], chat_tiempo_espera_mas_60min: buckets[4],
      },
      metricas: {
        espera_maxima_min: waiting ? Math.round(20 + 60 * load) : 0, espera_promedio_min: waiting ? Math.round(80 + 200 * load) / 10 : 0,
        primera_respuesta_promedio_min: Math.round(40 + 30 * load) / 10, nivel_servicio_pct: Math.round(1000 - 250 * load) / 10,
      },
    });
  }
  return minutes;
}

const KPI_KEYS = ["chat_abiertos", "chat_nuevos", "chat_pendientes", "chat_asignados", "chat_icarobot_ia", "chat_en_espera_del_cliente",
  "chat_cerrados", "chat_tiempo_espera_menos_10min", "chat_tiempo_espera_20min", "chat_tiempo_espera_30min", "chat_tiempo_espera_60min",
  "chat_tiempo_espera_mas_60min"];
const METRIC_KEYS = ["espera_maxima_min", "espera_promedio_min", "primera_respuesta_promedio_min", "nivel_servicio_pct"];

async function shownKpis(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll("[id^=k-]")].map((el) => [el.id.slice(2), el.dataset.valor])));
}

async function statusJson(branch) {
  const query = new URLSearchParams({ empresa: branch.empresa, sucursal: branch.sucursal, detalle: "false" });
  return request(server.base, "GET", `/helpdesk-status/?${query}`, branch.token);
}

/** Waits for the panel to show `target` (by its name in the title). */
async function showing(page, target) {
  await page.waitForSelector('body[data-estado="listo"]');
  await page.waitForFunction((name) => document.getElementById("titulo").textContent.endsWith("· " + name), target.nombre);
}

/** The KPIs shown equal `target`'s status JSON; a minute boundary may move a chat between buckets between the two reads: read again. */
async function assertKpisOf(page, target) {
  let shown, expected;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt) await page.reload();
    await showing(page, target);
    shown = await shownKpis(page);
    expected = expectedKpis(await statusJson(target));
    if (JSON.stringify(shown) === JSON.stringify({ ...shown, ...expected })) break;
  }
  for (const [key, value] of Object.entries(expected)) assert.equal(shown[key], value, key);
  return shown;
}

function expectedKpis(status) {
  const expected = {};
  for (const key of KPI_KEYS) expected[key] = String(status.resumen_general[key]);
  for (const key of METRIC_KEYS) expected[key] = String(status.metricas[key]);
  expected.esperando = String(KPI_KEYS.slice(7).reduce((sum, key) => sum + status.resumen_general[key], 0));
  return expected;
}

/** Pixels painted on a chart's canvas (uPlot draws series and axes there). */
function paintedPixels(page, id) {
  return page.evaluate((chartId) => {
    const canvas = document.querySelector(`#${chartId} canvas`);
    if (!canvas) return 0;
    const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
    return painted;
  }, id);
}

async function main() {
  const outside = [];
  const withToken = [];
  const secrets = [];
  const cspViolations = [];

  await step("wrangler dev (the product plus the history replay route) answers on 127.0.0.1:" + PORT, async () => {
    server = await startWrangler({ port: PORT, persistTo, adminToken: ADMIN_TOKEN, logFile, config });
  });

  const suffix = randomUUID().slice(0, 8);
  const branch = await provisionBranch(server.base, ADMIN_TOKEN, { empresa: `e2e-${suffix}`, sucursal: "centro", nombre: "Sucursal Centro" });
  const north = await provisionBranch(server.base, ADMIN_TOKEN, { empresa: `e2e-${suffix}`, sucursal: "norte", nombre: "Sucursal Norte" });
  const { token: companyToken } = await request(server.base, "POST", `/v1/admin/empresas/${branch.empresa}/tokens`, ADMIN_TOKEN, { etiqueta: "panel e2e" });
  secrets.push(branch.token, north.token, companyToken);
  await pushEvents(server.base, branch, seedEvents(branch));
  await pushEvents(server.base, north, [
    chatEvent(north, "chat.actualizado", { id_resumen: 1, nombre_cliente: "Elena Pérez", departamento: "Ventas", estado: "nuevo" }, 4),
    chatEvent(north, "chat.actualizado", { id_resumen: 2, nombre_cliente: "Mario León", departamento: "Soporte", estado: "pendiente" }, 25),
  ]);

  await step("7 days of recorded minutes are written into the branch's history", async () => {
    const minutes = recordedWeek(Date.now());
    const { escritos } = await request(server.base, "POST", "/__test/replay", ADMIN_TOKEN, { empresa: branch.empresa, sucursal: branch.sucursal, minutos: minutes });
    assert.equal(escritos, WEEK_MINUTES - 1);
  });

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 30_000, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true });
  context.on("request", (req) => {
    const url = new URL(req.url());
    if (!["blob:", "data:"].includes(url.protocol) && url.origin !== server.base) outside.push(req.url());
    if (secrets.some((secret) => req.url().includes(secret))) withToken.push(req.url());
  });
  context.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  const fragment = (target, extra = {}) => new URLSearchParams({ token: target.token, empresa: target.empresa, sucursal: target.sucursal, ...extra });

  const page = await context.newPage();
  page.setDefaultTimeout(20_000);

  await step("first render with 7 days of history (10,080 points a series): script time measured", async () => {
    const cdp = await context.newCDPSession(page);
    await cdp.send("Performance.enable");
    const scriptSeconds = async () => (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "ScriptDuration").value;
    const before = await scriptSeconds();
    const serie = page.waitForResponse((r) => r.url().includes("/helpdesk-status/serie"));
    await page.goto(`${server.base}/panel/#${fragment(branch, { rango: "7d" })}`);
    const body = await (await serie).json();
    await page.waitForSelector('body[data-estado="listo"][data-historial="con-datos"]');
    const script = (await scriptSeconds()) - before;
    const render = await page.evaluate(() => window.panelFirstRenderMs);
    assert.ok(body.puntos.length >= WEEK_MINUTES - 1, `the 7-day read returned ${body.puntos.length} points`);
    console.log(`    first render, 7 days (${body.puntos.length} points a series): page script time ${Math.round(script * 1000)} ms ` +
      `(CDP ScriptDuration, load to first render), of which drawing ${Math.round(render)} ms (performance.now)`);
    await cdp.detach();
  });

  await step("the charts are drawn from the history, one request per range", async () => {
    for (const id of ["g-estados", "g-espera", "g-tiempos", "g-servicio"]) {
      assert.ok((await paintedPixels(page, id)) > 2_000, `${id} has nothing drawn`);
    }
    const reads = [];
    const listener = (req) => req.url().includes("/helpdesk-status/serie") && reads.push(req.url());
    page.on("request", listener);
    await page.selectOption("#rango", "24h");
    await page.waitForResponse((r) => r.url().includes("/helpdesk-status/serie"));
    await page.waitForFunction(() => document.body.dataset.estado === "listo");
    page.off("request", listener);
    assert.equal(reads.length, 1);
    assert.ok((await paintedPixels(page, "g-estados")) > 2_000);
  });

  await step("today's KPIs equal the status JSON", async () => {
    await page.reload();
    const shown = await assertKpisOf(page, branch);
    assert.equal(shown.chat_abiertos, "10");
    assert.equal(shown.chat_cerrados, "1");
    assert.ok(!(await page.locator("#cambiar").isVisible()), "a branch link shows the company's branch selector");
    const agents = await page.locator("#agentes tr").allTextContents();
    assert.ok(agents.some((row) => row.startsWith("Ana")), "Ana's load is missing");
    const departments = await page.locator("#departamentos td").allTextContents();
    assert.ok(departments.includes("Cobranzas"));
  });

  await step("the token is not in the address bar", async () => {
    assert.ok(!page.url().includes(branch.token));
    assert.ok(!(await page.locator("body").innerText()).includes(branch.token));
  });

  await step("the range's series downloads as CSV", async () => {
    const download = page.waitForEvent("download");
    await page.click("#csv");
    const file = await download;
    assert.match(file.suggestedFilename(), /\.csv$/);
    const csv = readFileSync(await file.path(), "utf8").trim().split(/\r?\n/);
    assert.match(csv[0], /chat_abiertos/);
    assert.ok(csv.length > 1_000, `only ${csv.length} CSV lines for 24 hours`);
  });

  await step("it refreshes without a reload and says when it was updated", async () => {
    await page.evaluate(() => { window.sinRecargar = true; });
    await pushEvents(server.base, branch, [
      chatEvent(branch, "chat.actualizado", { id_resumen: 20, nombre_cliente: "Camila Ortega", departamento: "Ventas", estado: "nuevo" }),
    ]);
    await page.waitForFunction(() => document.getElementById("k-chat_abiertos").dataset.valor === "11", null, { timeout: 70_000 });
    assert.equal(await page.evaluate(() => window.sinRecargar), true, "the page reloaded");
    assert.match(await page.locator("#actualizado").innerText(), /^actualizado hace \d+ s$/);
  });

  await step(`screenshot saved to ${SCREENSHOT}`, async () => {
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  await step("on a 390 px phone there is no horizontal scroll and the charts fit", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => document.querySelector("#g-estados canvas").getBoundingClientRect().width <= 390);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "the page scrolls sideways at 390 px");
    await page.screenshot({ path: join(RESULTS, "panel-390.png"), fullPage: true });
  });

  await step("a wrong token is explained on screen", async () => {
    const other = await context.newPage();
    await other.goto(`${server.base}/panel/#${fragment({ ...branch, token: "not-a-token-of-this-branch" })}`);
    await other.waitForSelector('body[data-estado="error"]');
    assert.match(await other.locator("#aviso").innerText(), /token no es válido/);
    await other.close();
  });

  await step("an unknown branch is explained on screen", async () => {
    const other = await context.newPage();
    await other.goto(`${server.base}/panel/#${fragment({ ...branch, sucursal: "no-existe" })}`);
    await other.waitForSelector('body[data-estado="error"]');
    assert.match(await other.locator("#aviso").innerText(), /No existe la sucursal «no-existe»/);
    await other.close();
  });

  let fresh;
  await step("a branch without history says so instead of empty charts", async () => {
    // Provisioned here: a branch samples its figures once a minute from its provisioning on.
    fresh = await provisionBranch(server.base, ADMIN_TOKEN, { empresa: branch.empresa, sucursal: "nueva", nombre: "Sucursal Nueva" });
    secrets.push(fresh.token);
    const other = await context.newPage();
    await other.goto(`${server.base}/panel/#${fragment(fresh)}`);
    await other.waitForSelector('body[data-estado="listo"]');
    assert.equal(await other.evaluate(() => document.body.dataset.historial), "vacio");
    assert.ok(await other.locator("#sin-historial").isVisible());
    await other.close();
  });

  await step("without a branch the page asks for one, then shows it", async () => {
    const other = await context.newPage();
    await other.goto(`${server.base}/panel/`);
    await other.waitForSelector('body[data-estado="elegir"]');
    await other.fill("#elegir [name=empresa]", branch.empresa);
    await other.fill("#elegir [name=sucursal]", branch.sucursal);
    await other.fill("#elegir [name=token]", branch.token);
    await other.click("#elegir button");
    await other.waitForSelector('body[data-estado="listo"]');
    assert.match(await other.locator("#titulo").textContent(), /Sucursal Centro/);
    await other.close();
  });

  await step("a company token without sucursal offers the company's branches by name, then shows the one chosen", async () => {
    const other = await context.newPage();
    await other.goto(`${server.base}/panel/#${new URLSearchParams({ token: companyToken, empresa: branch.empresa })}`);
    await other.waitForSelector('body[data-estado="elegir"][data-modo="empresa"]');
    const offered = await other.locator("#elegir [name=lista] option").allTextContents();
    assert.deepEqual(offered, ["Sucursal Centro (centro)", "Sucursal Norte (norte)", "Sucursal Nueva (nueva)"]);
    assert.ok(!(await other.locator("#elegir [name=sucursal]").isVisible()), "the text field is offered too");
    assert.ok(!other.url().includes(companyToken));
    await other.screenshot({ path: join(RESULTS, "panel-empresa-elegir.png") });
    await other.selectOption("#elegir [name=lista]", "norte");
    await other.click("#elegir button");
    const northShown = await assertKpisOf(other, north);
    assert.equal(northShown.chat_abiertos, "2");
    assert.ok(await other.locator("#cambiar").isVisible(), "no branch selector in the header");
    assert.equal(await other.locator("#sucursal-elegida").inputValue(), "norte");

    // Switching in the header, without a reload.
    await other.evaluate(() => { window.sinRecargar = true; });
    await other.selectOption("#sucursal-elegida", "centro");
    const centreShown = await assertKpisOf(other, branch);
    assert.notEqual(centreShown.chat_abiertos, northShown.chat_abiertos);
    assert.equal(await other.evaluate(() => window.sinRecargar), true, "the page reloaded");
    assert.ok(!(await other.locator("body").innerText()).includes(companyToken));
    await other.screenshot({ path: join(RESULTS, "panel-empresa.png") });
    await other.setViewportSize({ width: 390, height: 844 });
    assert.ok(await other.evaluate(() => document.documentElement.scrollWidth <= 390), "the company mode scrolls sideways at 390 px");
    await other.screenshot({ path: join(RESULTS, "panel-empresa-390.png") });
    // A reload keeps the company mode and the branch chosen.
    await other.reload();
    await showing(other, branch);
    assert.ok(await other.locator("#cambiar").isVisible());
    await other.close();
  });

  await step("a branch token without sucursal is told it is not a company token, then may type its branch", async () => {
    const other = await context.newPage();
    await other.goto(`${server.base}/panel/#${new URLSearchParams({ token: branch.token, empresa: branch.empresa })}`);
    await other.waitForSelector('body[data-estado="elegir"]');
    assert.match(await other.locator("#aviso").innerText(), /no es un token de empresa de «e2e-.*escriba su sucursal abajo/s);
    assert.ok(await other.locator("#elegir [name=sucursal]").isVisible());
    await other.fill("#elegir [name=sucursal]", branch.sucursal);
    await other.click("#elegir button");
    await showing(other, branch);
    assert.equal(await other.locator("#aviso").innerText(), "");
    assert.ok(!(await other.locator("#cambiar").isVisible()));
    await other.close();
  });

  await step("no request left the service, none carried the token in its URL, no CSP violation", async () => {
    assert.deepEqual(outside, []);
    assert.deepEqual(withToken, []);
    assert.deepEqual(cspViolations, []);
  });
}

let failed = false;
try {
  console.log("panel e2e (wrangler dev + chromium)");
  await main();
} catch (error) {
  failed = true;
  console.error(`  ✗ ${error.stack ?? error}`);
  console.error(`  wrangler log: ${logFile}`);
} finally {
  await cleanUp();
  clearTimeout(watchdog);
}
process.exit(failed ? 1 : 0);
