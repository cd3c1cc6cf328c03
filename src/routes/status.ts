/**
 * `GET /helpdesk-status/`: a branch's live snapshot as JSON or CSV (docs/guia-api.md#la-respuesta),
 * served from a cache of at most one second (http/snapshot-cache.ts) with an ETag for conditional
 * requests, HEAD and CORS; its history is mounted under `/serie`, its Prometheus metrics under `/metrics`.
 */
import { authorizeBranchRead } from "../auth/branch-token";
import type { SnapshotOptions } from "../branch/snapshot";
import { branchStubFor } from "../branch/stub";
import { settingsOf } from "../config/store";
import { csvHeaders, statusCsv } from "../formats/tables";
import { cachedSnapshot, snapshotCacheKey } from "../http/snapshot-cache";
import { StatusBody, StatusQuery } from "../schemas/status";
import { CSV_CONTENT, ETAG_HEADERS, READ_METHODS, conditionalRead, preflight, preflightRoute, readCors, requireBranchParams } from "./read";
import { READ_SECURITY, createRoute, createRouter, errorResponses, methodNotAllowed, type z } from "./router";
import { metrics } from "./metrics";
import { serie } from "./serie";

export const status = createRouter();

status.use("*", readCors);

const statusRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["lectura"],
  summary: "Estado en vivo de una sucursal",
  description:
    "La fotografía instantánea de los chats de la sucursal: `resumen_general`, `detalle_por_tiempo_espera` y, además, " +
    "`metricas`, `carga_por_agente` y `por_departamento`. También sin la barra final. El token va en `token` o en " +
    "`Authorization: Bearer`. Con `If-None-Match` igual al `ETag` actual responde 304. CORS abierto (`*`). " +
    "Los datos tienen como mucho 1 segundo de retraso respecto del último evento recibido.",
  security: READ_SECURITY,
  middleware: [requireBranchParams],
  request: { query: StatusQuery },
  responses: {
    200: {
      description: "La instantánea (JSON), o una fila por chat en espera (`formato=csv`)",
      headers: ETAG_HEADERS,
      content: { "application/json": { schema: StatusBody }, ...CSV_CONTENT },
    },
    304: { description: "Sin cambios desde el `ETag` enviado en `If-None-Match`" },
    ...errorResponses(400, 401, 404, 405, 429),
  },
});

/**
 * The validated query options as the snapshot builder takes them. The CSV is the detail itself,
 * one row per waiting chat, so `formato=csv` always builds it.
 */
function statusOptions(query: z.infer<typeof StatusQuery>): { snapshot: SnapshotOptions; csv: boolean } {
  const csv = query.formato === "csv";
  return { snapshot: { departamento: query.departamento, detalle: csv || query.detalle !== "false" }, csv };
}

/** A representation's ETag differs from the JSON's: the same version, other bytes. */
const csvEtag = (etag: string) => etag.replace(/"$/, '-csv"');

status.openapi(preflightRoute("/"), preflight);

status.openapi(statusRoute, async (c) => {
  const query = c.req.valid("query");
  const { config } = await authorizeBranchRead(c, query);
  const { snapshot: snapshotOptions, csv } = statusOptions(query);
  const snapshot = await cachedSnapshot(
    snapshotCacheKey(config.empresa, config.sucursal, snapshotOptions, csv ? "csv" : "json"),
    async () => {
      const fresh = await branchStubFor(c.env, config).serializedSnapshot(settingsOf(config), snapshotOptions);
      return csv ? { etag: csvEtag(fresh.etag), json: statusCsv(JSON.parse(fresh.json)) } : fresh;
    },
    (promise) => c.executionCtx.waitUntil(promise),
  );
  return conditionalRead(
    c,
    snapshot,
    csv ? csvHeaders(`helpdesk-status-${config.empresa}-${config.sucursal}`) : { "Content-Type": "application/json; charset=UTF-8" },
  );
});

status.route("/serie", serie);
status.route("/metrics", metrics);

status.all("/", methodNotAllowed(READ_METHODS));
status.all("/serie", methodNotAllowed(READ_METHODS));
status.all("/metrics", methodNotAllowed(READ_METHODS));
