/** docs/panel.md: the manager's panel is one Spanish page, locked down by its headers, and its chart library is served by the Worker. */
import { describe, expect, it } from "vitest";
import { call } from "./helpers";

async function sha256Source(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

function directives(policy: string): Map<string, string[]> {
  return new Map(policy.split(";").map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
}

describe("GET /panel/", () => {
  it("serves one Spanish HTML page, with and without the trailing slash", async () => {
    const response = await call("/panel/");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html; charset=UTF-8/i);
    const html = await response.text();
    expect(html).toMatch(/<html lang="es">/);
    expect(await (await call("/panel")).text()).toBe(html);
  });

  it("allows only this service's files and its own inline script and style", async () => {
    const response = await call("/panel/");
    const html = await response.text();
    expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    const policy = directives(response.headers.get("Content-Security-Policy")!);
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1];
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    expect(policy.get("default-src")).toEqual(["'none'"]);
    expect(policy.get("script-src")).toEqual(["'self'", await sha256Source(script)]);
    expect(policy.get("style-src")).toEqual(["'self'", await sha256Source(style)]);
    expect(policy.get("connect-src")).toEqual(["'self'"]);
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
  });

  it("names no other host and loads only its bundled chart library", async () => {
    const html = await (await call("/panel/")).text();
    expect(html).not.toMatch(/https?:\/\//i);
    expect([...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1])).toEqual(["/panel/uplot.css", "/panel/uplot.js"]);
  });

  it("writes data with textContent only, never as markup", async () => {
    const html = await (await call("/panel/")).text();
    expect(html).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it("serves the bundled uPlot script and style", async () => {
    const script = await call("/panel/uplot.js");
    expect(script.status).toBe(200);
    expect(script.headers.get("Content-Type")).toMatch(/^text\/javascript/);
    expect(await script.text()).toMatch(/uPlot/);
    const style = await call("/panel/uplot.css");
    expect(style.headers.get("Content-Type")).toMatch(/^text\/css/);
    expect(await style.text()).toMatch(/\.uplot/);
  });

  it("answers 404 to an unknown file and 405 to other methods", async () => {
    const missing = await call("/panel/otro.js");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: "Recurso no encontrado" });
    expect((await call("/panel/", { method: "POST" })).status).toBe(405);
    expect((await call("/panel/uplot.js", { method: "DELETE" })).status).toBe(405);
  });
});
