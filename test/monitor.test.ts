/** docs/guia-api.md#monitor-de-pared: the wall-monitor page is self-contained, locked down by its headers, and never renders data as markup. */
import { describe, expect, it } from "vitest";
import { call } from "./helpers";

async function sha256Source(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

async function page(path = "/monitor/") {
  const response = await call(path);
  expect(response.status).toBe(200);
  return { response, html: await response.text() };
}

function directives(policy: string): Map<string, string[]> {
  return new Map(policy.split(";").map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
}

describe("GET /monitor/", () => {
  it("serves one Spanish HTML page, with and without the trailing slash", async () => {
    const { response, html } = await page();
    expect(response.headers.get("Content-Type")).toMatch(/^text\/html; charset=UTF-8/i);
    expect(html).toMatch(/<html lang="es">/);
    expect((await page("/monitor")).html).toBe(html);
  });

  it("sends no Referer, no sniffing, and a policy that allows only its own inline script and style", async () => {
    const { response, html } = await page();
    expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    const policy = directives(response.headers.get("Content-Security-Policy")!);
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]);
    const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((match) => match[1]);
    expect(scripts).toHaveLength(1);
    expect(styles).toHaveLength(1);
    expect(policy.get("default-src")).toEqual(["'none'"]);
    expect(policy.get("script-src")).toEqual([await sha256Source(scripts[0])]);
    expect(policy.get("style-src")).toEqual([await sha256Source(styles[0])]);
    expect(policy.get("connect-src")).toEqual(["'self'"]);
    expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
  });

  it("loads nothing from elsewhere", async () => {
    const { html } = await page();
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/https?:\/\//i);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
    expect(style).not.toMatch(/@import|url\(/i);
  });

  it("writes data with textContent only, never as markup", async () => {
    const { html } = await page();
    expect(html).toContain("textContent");
    expect(html).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it("answers 405 to other methods", async () => {
    const response = await call("/monitor/", { method: "POST" });
    expect(response.status).toBe(405);
    expect(await response.json()).toEqual({ message: "Método no permitido" });
  });
});
