/**
 * The OpenAPI 3.1 document served at `GET /openapi.json` (CONTRACT §6), generated from the zod
 * schemas in src/schemas/ that the routes validate with. Every route of the app is registered
 * here; test/openapi.test.ts fails when a route of the app is missing from this document or a
 * documented route is missing from the app.
 */
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import { AlertHistory, AlertRulesInput, AlertRulesView } from "./schemas/alerts";
import {
  BranchSettingsInput,
  BranchView,
  IngestKeyCreated,
  IngestKeyInput,
  TokenCreated,
  TokenInput,
} from "./schemas/admin";
import { ErrorBody, HealthBody, Identifier, ValidationErrorBody } from "./schemas/common";
import { EventsRequest, IngestResult, Reconciliation, ReconciliationResult } from "./schemas/events";
import { BranchQuery, SerieBody, SerieQuery, StatusBody, StatusQuery } from "./schemas/status";

type Responses = NonNullable<Parameters<typeof createRoute>[0]["responses"]>;

/** The contract's error statuses, each with its JSON body and, where the contract says so, a header. */
const ERRORS: Record<number, { description: string; schema: z.ZodType; header?: "Allow" | "Retry-After" }> = {
  400: { description: "Parámetros o cuerpo inválidos", schema: ValidationErrorBody },
  401: { description: "Falta la credencial o no es válida", schema: ErrorBody },
  403: { description: "La clave de ingesta no pertenece a la empresa de la sucursal", schema: ErrorBody },
  404: { description: "La sucursal (o el recurso) no existe", schema: ErrorBody },
  405: { description: "Método no permitido (cabecera `Allow`)", schema: ErrorBody, header: "Allow" },
  409: { description: "El token ya está activo en esta sucursal", schema: ErrorBody },
  413: { description: "El cuerpo supera 1 MiB", schema: ErrorBody },
  415: { description: "Content-Type no es application/json", schema: ErrorBody },
  429: { description: "Límite de solicitudes por token superado (cabecera `Retry-After`)", schema: ErrorBody, header: "Retry-After" },
  500: { description: "Error interno, sin detalle", schema: ErrorBody },
};

type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 429;

function errors(...statuses: ErrorStatus[]): Responses {
  const responses: Responses = {};
  for (const status of [...statuses, 500]) {
    const { description, schema, header } = ERRORS[status];
    responses[status] = {
      description,
      content: { "application/json": { schema } },
      ...(header ? { headers: { [header]: { schema: { type: header === "Allow" ? "string" : "integer" } } } } : {}),
    };
  }
  return responses;
}

function json(description: string, schema: z.ZodType): Responses[number] {
  return { description, content: { "application/json": { schema } } };
}

function jsonBody(schema: z.ZodType, required = true) {
  return { body: { required, content: { "application/json": { schema } } } };
}

type Security = Record<string, string[]>[];
const READ_SECURITY: Security = [{ tokenQuery: [] }, { tokenBearer: [] }];
const INGEST_SECURITY: Security = [{ claveIngesta: [] }];
const ADMIN_SECURITY: Security = [{ adminToken: [] }];

const BranchParams = z.object({ empresa: Identifier, sucursal: Identifier });
const EmpresaParams = z.object({ empresa: Identifier });
const NO_CONTENT = { 204: { description: "Hecho" } };
const READ_ERRORS = errors(400, 401, 404, 405, 429);
const CSV = { "text/csv": { schema: { type: "string" as const } } };
const ETAG = { ETag: { schema: { type: "string" as const } }, "Cache-Control": { schema: { type: "string" as const } } };

/** The CORS preflight of a public read endpoint: no credential, since browsers send none with it. */
const preflight = (path: string) =>
  createRoute({
    method: "options",
    path,
    tags: ["lectura"],
    summary: "Preflight CORS",
    responses: { 204: { description: "Métodos y cabeceras permitidos (Access-Control-Allow-*)" }, ...errors() },
  });

