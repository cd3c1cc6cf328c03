/**
 * `GET /docs`: the interactive API reference (docs/guia-api.md#referencia-interactiva), Swagger UI
 * rendering `/openapi.json`. Its renderer (swagger-ui-dist) is bundled into the Worker as text and
 * served from `/docs/…`, so the page's policy allows only this service: nothing is requested from
 * any other host.
 */
import renderer from "swagger-ui-dist/swagger-ui-bundle.js";
import rendererStyle from "swagger-ui-dist/swagger-ui.css";
import page from "../docs/docs.html";
import { MESSAGES } from "../errors";
import { createRoute, createRouter, errorResponses, methodNotAllowed, z } from "./router";

export const docs = createRouter();

/** Starts the renderer: the document of this service, no outside validator badge, links to each operation. */
const INIT = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#referencia",
  validatorUrl: null,
  deepLinking: true,
  docExpansion: "list",
  defaultModelsExpandDepth: 0,
  displayRequestDuration: true,
  tryItOutEnabled: false
});
`;

/** The page's own touches: the renderer's top bar is left out (it offers loading other documents). */
const PAGE_STYLE = `body { margin: 0; }
.swagger-ui .information-container { padding-top: 1rem; }
`;

const FILES = {
  "swagger-ui-bundle.js": { body: renderer, type: "text/javascript; charset=utf-8" },
  "swagger-ui.css": { body: rendererStyle, type: "text/css; charset=utf-8" },
  "init.js": { body: INIT, type: "text/javascript; charset=utf-8" },
  "page.css": { body: PAGE_STYLE, type: "text/css; charset=utf-8" },
} as const;
type FileName = keyof typeof FILES;

export const DOCS_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const pageRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["operación"],
  summary: "Referencia interactiva de la API",
  description:
    "Esta misma documentación, navegable: cada ruta con sus parámetros, respuestas, errores y ejemplos, leída de " +
    "`/openapi.json`. Autónoma: no pide nada a ningún otro servidor. También con la barra final.",
  responses: { 200: { description: "La página", content: { "text/html": { schema: { type: "string" } } } }, ...errorResponses(405) },
});

const fileRoute = createRoute({
  method: "get",
  path: "/{archivo}",
  tags: ["operación"],
  summary: "Archivos de la referencia interactiva",
  description: "El renderizador (Swagger UI, empaquetado con el servicio) y el arranque de la página `/docs`.",
  request: {
    params: z.object({
      archivo: z.enum(Object.keys(FILES) as [FileName, ...FileName[]]).openapi({ description: "Nombre del archivo", example: "init.js" }),
    }),
  },
  responses: {
    200: { description: "El archivo", content: { "text/javascript": { schema: { type: "string" } }, "text/css": { schema: { type: "string" } } } },
    ...errorResponses(404, 405),
  },
});

docs.openapi(pageRoute, (c) => {
  c.header("Content-Security-Policy", DOCS_POLICY);
  c.header("Cache-Control", "no-cache");
  return c.html(page);
});

docs.openapi(
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

docs.all("/", methodNotAllowed("GET, HEAD"));
docs.all("/:archivo", methodNotAllowed("GET, HEAD"));
