/**
 * `GET /helpdesk-status/ws`: the live snapshot over a WebSocket (docs/guia-api.md#en-vivo-websocket).
 * Every check of the status read runs here, in its order and before the upgrade (its options
 * before the token), so a refused client gets the same status and JSON body as a reader; only then
 * is the request handed to the branch's Durable Object, which holds the socket.
 */
import { authorizeBranchRead } from "../auth/branch-token";
import { liveUpgradeRequest } from "../branch/live";
import { branchStubFor } from "../branch/stub";
import { settingsOf } from "../config/store";
import { ApiError, MESSAGES } from "../errors";
import { LiveQuery } from "../schemas/live";
import { requireBranchParams } from "./read";
import { READ_SECURITY, createRoute, createRouter, errorResponses, methodNotAllowed } from "./router";

export const live = createRouter();

const liveRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["lectura"],
  summary: "WebSocket con la instantánea en vivo",
  description:
    "Cambia la conexión a WebSocket. El servidor envía la instantánea completa (el mismo JSON que el estado en vivo, " +
    "con su `version`) al conectar, tras cada cambio (como mucho una por segundo) y al menos una vez por minuto. " +
    "Antes del cambio responde los mismos errores que el estado en vivo. El cliente puede enviar `ping` (responde " +
    "`pong`) o `actualizar` (responde una instantánea nueva).",
  security: READ_SECURITY,
  middleware: [requireBranchParams],
  request: { query: LiveQuery },
  responses: { 101: { description: "Cambio a WebSocket" }, ...errorResponses(400, 401, 404, 405, 426, 429) },
});

live.openapi(liveRoute, async (c) => {
  const { empresa, sucursal, departamento, detalle } = c.req.valid("query");
  const { config, tokenId } = await authorizeBranchRead(c, { empresa, sucursal });
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, MESSAGES.upgradeRequired, { headers: { Upgrade: "websocket" } });
  }
  const options = { detalle: detalle === "true", ...(departamento === undefined ? {} : { departamento }) };
  const stub = branchStubFor(c.env, config);
  return stub.fetch(liveUpgradeRequest(settingsOf(config), { tokenId, options }));
});

live.all("/", methodNotAllowed("GET"));
