/**
 * The API reference in a real browser (docs/guia-api.md#referencia-interactiva): `wrangler dev`
 * on loopback, headless Debian chromium driven by playwright-core. `/docs` must render every path
 * of `/openapi.json` with its Spanish text, with every request the page makes going to this
 * service and no Content-Security-Policy violation. Any failed step exits non-zero.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM, CHROMIUM_ARGS, browserTestRun, startWrangler, step } from "./server.mjs";

const PORT = Number(process.env.E2E_PORT ?? 8793);
const RESULTS = "test-results";
const TOTAL_TIMEOUT_MS = 180_000;

mkdirSync(RESULTS, { recursive: true });
let server = null;
let browser = null;
const { persistTo, cleanUp, watchdog } = browserTestRun("docs", TOTAL_TIMEOUT_MS, () => ({ server, browser }));

async function main() {
  await step(`wrangler dev answers on 127.0.0.1:${PORT}`, async () => {
    server = await startWrangler({ port: PORT, persistTo, adminToken: `e2e-admin-${randomUUID()}`, logFile: join(RESULTS, "docs-e2e-wrangler.log") });
  });
  const document = await (await fetch(`${server.base}/openapi.json`)).json();
  const paths = Object.keys(document.paths);

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, timeout: 30_000, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(20_000);
  const requests = [];
  const cspViolations = [];
  const pageErrors = [];
  page.on("request", (request) => requests.push(request.url()));
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  page.on("pageerror", (error) => pageErrors.push(error.message));

  await step("the page renders the document's title and description", async () => {
    await page.goto(`${server.base}/docs`);
    await page.waitForSelector(".swagger-ui .info .title");
    assert.match(await page.locator(".swagger-ui .info .title").textContent(), /Helpdesk Status API/);
    assert.match(await page.locator(".swagger-ui .info .description").textContent(), /Estado en tiempo real/);
  });

  await step(`every one of the ${paths.length} paths of /openapi.json is on the page`, async () => {
    await page.waitForSelector(".opblock");
    const rendered = new Set(await page.locator(".opblock-summary-path").evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-path"))));
    const missing = paths.filter((path) => !rendered.has(path));
    assert.deepEqual(missing, [], `paths not rendered: ${missing.join(", ")}`);
  });

  await step("an operation opens with its Spanish parameters, responses and example", async () => {
    const block = page.locator('.opblock-get:has(.opblock-summary-path[data-path="/helpdesk-status/"])');
    await block.locator(".opblock-summary").click();
    await block.locator(".opblock-body .parameters").waitFor();
    assert.match(await block.textContent(), /Restringe cifras y listas a un departamento/);
    assert.match(await block.textContent(), /resumen_general/);
    assert.match(await block.textContent(), /Faltan parámetros/);
  });

  await step("every request went to this service", async () => {
    const origin = new URL(server.base).origin;
    const elsewhere = requests.filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith("data:"));
    assert.deepEqual(elsewhere, [], `requests to other hosts: ${elsewhere.join(", ")}`);
    assert.ok(requests.some((url) => url === `${origin}/openapi.json`), "the page read /openapi.json");
  });

  await step("no Content-Security-Policy violation and no script error", async () => {
    assert.deepEqual(cspViolations, []);
    assert.deepEqual(pageErrors, []);
  });

  await step("screenshot saved to test-results/docs.png", async () => {
    await page.screenshot({ path: join(RESULTS, "docs.png") });
  });
}

console.log("docs e2e (wrangler dev + chromium)");
main()
  .then(async () => {
    clearTimeout(watchdog);
    await cleanUp();
    process.exit(0);
  })
  .catch(async (error) => {
    console.error(`docs e2e failed: ${error.stack ?? error}`);
    clearTimeout(watchdog);
    await cleanUp();
    process.exit(1);
  });
