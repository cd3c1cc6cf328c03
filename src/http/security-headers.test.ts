/** The middleware on its own: it adds what is missing and never replaces what a route set. */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { SECURITY_HEADERS, securityHeaders } from "./security-headers";

const app = new Hono();
app.use("*", securityHeaders);
app.get("/page", (c) => {
  c.header("Content-Security-Policy", "default-src 'self'");
  return c.html("<p>hola</p>");
});
// Response.redirect() hands back immutable headers, like a response from fetch() or the cache.
app.get("/immutable", () => Response.redirect("https://example.com/", 302));

describe("securityHeaders", () => {
  it("keeps a Content-Security-Policy the route set itself", async () => {
    const response = await app.request("/page");
    expect(response.headers.get("Content-Security-Policy")).toBe("default-src 'self'");
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  it("adds every header to a response whose headers are immutable", async () => {
    const response = await app.request("/immutable");
    expect(response.status).toBe(302);
    expect(response.headers.get("Location")).toBe("https://example.com/");
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(response.headers.get(name)).toBe(value);
  });
});
