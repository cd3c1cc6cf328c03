/**
 * `GET /docs` (docs/guia-api.md#referencia-interactiva): the interactive reference is one page and
 * its bundled renderer, all served by this Worker under a policy that allows only this service.
 * test-e2e/docs.e2e.mjs renders it in chromium and records every request.
 */
import { describe, expect, it } from "vitest";
import { call } from "./helpers";

describe("GET /docs", () => {
  it("serves the Spanish reference page with and without the trailing slash", async () => {
    for (const path of ["/docs", "/docs/"]) {
      const response = await call(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("Content-Type")).toMatch(/^text\/html/);
      const html = await response.text();
      expect(html).toContain('<html lang="es">');
      expect(html).toContain('src="/docs/swagger-ui-bundle.js"');
    }
  });

  it("allows scripts, styles and connections to this service only", async () => {
    const policy = (await call("/docs")).headers.get("Content-Security-Policy") ?? "";
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).not.toMatch(/https?:|\*|unsafe-eval/);
  });

  it("names no other host in the page", async () => {
    const html = await (await call("/docs")).text();
    expect(html.match(/(src|href)="[^"]*"/g)?.every((attribute) => /="\/(docs|openapi\.json)/.test(attribute))).toBe(true);
  });

  it("serves the bundled renderer and its start-up script from this Worker", async () => {
    const bundle = await call("/docs/swagger-ui-bundle.js");
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get("Content-Type")).toMatch(/^text\/javascript/);
    expect((await bundle.text()).length).toBeGreaterThan(500_000);
    const style = await call("/docs/swagger-ui.css");
    expect(style.headers.get("Content-Type")).toMatch(/^text\/css/);
    const init = await (await call("/docs/init.js")).text();
    expect(init).toContain('url: "/openapi.json"');
    expect(init).toContain("validatorUrl: null");
  });

  it("answers 404 with the JSON error for a file it does not have", async () => {
    const response = await call("/docs/otro.js");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: "Recurso no encontrado" });
  });

  it("answers 405 to other methods", async () => {
    const response = await call("/docs", { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET, HEAD");
  });
});
