/**
 * The wall monitor in a real browser (docs/guia-api.md#monitor-de-pared): `wrangler dev` on loopback, headless Debian
 * chromium driven by playwright-core. The page must render the branch, change its numbers without
 * a reload when an event is pushed, show that it lost the server when wrangler is stopped, and
 * come back by itself when wrangler is started again. Any failed step exits non-zero.
 *
 * Screenshots go to test-results/ (ignored by git); MONITOR_SCREENSHOT=docs/monitor.png (npm run
 * screenshot) refreshes the one the README shows.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, chatEvent, provisionBranch, pushEvents, browserTestRun, startWrangler, step } from "./server.mjs";

const PORT = Number(process.env.E2E_PORT ?? 8791);
const ADMIN_TOKEN = `e2e-admin-${randomUUID()}`;
const RESULTS = "test-results";
const SCREENSHOT = process.env.MONITOR_SCREENSHOT ?? join(RESULTS, "monitor.png");
const TOTAL_TIMEOUT_MS = 240_000;
const HOSTILE_NAME = '<img src=x onerror="alert(1)"><script>alert(2)</script>';

mkdirSync(RESULTS, { recursive: true });
const logFile = join(RESULTS, "monitor-e2e-wrangler.log");

let server = null;
let browser = null;
const { persistTo, cleanUp, watchdog } = browserTestRun("monitor", TOTAL_TIMEOUT_MS, () => ({ server, browser }));

/** Realistic traffic for one branch: every bucket, bot chats, chats waiting for the customer, closes. */
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
    chat(17, 20, { nombre_cliente: "Paola Herrera", departamento: "Soporte", estado: "asignado", agente: "Valentina" }),
    chatEvent(branch, "chat.mensaje_agente", { id_resumen: 17 }, 16),
    chat(18, 15, { nombre_cliente: "Miguel Ángel Rivas", departamento: "Ventas", estado: "asignado", agente: "Luis" }),
    chatEvent(branch, "chat.mensaje_agente", { id_resumen: 18 }, 13),
    chat(10, 5, { nombre_cliente: "Diego Ramírez", departamento: "Soporte", estado: "icarobot_ia" }),
    chat(11, 2, { nombre_cliente: "Valeria Torres", departamento: "Ventas", estado: "icarobot_ia" }),
    chat(12, 50, { nombre_cliente: "Héctor Villalobos", departamento: "Ventas", estado: "asignado", agente: "Ana" }),
    chatEvent(branch, "chat.cerrado", { id_resumen: 12 }, 1),
    chat(13, 9, { nombre_cliente: HOSTILE_NAME, departamento: "Soporte", estado: "nuevo" }),
  ];
}

const numberOf = (page, key) => page.locator(`#n-${key}`);

async function expectNumber(page, key, value, timeout = 15_000) {
  await page.waitForFunction(
    ([id, expected]) => document.getElementById(id)?.textContent === expected,
    [`n-${key}`, String(value)],
    { timeout },
  ).catch(async (error) => {
    throw new Error(`#n-${key} should read ${value}, reads ${await numberOf(page, key).textContent()}: ${error.message}`);
  });
}

