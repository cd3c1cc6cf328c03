/**
 * `GET /helpdesk-status/`: a branch's live snapshot as JSON or CSV (CONTRACT §1), served from a
 * cache of at most one second (http/snapshot-cache.ts) with an ETag for conditional requests, HEAD
 * and CORS; its history is mounted under `/serie`.
 */
import type { z } from "@hono/zod-openapi";
import { type Context, Hono } from "hono";
import type { AppEnv } from "../app-env";
import { authorizeBranchRead } from "../auth/branch-token";
import type { SnapshotOptions } from "../branch/snapshot";
import { branchStubFor } from "../branch/stub";
import { settingsOf } from "../config/store";
import { ApiError, MESSAGES } from "../errors";
import { csvHeaders, statusCsv } from "../formats/tables";
import { cachedSnapshot, etagMatches, snapshotCacheKey } from "../http/snapshot-cache";
import { StatusQuery } from "../schemas/status";
import { serie } from "./serie";

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

/** The CORS preflight: answered without a token, since browsers send none with it. */
const preflight = (c: Context<AppEnv>) =>
  c.body(null, 204, {
    "Access-Control-Allow-Methods": READ_METHODS,
    "Access-Control-Allow-Headers": "Authorization, If-None-Match",
    "Access-Control-Max-Age": "86400",
    Allow: READ_METHODS,
  });
status.options("/", preflight);
status.options("/serie", preflight);

/**
 * The validated query options (CONTRACT §1) as the snapshot builder takes them. The CSV is the
 * detail itself, one row per waiting chat, so `formato=csv` always builds it.
 */
function statusOptions(query: z.infer<typeof StatusQuery>): { snapshot: SnapshotOptions; csv: boolean } {
  const csv = query.formato === "csv";
  return { snapshot: { departamento: query.departamento, detalle: csv || query.detalle !== "false" }, csv };
}

/** A representation's ETag differs from the JSON's: the same version, other bytes. */
const csvEtag = (etag: string) => etag.replace(/"$/, '-csv"');

status.get("/", async (c) => {
  const { config, options } = await authorizeBranchRead(c, StatusQuery);
  const { snapshot: snapshotOptions, csv } = statusOptions(options);
  const snapshot = await cachedSnapshot(
    snapshotCacheKey(config.empresa, config.sucursal, snapshotOptions, csv ? "csv" : "json"),
    async () => {
      const fresh = await branchStubFor(c.env, config).serializedSnapshot(settingsOf(config), snapshotOptions);
      return csv ? { etag: csvEtag(fresh.etag), json: statusCsv(JSON.parse(fresh.json)) } : fresh;
    },
    (promise) => c.executionCtx.waitUntil(promise),
  );
  // no-cache: browsers and proxies revalidate every poll; the ETag makes that cheap.
  c.header("Cache-Control", "no-cache");
  c.header("ETag", snapshot.etag);
  if (etagMatches(c.req.header("If-None-Match"), snapshot.etag)) return c.body(null, 304);
  if (csv) return c.body(snapshot.bytes, 200, csvHeaders(`helpdesk-status-${config.empresa}-${config.sucursal}`));
  c.header("Content-Type", "application/json; charset=UTF-8");
  return c.body(snapshot.bytes);
});

status.route("/serie", serie);

const methodNotAllowed = () => {
  throw new ApiError(405, MESSAGES.methodNotAllowed, { headers: { Allow: READ_METHODS } });
};
status.all("/", methodNotAllowed);
status.all("/serie", methodNotAllowed);
