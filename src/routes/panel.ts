/**
 * `GET /panel/`: the manager's panel (docs/panel.md): today's KPIs, their trends as charts, each
 * agent's and department's load, and the range's series as CSV, read from /helpdesk-status/ and
 * /helpdesk-status/serie with the token in `Authorization`. Its chart library (uPlot) is bundled
 * into the Worker as text and served from `/panel/…`, so the page's policy (src/http/page-policy.ts)
 * allows only this service: nothing is requested from any other host.
 */
import chartLibrary from "uplot/dist/uPlot.iife.min.js";
import chartStyle from "uplot/dist/uPlot.min.css";
import page from "../panel/panel.html";
import { MESSAGES } from "../errors";
import { pagePolicy, servePage } from "../http/page-policy";
import { createRoute, createRouter, errorResponses, methodNotAllowed, pageParameter, z } from "./router";

export const panel = createRouter();

const FILES = {
  "uplot.js": { body: chartLibrary, type: "text/javascript; charset=utf-8" },
  "uplot.css": { body: chartStyle, type: "text/css; charset=utf-8" },
} as const;
type FileName = keyof typeof FILES;

const policy = pagePolicy(page, { selfFiles: true });

const pageRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["lectura"],
  summary: "Panel gerencial",
  description:
    "Página autónoma en español para la gerencia: los indicadores de hoy, sus gráficos de tendencia (desde la medianoche " +
    "local, últimas 24 horas o últimos 7 días), la carga por agente y por departamento y la descarga CSV de la serie " +
    "del rango. Se actualiza sola al menos una vez por minuto. Los parámetros van en el fragmento " +
    "(`/panel/#token=…&empresa=…&sucursal=…`), que no llega al servidor; sin ellos la página los pide en un formulario.",
  parameters: [
    pageParameter("token", "Token de lectura de la sucursal (mejor en el fragmento `#`)", "icadasd2cqgx123b"),
    pageParameter("empresa", "Empresa", "icarosoft"),
    pageParameter("sucursal", "Sucursal", "mcbo1"),
  ],
  responses: { 200: { description: "La página", content: { "text/html": { schema: { type: "string" } } } }, ...errorResponses(405) },
});

const fileRoute = createRoute({
  method: "get",
  path: "/{archivo}",
  tags: ["lectura"],
  summary: "Archivos del panel gerencial",
  description: "La biblioteca de gráficos del panel (uPlot, empaquetada con el servicio) y su hoja de estilos.",
  request: {
    params: z.object({
      archivo: z.enum(Object.keys(FILES) as [FileName, ...FileName[]]).openapi({ description: "Nombre del archivo", example: "uplot.js" }),
    }),
  },
  responses: {
    200: { description: "El archivo", content: { "text/javascript": { schema: { type: "string" } }, "text/css": { schema: { type: "string" } } } },
    ...errorResponses(404, 405),
  },
});

panel.openapi(pageRoute, (c) => servePage(c, page, policy));

panel.openapi(
  fileRoute,
  (c) => {
    const file = FILES[c.req.valid("param").archivo];
    return c.body(file.body, 200, { "Content-Type": file.type, "Cache-Control": "public, max-age=3600" });
  },
  // An unknown file is a missing resource, not a bad parameter.
  (result, c) => {
    if (!result.success) return c.json({ message: MESSAGES.notFound }, 404);
  },
);

panel.all("/", methodNotAllowed("GET, HEAD"));
panel.all("/:archivo", methodNotAllowed("GET, HEAD"));
