/**
 * The OpenAPI 3.1 document served at `GET /openapi.json` (docs/guia-api.md#referencia-interactiva).
 * It holds no list of routes: every router declares its routes with `createRoute`
 * (src/routes/router.ts), `app.route()` gathers their declarations, and this module adds what
 * belongs to the whole document (title, tags, the credentials' security schemes), then asks the
 * app for it.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { HealthBody } from "./schemas/common";
import { createRoute, errorResponses, jsonResponse, z } from "./routes/router";

type App = OpenAPIHono<any>;

/** The credentials the routes' `security` names. */
function registerSecuritySchemes(app: App): void {
  const registry = app.openAPIRegistry;
  registry.registerComponent("securitySchemes", "tokenQuery", {
    type: "apiKey",
    in: "query",
    name: "token",
    description: "Token de lectura de la sucursal (o de su empresa), en la URL (`?token=…`), como en la URL que entrega ICAROSoft",
  });
  registry.registerComponent("securitySchemes", "tokenBearer", {
    type: "http",
    scheme: "bearer",
    description: "Token de lectura de la sucursal (o de su empresa), en `Authorization: Bearer <token>` (no queda en registros de URL)",
  });
  registry.registerComponent("securitySchemes", "claveIngesta", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "hk_<id>_<secreto>",
    description: "Clave de ingesta de la empresa, para el helpdesk que envía eventos",
  });
  registry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "El secreto `ADMIN_TOKEN` del Worker, solo para el operador",
  });
}

export const healthRoute = createRoute({
  method: "get",
  path: "/health",
  tags: ["operación"],
  summary: "El servicio responde",
  description: "Sin autenticación y sin tocar el almacenamiento: para balanceadores y monitoreo.",
  responses: { 200: jsonResponse("Vivo", HealthBody), ...errorResponses() },
});

export const openApiRoute = createRoute({
  method: "get",
  path: "/openapi.json",
  tags: ["operación"],
  summary: "Este documento OpenAPI 3.1",
  description: "Generado de los mismos esquemas que validan las solicitudes; lo lee la referencia interactiva de `/docs`.",
  responses: {
    200: jsonResponse("El documento", z.record(z.string(), z.unknown()).openapi({ example: { openapi: "3.1.0" } })),
    ...errorResponses(),
  },
});

const DOCUMENT = {
  openapi: "3.1.0",
  info: {
    title: "Helpdesk Status API",
    version: "1.0.0",
    description:
      "Estado en tiempo real de los chats de cada sucursal de un helpdesk: la fotografía instantánea (JSON o CSV), su " +
      "historial, un WebSocket en vivo y un monitor de pared; la ingesta de eventos desde el helpdesk; y la administración " +
      "de sucursales, tokens, claves y alertas. Guía completa: `docs/guia-api.md` del repositorio.",
  },
  tags: [
    { name: "lectura", description: "Para monitores, tableros de BI y bots: con el token de la sucursal (o uno de su empresa)" },
    { name: "empresa", description: "Todas las sucursales de una empresa a la vez: con un token de empresa" },
    { name: "ingesta", description: "Del helpdesk a este servicio: con la clave de ingesta de la empresa" },
    { name: "administración", description: "Sucursales, tokens, claves y alertas: con `ADMIN_TOKEN`" },
    { name: "operación", description: "Salud y documentación del servicio, sin autenticación" },
  ],
};

/**
 * Pages and the seed's endpoint as customers were given them, with their trailing slash (both
 * spellings work: the app routes without strict slashes, and a router's `/` merges into its prefix).
 */
const SLASHED_PATHS = ["/helpdesk-status", "/monitor"];

type Document = ReturnType<App["getOpenAPI31Document"]>;
let document: Document | undefined;

/** Built once per isolate, on first request: the routes do not change while the Worker runs. */
export function openApiDocument(app: App): Document {
  if (!document) {
    registerSecuritySchemes(app);
    const built = app.getOpenAPI31Document(DOCUMENT);
    const paths = Object.fromEntries(
      Object.entries(built.paths ?? {}).map(([path, item]) => [SLASHED_PATHS.includes(path) ? `${path}/` : path, item]),
    );
    document = { ...built, paths };
  }
  return document;
}
