/** `GET /helpdesk-status/`: a branch's live snapshot (CONTRACT §1). */
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "../app-env";
import { authorizeBranchRead } from "../auth/branch-token";
import { branchStub } from "../branch/stub";
import { settingsOf } from "../config/store";
import { ApiError, MESSAGES } from "../errors";

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

status.get("/", async (c) => {
  const { config } = await authorizeBranchRead(c);
  const stub = branchStub(c.env, config.empresa, config.sucursal);
  const body = await stub.snapshot(settingsOf(config), { detalle: true });
  c.header("Cache-Control", "no-cache");
  return c.json(body);
});

status.all("/", () => {
  throw new ApiError(405, MESSAGES.methodNotAllowed, {}, { Allow: READ_METHODS });
});
