/**
 * `GET /helpdesk-status/empresa/ws`: the company body over a WebSocket (docs/empresa.md#en-vivo).
 * Every check of the company read runs first, in its order; then the request goes to the
 * company's Durable Object, which holds the socket.
 */
import { authorizeCompanyRead } from "../auth/company-token";
import { companyUpgradeRequest } from "../company/company";
import { companyStubFor } from "../company/stub";
import { ApiError, MESSAGES } from "../errors";
import { CompanyLiveQuery } from "../schemas/company";
import { READ_SECURITY, createRoute, createRouter, errorResponses, methodNotAllowed, requireParams } from "./router";

export const companyLive = createRouter();

const companyLiveRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["empresa"],
  summary: "WebSocket con la vista de empresa en vivo",
  description:
    "Cambia la conexión a WebSocket. Con un token de empresa, el servidor envía el mismo JSON que la vista de empresa al " +
    "conectar, tras cada cambio de una sucursal (como mucho uno por segundo) y al menos una vez por minuto. Antes del cambio " +
    "responde los mismos errores que la vista de empresa. El cliente puede enviar `ping` (responde `pong`).",
  security: READ_SECURITY,
  middleware: [requireParams("token", "empresa")],
  request: { query: CompanyLiveQuery },
  responses: { 101: { description: "Cambio a WebSocket" }, ...errorResponses(400, 401, 404, 405, 426, 429) },
});

companyLive.openapi(companyLiveRoute, async (c) => {
  const { empresa, departamento } = c.req.valid("query");
  const { tokenId } = await authorizeCompanyRead(c, empresa);
  if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, MESSAGES.upgradeRequired, { headers: { Upgrade: "websocket" } });
  }
  const options = departamento === undefined ? {} : { departamento };
  return companyStubFor(c.env, empresa).fetch(companyUpgradeRequest(empresa, { tokenId, options }));
});

companyLive.all("/", methodNotAllowed("GET"));
