/**
 * `GET /helpdesk-status/serie`: the branch's history, one sample a minute for 7 days
 * (docs/guia-api.md#historial), as JSON points or one CSV row per minute. Same checks and errors
 * as the snapshot; mounted, with its 405, by the status router.
 */
import { authorizeBranchRead } from "../auth/branch-token";
import { branchStubFor } from "../branch/stub";
import { settingsOf } from "../config/store";
import { csvHeaders, serieCsv } from "../formats/tables";
import { SerieBody, SerieQuery, serieRange } from "../schemas/status";
import { READ_SECURITY, createRoute, createRouter, errorResponses } from "./router";
import { CSV_CONTENT, preflight, preflightRoute, requireBranchParams } from "./read";

export const serie = createRouter();

const serieRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["lectura"],
  summary: "Historial minuto a minuto (7 días)",
  description:
    "`resumen_general` y `metricas` de la sucursal muestreados una vez por minuto y guardados 7 días, para gráficos " +
    "de tendencia sin guardar instantáneas propias. Mismos controles y errores que el estado en vivo; un rango " +
    "invertido o de más de 7 días es 400 `Parámetro inválido: desde`.",
  security: READ_SECURITY,
  middleware: [requireBranchParams],
  request: { query: SerieQuery },
  responses: {
    200: {
      description: "Un punto por minuto (JSON), o una fila por minuto (`formato=csv`)",
      content: { "application/json": { schema: SerieBody }, ...CSV_CONTENT },
    },
    ...errorResponses(400, 401, 404, 405, 429),
  },
});

serie.openapi(preflightRoute("/"), preflight);

serie.openapi(serieRoute, async (c) => {
  const query = c.req.valid("query");
  const { config } = await authorizeBranchRead(c, query);
  const { from, to } = serieRange(query);
  const stub = branchStubFor(c.env, config);
  const body = { puntos: await stub.series(settingsOf(config), from, to) };
  c.header("Cache-Control", "no-cache");
  if (query.formato === "csv") return c.body(serieCsv(body), 200, csvHeaders(`helpdesk-status-serie-${config.empresa}-${config.sucursal}`));
  return c.json(body, 200);
});
