/**
 * The company view end to end (docs/empresa.md): `wrangler dev` on loopback, a company of 24
 * branches fed by events, its company token; the company endpoint's totals and CSV, and the
 * company wallboard in headless Debian chromium at 1920×1080: one tile per branch, longest wait
 * first, every tile on screen, numbers changing without a reload, no CSP violation.
 *
 * The screenshot goes to test-results/ (ignored by git); COMPANY_MONITOR_SCREENSHOT=docs/empresa-monitor.png
 * (npm run screenshot) refreshes the one docs/empresa.md shows.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, chatEvent, pushEvents, request, browserTestRun, startWrangler, step } from "./server.mjs";

const PORT = Number(process.env.E2E_PORT ?? 8791);
const ADMIN_TOKEN = `e2e-admin-${randomUUID()}`;
const RESULTS = "test-results";
const SCREENSHOT = process.env.COMPANY_MONITOR_SCREENSHOT ?? join(RESULTS, "empresa-monitor.png");
const TOTAL_TIMEOUT_MS = 240_000;
const CITIES = ["Maracaibo", "Bogotá", "Ciudad de México", "Caracas", "Valencia", "Medellín", "Cali", "Guadalajara",
  "Monterrey", "Lima", "Quito", "Santiago", "Buenos Aires", "Barquisimeto", "Cartagena", "Puebla", "Mérida", "Cusco",
  "Guayaquil", "Rosario", "Córdoba", "Panamá", "San José", "Montevideo"];

mkdirSync(RESULTS, { recursive: true });
const logFile = join(RESULTS, "company-e2e-wrangler.log");
let server = null;
let browser = null;
const { persistTo, cleanUp, watchdog } = browserTestRun("company", TOTAL_TIMEOUT_MS, () => ({ server, browser }));

/** Polls `check` (an async function returning a value or undefined) for up to `timeoutMs`. */
async function eventually(check, what, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main() {
  await step("wrangler dev answers on 127.0.0.1:" + PORT, async () => {
    server = await startWrangler({ port: PORT, persistTo, adminToken: ADMIN_TOKEN, logFile });
  });
  const admin = (method, path, body) => request(server.base, method, `/v1/admin${path}`, ADMIN_TOKEN, body);
  const empresa = `e2e-${randomUUID().slice(0, 8)}`;
  const branches = CITIES.map((city, i) => ({ empresa, sucursal: `s${String(i + 1).padStart(2, "0")}`, nombre: `${city} ${1 + (i % 3)}` }));
  let companyToken;
  let key;

  await step(`a company of ${branches.length} branches, a company token and traffic on each`, async () => {
    for (const branch of branches) await admin("PUT", `/empresas/${empresa}/sucursales/${branch.sucursal}`, { nombre: branch.nombre });
    ({ token: companyToken } = await admin("POST", `/empresas/${empresa}/tokens`, { etiqueta: "muro" }));
    ({ clave: key } = await admin("POST", `/empresas/${empresa}/claves-ingesta`, {}));
    for (const [i, branch] of branches.entries()) {
      const events = [];
      // Branch i: i % 7 + 1 chats, the longest waiting 3 × i + 1 minutes, one assigned, one with the bot.
      for (let c = 0; c <= i % 7; c++) events.push(chatEvent(branch, "chat.actualizado", { id_resumen: c + 1, departamento: c % 2 ? "Ventas" : "Soporte", estado: c === 1 ? "asignado" : "nuevo", agente: c === 1 ? "ana" : null }, 3 * i + 1 - c * 0.2));
      events.push(chatEvent(branch, "chat.actualizado", { id_resumen: 99, estado: "icarobot_ia" }, 1));
      await pushEvents(server.base, { ...branch, key }, events);
    }
  });

  const query = new URLSearchParams({ token: companyToken, empresa });
  const read = async (extra = "") => {
    const response = await fetch(`${server.base}/helpdesk-status/empresa?${query}${extra}`);
    assert.equal(response.status, 200, await response.clone().text());
    return response;
  };

  await step("the company view lists every branch at its version and sums them", async () => {
    const body = await eventually(async () => {
      const candidate = await (await read()).json();
      return candidate.sucursales.every((entry) => entry.version > 0) ? candidate : undefined;
    }, "every branch's report");
    assert.deepEqual(body.sucursales.map((entry) => entry.sucursal), branches.map((branch) => branch.sucursal));
    const opened = branches.reduce((sum, _branch, i) => sum + (i % 7) + 2, 0);
    assert.equal(body.resumen_general.chat_abiertos, opened);
    assert.equal(body.resumen_general.chat_icarobot_ia, branches.length);
    assert.equal(body.metricas.espera_maxima_min, 3 * (branches.length - 1) + 1);
    const own = await (await fetch(`${server.base}/helpdesk-status/?${new URLSearchParams({ empresa, sucursal: "s05", detalle: "false" })}`, { headers: { Authorization: `Bearer ${companyToken}` } })).json();
    assert.deepEqual(body.sucursales[4].resumen_general, own.resumen_general);
  });

  await step("CSV: a header and one row per branch; a branch token is refused", async () => {
    const csv = (await (await read("&formato=csv")).text()).trim().split("\r\n");
    assert.equal(csv.length, branches.length + 1);
    assert.match(csv[0], /^sucursal,nombre,zona_horaria,chat_nuevos,/);
    const { token } = await admin("POST", `/empresas/${empresa}/sucursales/s01/tokens`, {});
    const refused = await fetch(`${server.base}/helpdesk-status/empresa?${new URLSearchParams({ token, empresa })}`);
    assert.equal(refused.status, 401);
    assert.deepEqual(await refused.json(), { message: "Unauthorized: Token no válido" });
  });

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 30_000, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  page.setDefaultTimeout(15_000);
  const cspViolations = [];
  const requests = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on("request", (outgoing) => requests.push(outgoing.url()));

  await step("the wallboard shows one tile per branch, longest wait first, totals on top", async () => {
    await page.goto(`${server.base}/monitor/#${query}`);
    await page.waitForSelector('body[data-estado="en-vivo"]');
    await page.waitForFunction((count) => document.querySelectorAll("#sucursales .sucursal").length === count, branches.length);
    const order = await page.$$eval("#sucursales .sucursal", (tiles) => tiles.map((tile) => tile.dataset.sucursal));
    assert.deepEqual(order, branches.map((branch) => branch.sucursal).reverse());
    const opened = branches.reduce((sum, _branch, i) => sum + (i % 7) + 2, 0);
    assert.equal(await page.locator("#n-chat_abiertos").textContent(), String(opened));
    assert.match(await page.locator("#titulo").textContent(), new RegExp(`${branches.length} sucursales`));
  });

  await step(`screenshot saved to ${SCREENSHOT}`, async () => {
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  });

  await step("readable across a room: every tile on screen at 1920×1080, names and numbers large", async () => {
    const limit = await page.$eval("footer", (footer) => footer.getBoundingClientRect().top);
    const boxes = await page.$$eval("#sucursales .sucursal", (tiles) => tiles.map((tile) => {
      const box = tile.getBoundingClientRect();
      // A long name may end in an ellipsis (its full text is the tile's title); figures never clip.
      const clipped = [...tile.children].some((line) => !line.classList.contains("nombre") && line.scrollWidth > line.clientWidth + 1);
      return { bottom: box.bottom, right: box.right, overflow: clipped || tile.scrollHeight > tile.clientHeight + 1 };
    }));
    for (const box of boxes) {
      assert.ok(box.bottom <= limit && box.right <= 1920, `a tile leaves the screen: ${JSON.stringify(box)}`);
      assert.ok(!box.overflow, "a tile's content overflows it");
    }
    const sizes = await page.$eval("#sucursales .sucursal", (tile) => ({
      name: parseFloat(getComputedStyle(tile.querySelector(".nombre")).fontSize),
      number: parseFloat(getComputedStyle(tile.querySelector(".cifras b")).fontSize),
    }));
    assert.ok(sizes.name >= 24 && sizes.number >= 36, `text too small for a TV: ${JSON.stringify(sizes)}`);
  });

  await step("a branch's change reaches the wallboard without a reload", async () => {
    const tile = page.locator('#sucursales .sucursal[data-sucursal="s01"] .cifras b').first();
    const before = Number(await tile.textContent());
    await pushEvents(server.base, { ...branches[0], key }, [chatEvent(branches[0], "chat.actualizado", { id_resumen: 500 }, 0)]);
    await page.waitForFunction((expected) => document.querySelector('#sucursales .sucursal[data-sucursal="s01"] .cifras b')?.textContent === expected, String(before + 1));
  });

  await step("no Content-Security-Policy violation, no request to another host", async () => {
    assert.deepEqual(cspViolations, []);
    const base = new URL(server.base);
    assert.deepEqual(requests.filter((url) => new URL(url).host !== base.host), []);
  });

}

let failed = false;
try {
  console.log("company e2e (wrangler dev + chromium)");
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