const ROUTES = [
  preflight("/helpdesk-status/"),
  preflight("/helpdesk-status/serie"),
  createRoute({
    method: "get",
    path: "/health",
    tags: ["operación"],
    summary: "El servicio responde",
    responses: { 200: json("Vivo (no toca almacenamiento)", HealthBody), ...errors() },
  }),
  createRoute({
    method: "get",
    path: "/openapi.json",
    tags: ["operación"],
    summary: "Este documento OpenAPI 3.1",
    responses: { 200: json("El documento", z.record(z.string(), z.unknown())), ...errors() },
  }),
  createRoute({
    method: "get",
    path: "/helpdesk-status/",
    tags: ["lectura"],
    summary: "Estado en vivo de una sucursal",
    description:
      "También sin la barra final. El token va en `token` o en `Authorization: Bearer`. " +
      "Con `If-None-Match` igual al `ETag` actual responde 304. CORS abierto (`*`).",
    security: READ_SECURITY,
    request: { query: StatusQuery },
    responses: {
      200: {
        description: "La instantánea (JSON) o una fila por chat en espera (`formato=csv`)",
        headers: ETAG,
        content: { "application/json": { schema: StatusBody }, ...CSV },
      },
      304: { description: "Sin cambios desde el `ETag` enviado en `If-None-Match`" },
      ...READ_ERRORS,
    },
  }),
  createRoute({
    method: "get",
    path: "/helpdesk-status/serie",
    tags: ["lectura"],
    summary: "Historial minuto a minuto (7 días)",
    security: READ_SECURITY,
    request: { query: SerieQuery },
    responses: {
      200: {
        description: "Un punto por minuto (JSON) o una fila por minuto (`formato=csv`)",
        content: { "application/json": { schema: SerieBody }, ...CSV },
      },
      ...READ_ERRORS,
    },
  }),
  createRoute({
    method: "get",
    path: "/helpdesk-status/ws",
    tags: ["lectura"],
    summary: "WebSocket con la instantánea en vivo",
    description:
      "Envía la instantánea completa al conectar, tras cada cambio (como mucho una por segundo) y al menos una vez por minuto.",
    security: READ_SECURITY,
    request: { query: BranchQuery },
    responses: { 101: { description: "Cambio a WebSocket" }, ...READ_ERRORS },
  }),
  createRoute({
    method: "get",
    path: "/monitor/",
    tags: ["lectura"],
    summary: "Página de monitor de pared",
    description:
      "Autónoma, en español. Los parámetros van en el fragmento (`#token=…&empresa=…&sucursal=…`), que no llega al servidor; también se aceptan en la consulta.",
    request: { query: BranchQuery.partial().extend({ token: z.string().optional() }) },
    responses: { 200: { description: "La página", content: { "text/html": { schema: { type: "string" } } } }, ...errors() },
  }),
  createRoute({
    method: "post",
    path: "/v1/events",
    tags: ["ingesta"],
    summary: "Eventos de chat del helpdesk (uno o un lote de 1 a 1000)",
    security: INGEST_SECURITY,
    request: jsonBody(EventsRequest),
    responses: {
      200: json("Todos los eventos quedaron guardados", IngestResult),
      ...errors(400, 401, 403, 404, 405, 413, 415),
    },
  }),
  createRoute({
    method: "put",
    path: "/v1/empresas/{empresa}/sucursales/{sucursal}/chats",
    tags: ["ingesta"],
    summary: "Reconciliación: reemplaza los chats abiertos de la sucursal",
    security: INGEST_SECURITY,
    request: { params: BranchParams, ...jsonBody(Reconciliation) },
    responses: { 200: json("Chats abiertos tras reemplazar", ReconciliationResult), ...errors(400, 401, 403, 404, 413, 415) },
  }),
  createRoute({
    method: "put",
    path: "/v1/admin/empresas/{empresa}/sucursales/{sucursal}",
    tags: ["administración"],
    summary: "Crea o actualiza una sucursal",
    security: ADMIN_SECURITY,
    request: { params: BranchParams, ...jsonBody(BranchSettingsInput, false) },
    responses: { 200: json("Actualizada", BranchView), 201: json("Creada", BranchView), ...errors(400, 401) },
  }),
  createRoute({
    method: "get",
    path: "/v1/admin/empresas/{empresa}/sucursales/{sucursal}",
    tags: ["administración"],
    summary: "Configuración de una sucursal y sus tokens (sin secretos)",
    security: ADMIN_SECURITY,
    request: { params: BranchParams },
    responses: { 200: json("La sucursal", BranchView), ...errors(400, 401, 404) },
  }),
  createRoute({
    method: "delete",
    path: "/v1/admin/empresas/{empresa}/sucursales/{sucursal}",
    tags: ["administración"],
    summary: "Da de baja la sucursal: sus tokens dejan de valer y su estado se borra",
    security: ADMIN_SECURITY,
    request: { params: BranchParams },
    responses: { ...NO_CONTENT, ...errors(400, 401, 404) },
  }),
  createRoute({
    method: "post",
    path: "/v1/admin/empresas/{empresa}/sucursales/{sucursal}/tokens",
    tags: ["administración"],
    summary: "Emite un token de lectura, o importa uno existente (`token`, 16+ caracteres)",
    security: ADMIN_SECURITY,
    request: { params: BranchParams, ...jsonBody(TokenInput, false) },
    responses: { 201: json("El token, mostrado solo esta vez", TokenCreated), ...errors(400, 401, 404, 409) },
  }),
  createRoute({
    method: "delete",
    path: "/v1/admin/empresas/{empresa}/sucursales/{sucursal}/tokens/{id}",
    tags: ["administración"],
    summary: "Revoca un token (deja de valer en 2 minutos como mucho)",
    security: ADMIN_SECURITY,
    request: { params: BranchParams.extend({ id: z.string() }) },
    responses: { ...NO_CONTENT, ...errors(400, 401, 404) },
  }),
  createRoute({
    method: "post",
    path: "/v1/admin/empresas/{empresa}/claves-ingesta",
    tags: ["administración"],
    summary: "Crea una clave de ingesta de la empresa",
    security: ADMIN_SECURITY,
    request: { params: EmpresaParams, ...jsonBody(IngestKeyInput, false) },
    responses: { 201: json("La clave, mostrada solo esta vez", IngestKeyCreated), ...errors(400, 401) },
  }),
  createRoute({
    method: "delete",
    path: "/v1/admin/empresas/{empresa}/claves-ingesta/{id}",
    tags: ["administración"],
    summary: "Revoca una clave de ingesta",
    security: ADMIN_SECURITY,
    request: { params: EmpresaParams.extend({ id: z.string() }) },
    responses: { ...NO_CONTENT, ...errors(400, 401, 404) },
  }),
  createRoute({
    method: "put",
    path: "/v1/admin/empresas/{empresa}/sucursales/{sucursal}/alertas",
    tags: ["administración"],
    summary: "Reemplaza las reglas de alerta (si alguna es inválida, se conservan las anteriores)",
    security: ADMIN_SECURITY,
    request: { params: BranchParams, ...jsonBody(AlertRulesInput) },
    responses: { 200: json("Reglas guardadas; secretos de webhooks nuevos", AlertRulesView), ...errors(400, 401, 404) },
  }),
  createRoute({
    method: "get",
    path: "/v1/admin/empresas/{empresa}/sucursales/{sucursal}/alertas",
    tags: ["administración"],
    summary: "Las reglas de alerta de la sucursal",
    security: ADMIN_SECURITY,
    request: { params: BranchParams },
    responses: { 200: json("Las reglas (sin secretos)", AlertRulesView), ...errors(400, 401, 404) },
  }),
  createRoute({
    method: "get",
    path: "/v1/admin/empresas/{empresa}/sucursales/{sucursal}/alertas/historial",
    tags: ["administración"],
    summary: "Las últimas 100 entregas de alertas y su resultado",
    security: ADMIN_SECURITY,
    request: { params: BranchParams },
    responses: { 200: json("Entregas, la más reciente primero", AlertHistory), ...errors(400, 401, 404) },
  }),
];

