/**
 * What the public read endpoints share (docs/guia-api.md#autenticación-y-parámetros): CORS for
 * browser dashboards, the preflight, the first check (every required parameter present), the
 * documented headers and CSV body of a cacheable read, and how such a read answers (ETag, 304).
 */
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { type CachedSnapshot, etagMatches } from "../http/snapshot-cache";
import { createRoute, errorResponses, requireParams } from "./router";

export const READ_METHODS = "GET, HEAD, OPTIONS";

/**
 * Any origin may read these endpoints and see the ETag and Retry-After. Two headers set up front
 * (errors built by onError get them too), since hono's `cors()` costs about as much per request as
 * the rest of a cached read.
 */
export const readCors = createMiddleware<AppEnv>(async function readCors(c, next) {
  c.header("Access-Control-Allow-Origin", "*");
  c.header("Access-Control-Expose-Headers", "ETag, Retry-After");
  await next();
});

/** The CORS preflight of a read endpoint: answered without a token, since browsers send none with it. */
export const preflightRoute = (path: string) =>
  createRoute({
    method: "options",
    path,
    tags: ["lectura"],
    summary: "Preflight CORS",
    description: "Lo envía el navegador antes de leer desde otra página; no lleva token. Responde los métodos y cabeceras permitidos.",
    responses: { 204: { description: "Métodos y cabeceras permitidos (`Access-Control-Allow-*`)" }, ...errorResponses() },
  });

export const preflight = (c: Context<AppEnv>) =>
  c.body(null, 204, {
    "Access-Control-Allow-Methods": READ_METHODS,
    "Access-Control-Allow-Headers": "Authorization, If-None-Match",
    "Access-Control-Max-Age": "86400",
    Allow: READ_METHODS,
  });

/** Parameters every branch read names, checked first (a missing token as well). */
export const requireBranchParams = requireParams("token", "empresa", "sucursal");

/** The headers of a cacheable read. */
export const ETAG_HEADERS = {
  ETag: { description: "Versión de esta representación; envíela en `If-None-Match` para recibir 304", schema: { type: "string" as const } },
  "Cache-Control": { description: "`no-cache`: revalide en cada consulta (el ETag la abarata)", schema: { type: "string" as const } },
};

export const CSV_CONTENT = { "text/csv": { schema: { type: "string" as const } } };

/**
 * A cached representation as the response: `Cache-Control: no-cache` (browsers, proxies and
 * scrapers revalidate every poll; the ETag makes that cheap), its ETag, and 304 when
 * `If-None-Match` names it.
 */
export function conditionalRead(c: Context<AppEnv>, representation: CachedSnapshot, headers: Record<string, string>): Response {
  c.header("Cache-Control", "no-cache");
  c.header("ETag", representation.etag);
  if (etagMatches(c.req.header("If-None-Match"), representation.etag)) return c.body(null, 304);
  return c.body(representation.bytes, 200, headers);
}
