/** `GET /helpdesk-status/`: a branch's live snapshot as JSON or CSV, and its history under `/serie` (CONTRACT §1). */
import type { z } from "@hono/zod-openapi";
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../app-env";
import { authorizeBranchRead } from "../auth/branch-token";
import type { SnapshotOptions } from "../branch/snapshot";
import { branchStub } from "../branch/stub";
import { settingsOf } from "../config/store";
import { ApiError, MESSAGES } from "../errors";
import { csvHeaders, statusCsv } from "../formats/tables";
import { StatusQuery } from "../schemas/status";
import { serie } from "./serie";

export const READ_METHODS = "GET, HEAD, OPTIONS";

export const status = new Hono<AppEnv>();

status.use(
  "*",
  cors({
    origin: "*",
    allowMethods: ["GET", "HEAD", "OPTIONS"],
    allowHeaders: ["Authorization", "If-None-Match"],
    exposeHeaders: ["ETag", "Retry-After"],
    maxAge: 86400,
  }),
);

/**
 * The validated query options (CONTRACT §1) as the snapshot builder takes them. The CSV is the
 * detail itself, one row per waiting chat, so `formato=csv` always builds it.
 */
function statusOptions(query: z.infer<typeof StatusQuery>): { snapshot: SnapshotOptions; csv: boolean } {
  const csv = query.formato === "csv";
  return { snapshot: { departamento: query.departamento, detalle: csv || query.detalle !== "false" }, csv };
}

status.get("/", async (c) => {
  const { config, options } = await authorizeBranchRead(c, StatusQuery);
  const { snapshot, csv } = statusOptions(options);
  const stub = branchStub(c.env, config.empresa, config.sucursal);
  const body = await stub.snapshot(settingsOf(config), snapshot);
  c.header("Cache-Control", "no-cache");
  if (csv) return c.body(statusCsv(body), 200, csvHeaders(`helpdesk-status-${config.empresa}-${config.sucursal}`));
  return c.json(body);
});

status.route("/serie", serie);

const methodNotAllowed = () => {
  throw new ApiError(405, MESSAGES.methodNotAllowed, {}, { Allow: READ_METHODS });
};
status.all("/", methodNotAllowed);
status.all("/serie", methodNotAllowed);