function buildDocument() {
  const holder = new OpenAPIHono();
  const registry = holder.openAPIRegistry;
  registry.registerComponent("securitySchemes", "tokenQuery", {
    type: "apiKey",
    in: "query",
    name: "token",
    description: "Token de lectura de la sucursal, en la URL",
  });
  registry.registerComponent("securitySchemes", "tokenBearer", {
    type: "http",
    scheme: "bearer",
    description: "Token de lectura de la sucursal, en `Authorization: Bearer`",
  });
  registry.registerComponent("securitySchemes", "claveIngesta", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "hk_<id>_<secreto>",
    description: "Clave de ingesta de la empresa",
  });
  registry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "El secreto ADMIN_TOKEN del Worker",
  });
  for (const route of ROUTES) registry.registerPath(route);

  return holder.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "Helpdesk Status API",
      version: "1.0.0",
      description: "Estado en tiempo real de los chats de cada sucursal, ingesta de eventos del helpdesk y administración.",
    },
    tags: [
      { name: "lectura", description: "Para monitores, tableros de BI y bots" },
      { name: "ingesta", description: "Del helpdesk a este servicio" },
      { name: "administración", description: "Sucursales, tokens, claves y alertas (ADMIN_TOKEN)" },
      { name: "operación" },
    ],
  });
}

let document: ReturnType<typeof buildDocument> | undefined;

/** Built once per isolate, on first request: the document does not change while the Worker runs. */
export function openApiDocument() {
  document ??= buildDocument();
  return document;
}