async function main() {
  const cspViolations = [];
  const dialogs = [];

  await step("wrangler dev answers on 127.0.0.1:" + PORT, async () => {
    server = await startWrangler({ port: PORT, persistTo, adminToken: ADMIN_TOKEN, logFile });
  });

  const suffix = randomUUID().slice(0, 8);
  const branch = await provisionBranch(server.base, ADMIN_TOKEN, { empresa: `e2e-${suffix}`, sucursal: "centro", nombre: "Sucursal Centro" });
  await pushEvents(server.base, branch, seedEvents(branch));

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: CHROMIUM_ARGS,
  });
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  page.setDefaultTimeout(15_000);
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on("dialog", (dialog) => {
    dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });

  const fragment = new URLSearchParams({ token: branch.token, empresa: branch.empresa, sucursal: branch.sucursal });
  await step("the page renders the branch live from the WebSocket", async () => {
    await page.goto(`${server.base}/monitor/#${fragment}`);
    await page.waitForSelector('body[data-estado="en-vivo"]');
    await expectNumber(page, "chat_abiertos", 14);
    await expectNumber(page, "chat_icarobot_ia", 2);
    await expectNumber(page, "chat_en_espera_del_cliente", 3);
    await expectNumber(page, "chat_tiempo_espera_mas_60min", 1);
    await expectNumber(page, "chat_cerrados", 1);
    assert.equal(await page.locator("#titulo").textContent(), "Sucursal Centro");
  });

  await step("the token is not on screen, in the address bar or in the history entry", async () => {
    assert.ok(!page.url().includes(branch.token), "the URL still holds the token");
    assert.ok(!(await page.locator("body").innerText()).includes(branch.token), "the token is on screen");
  });

  await step("a chat named with markup renders as text and runs nothing", async () => {
    const cells = await page.locator("#esperando td").allTextContents();
    assert.ok(cells.includes(HOSTILE_NAME), "the hostile name is not shown literally");
    assert.equal(await page.locator("img, #esperando script").count(), 0);
    assert.deepEqual(dialogs, []);
  });

  await step("an event pushed to the API changes the numbers without a reload", async () => {
    await page.evaluate(() => { window.sinRecargar = true; });
    await pushEvents(server.base, branch, [
      chatEvent(branch, "chat.cerrado", { id_resumen: 13 }),
      chatEvent(branch, "chat.actualizado", { id_resumen: 14, nombre_cliente: "Camila Ortega", departamento: "Ventas", estado: "nuevo" }),
      chatEvent(branch, "chat.actualizado", { id_resumen: 15, nombre_cliente: "Andrés Rojas", departamento: "Cobranzas", estado: "nuevo" }),
    ]);
    await expectNumber(page, "chat_abiertos", 15);
    await expectNumber(page, "chat_cerrados", 2);
    assert.equal(await page.evaluate(() => window.sinRecargar), true, "the page reloaded");
    assert.ok(!(await page.locator("#esperando td").allTextContents()).includes(HOSTILE_NAME));
  });

  await step("stopping the server shows the disconnected state", async () => {
    await server.stop();
    server = null;
    await page.waitForSelector('body[data-estado="desconectado"]');
    assert.match(await page.locator("#aviso").innerText(), /Sin conexión/);
    await page.screenshot({ path: join(RESULTS, "monitor-desconectado.png") });
  });

  await step("starting it again, the page reconnects by itself and follows new events", async () => {
    server = await startWrangler({ port: PORT, persistTo, adminToken: ADMIN_TOKEN, logFile });
    await page.waitForSelector('body[data-estado="en-vivo"]', { timeout: 60_000 });
    await pushEvents(server.base, branch, [
      chatEvent(branch, "chat.actualizado", { id_resumen: 16, nombre_cliente: "Isabel Contreras", departamento: "Soporte", estado: "nuevo" }),
    ]);
    await expectNumber(page, "chat_abiertos", 16);
    assert.equal(await page.evaluate(() => window.sinRecargar), true, "the page reloaded");
    assert.match(await page.locator("#actualizado").innerText(), /actualizado hace \d+ s/);
  });

  await step("a wrong token is explained on screen", async () => {
    const other = await browser.newPage();
    const wrong = new URLSearchParams({ token: "not-a-token-of-this-branch", empresa: branch.empresa, sucursal: branch.sucursal });
    await other.goto(`${server.base}/monitor/#${wrong}`);
    await other.waitForSelector('body[data-estado="desconectado"]');
    await other.waitForFunction(() => /Token no válido/.test(document.getElementById("aviso").textContent));
    // The same tab, without the fragment: its settings come back from sessionStorage.
    await other.goto(`${server.base}/monitor/`);
    await other.waitForSelector('body[data-estado="desconectado"]');
    await other.close();
  });

  await step("without parameters the page says what is missing", async () => {
    const bare = await browser.newPage();
    await bare.goto(`${server.base}/monitor/`);
    await bare.waitForSelector('body[data-estado="sin-configuracion"]');
    assert.match(await bare.locator("#aviso").innerText(), /Falta la configuración/);
    await bare.close();
  });

  await step("no Content-Security-Policy violation", async () => {
    assert.deepEqual(cspViolations, []);
  });

  await step(`screenshot saved to ${SCREENSHOT}`, async () => {
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  });
}

let failed = false;
try {
  console.log("monitor e2e (wrangler dev + chromium)");
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
