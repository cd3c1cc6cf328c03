/**
 * `GET /helpdesk-status/ws`: the live snapshot over a WebSocket (CONTRACT §2). Every check of §1
 * runs here, before the upgrade, so a refused client gets the same status and JSON body as a
 * reader; only then is the request handed to the branch's Durable Object, which holds the socket.
 */
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { authorizeBranchRead } from "../auth/branch-token";
import { liveUpgradeRequest } from "../branch/live";
import { branchStubFor } from "../branch/stub";
import { settingsOf } from "../config/store";
import { ApiError, MESSAGES } from "../errors";
import { LiveQuery } from "../schemas/live";

export const live = new Hono<AppEnv>();

live.get("/", async (c) => {
  const { config, tokenId } = await authorizeBranchRead(c);
  const query = LiveQuery.safeParse(c.req.query());
  if (!query.success) throw new ApiError(400, MESSAGES.invalidParam(String(query.error.issues[0].path[0])));
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, MESSAGES.upgradeRequired, { headers: { Upgrade: "websocket" } });
  }
  const { departamento, detalle } = query.data;
  const options = { detalle: detalle === "true", ...(departamento === undefined ? {} : { departamento }) };
  const stub = branchStubFor(c.env, config);
  return stub.fetch(liveUpgradeRequest(settingsOf(config), { tokenId, options }));
});

live.all("/", () => {
  throw new ApiError(405, MESSAGES.methodNotAllowed, { headers: { Allow: "GET" } });
});
