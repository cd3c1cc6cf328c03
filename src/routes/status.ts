/**
 * `GET /helpdesk-status/`: a branch's live snapshot (CONTRACT §1), served from a cache of at most
 * one second (http/snapshot-cache.ts), with an ETag for conditional requests; HEAD and CORS too.
 */
import { type Context, Hono } from "hono";
import type { AppEnv } from "../app-env";
import { authorizeBranchRead } from "../auth/branch-token";
import type { SnapshotOptions } from "../branch/snapshot";
import { branchStubFor } from "../branch/stub";
import { settingsOf } from "../config/store";
import { ApiError, MESSAGES } from "../errors";
import { cachedSnapshot, etagMatches, snapshotCacheKey } from "../http/snapshot-cache";

export const READ_METHODS = "GET, HEAD, OPTIONS";

export const status = new Hono<AppEnv>();

/**
 * CORS for browser dashboards: any origin may read these endpoints and see the ETag and
 * Retry-After. Two headers set up front (errors built by onError get them too), since hono's
 * `cors()` costs about as much per request as the rest of a cached read.
 */
status.use("*", async function readCors(c, next) {
  c.header("Access-Control-Allow-Origin", "*");
  c.header("Access-Control-Expose-Headers", "ETag, Retry-After");
  await next();
});

status.options("*", (c) =>
  c.body(null, 204, {
    "Access-Control-Allow-Methods": READ_METHODS,
    "Access-Control-Allow-Headers": "Authorization, If-None-Match",
    "Access-Control-Max-Age": "86400",
    Allow: READ_METHODS,
  }),
);

/** The snapshot's query options; an unknown value is 400 like any invalid parameter. */
function snapshotOptions(c: Context<AppEnv>): SnapshotOptions {
  const detalle = c.req.query("detalle");
  if (detalle !== undefined && detalle !== "true" && detalle !== "false") throw new ApiError(400, MESSAGES.invalidParam("detalle"));
  return { detalle: detalle !== "false" };
}

status.get("/", async (c) => {
  const options = snapshotOptions(c);
  const { config } = await authorizeBranchRead(c);
  const snapshot = await cachedSnapshot(
    snapshotCacheKey(config.empresa, config.sucursal, options),
    () => branchStubFor(c.env, config).serializedSnapshot(settingsOf(config), options),
    (promise) => c.executionCtx.waitUntil(promise),
  );
  // no-cache: browsers and proxies revalidate every poll; the ETag makes that cheap.
  c.header("Cache-Control", "no-cache");
  c.header("ETag", snapshot.etag);
  if (etagMatches(c.req.header("If-None-Match"), snapshot.etag)) return c.body(null, 304);
  c.header("Content-Type", "application/json; charset=UTF-8");
  return c.body(snapshot.bytes);
});

status.all("/", () => {
  throw new ApiError(405, MESSAGES.methodNotAllowed, {}, { Allow: READ_METHODS });
});
