/** Security headers on every response: successes, errors, unknown routes and CORS preflights. */
import { describe, expect, it } from "vitest";
import { admin, call, postEvents, provisionBranch, statusPath } from "./helpers";

function expectSecurityHeaders(response: Response) {
  expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
  expect(response.headers.get("Content-Security-Policy")).toBe("default-src 'none'; frame-ancestors 'none'");
}

describe("security headers", () => {
  it("are on a successful status read", async () => {
    const branch = await provisionBranch();
    expectSecurityHeaders(await call(statusPath(branch)));
  });

  it("are on the API's errors (400, 401, 404, 405)", async () => {
    const branch = await provisionBranch();
    expectSecurityHeaders(await call("/helpdesk-status/"));
    expectSecurityHeaders(await call(statusPath({ ...branch, token: "wrong-wrong-wrong" })));
    expectSecurityHeaders(await call(statusPath({ ...branch, sucursal: "nope" })));
    expectSecurityHeaders(await call(statusPath(branch), { method: "POST" }));
  });

  it("are on unknown routes, health, ingestion and administration", async () => {
    const branch = await provisionBranch();
    expectSecurityHeaders(await call("/no/such/route"));
    expectSecurityHeaders(await call("/health"));
    expectSecurityHeaders(await postEvents(branch.key, "{"));
    expectSecurityHeaders(await admin("GET", `/empresas/${branch.empresa}/sucursales/${branch.sucursal}`));
    expectSecurityHeaders(await call(`/v1/admin/empresas/${branch.empresa}/sucursales/${branch.sucursal}`));
  });

  it("are on a CORS preflight, which keeps its CORS headers", async () => {
    const response = await call("/helpdesk-status/", {
      method: "OPTIONS",
      headers: { Origin: "https://dashboard.example", "Access-Control-Request-Method": "GET" },
    });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("*");
    expectSecurityHeaders(response);
  });
});
