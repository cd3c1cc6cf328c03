/**
 * `GET /helpdesk-status/metrics`: a branch's figures in the Prometheus text format
 * (docs/prometheus.md), for the standard monitoring stack's scrape. The same checks, errors,
 * per-token rate limit, one-second cache, ETag and CORS as the status route (whose helpers it
 * uses); the text is built and memoized by the branch's object, from one version at one instant.
 * Mounted, with its 405, by the status router.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { authorizeBranchRead } from "../auth/branch-token";
import { branchStubFor } from "../branch/stub";
import { settingsOf } from "../config/store";
import { ApiError, MESSAGES } from "../errors";
import { PROMETHEUS_CONTENT_TYPE } from "../formats/prometheus";
import { cachedSnapshot, snapshotCacheKey } from "../http/snapshot-cache";
import { MetricsQuery } from "../schemas/status";
import { ETAG_HEADERS, conditionalRead, preflight, preflightRoute } from "./read";
import { READ_SECURITY, createRoute, createRouter, errorResponses, requireParams } from "./router";

export const metrics = createRouter();

/**
 * `token` and `empresa` first, named together; then `sucursal`, which only a company token (not
 * yet issued) may leave out, so every token here needs it.
 */
const requireSucursal = createMiddleware<AppEnv>(async function requireSucursal(c, next) {
  if (!c.req.query("sucursal")) throw new ApiError(400, MESSAGES.missing(["sucursal"]));
  await next();
});

/** The documented example: a few lines of a real response. */
const METRICS_EXAMPLE = [
  "# HELP helpdesk_chats_esperando Chats que esperan al negocio, por tramo de espera (menos_10_minutos … mas_60_minutos).",
  "# TYPE helpdesk_chats_esperando gauge",
  'helpdesk_chats_esperando{empresa="icarosoft",sucursal="mcbo1",tramo="menos_10_minutos"} 12',
  'helpdesk_chats_esperando{empresa="icarosoft",sucursal="mcbo1",tramo="mas_60_minutos"} 6',
  "# HELP helpdesk_espera_maxima_segundos La espera actual más larga de un chat que espera al negocio, en segundos (0 si nadie espera).",
  "# TYPE helpdesk_espera_maxima_segundos gauge",
  'helpdesk_espera_maxima_segundos{empresa="icarosoft",sucursal="mcbo1"} 4512',
  "",
].join("\n");

const metricsRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["lectura"],
  summary: "Métricas para Prometheus",
  description:
    "Las cifras de la sucursal en el formato de texto de Prometheus (versión 0.0.4), para que Prometheus las recolecte " +
    "(`scrape`) con el token en `Authorization: Bearer` (ajuste `authorization` del trabajo) o en `token`. Cada muestra " +
    "lleva las etiquetas `empresa` y `sucursal`; las esperas van en segundos y el nivel de servicio como fracción (0 a 1). " +
    "Mismos controles, errores (JSON), caché de 1 segundo, `ETag`/304 y límite por token que el estado en vivo. " +
    "Nunca lleva como etiqueta un id de chat, un nombre ni un número de cliente.",
  security: READ_SECURITY,
  middleware: [requireParams("token", "empresa"), requireSucursal],
  request: { query: MetricsQuery },
  responses: {
    200: {
      description:
        "Las familias `helpdesk_*` (gauges), cada una con `# HELP` y `# TYPE` una sola vez; " +
        "`Content-Type: text/plain; version=0.0.4; charset=utf-8`",
      headers: ETAG_HEADERS,
      content: { "text/plain": { schema: { type: "string" }, example: METRICS_EXAMPLE } },
    },
    304: { description: "Sin cambios desde el `ETag` enviado en `If-None-Match`" },
    ...errorResponses(400, 401, 404, 405, 429),
  },
});

metrics.openapi(preflightRoute("/"), preflight);

metrics.openapi(metricsRoute, async (c) => {
  const query = c.req.valid("query");
  const { config } = await authorizeBranchRead(c, { empresa: query.empresa, sucursal: query.sucursal! });
  const text = await cachedSnapshot(
    snapshotCacheKey(config.empresa, config.sucursal, { detalle: false }, "metrics"),
    () => branchStubFor(c.env, config).serializedMetrics(settingsOf(config)),
    (promise) => c.executionCtx.waitUntil(promise),
  );
  return conditionalRead(c, text, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
});
