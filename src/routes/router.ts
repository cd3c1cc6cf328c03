/**
 * What every router is made of. `createRouter()` is an `OpenAPIHono` whose failed validations
 * become the API's own errors; each route is declared once with `createRoute` (its parameters,
 * its responses, its errors) and served with `router.openapi(route, handler)`, so the routing and
 * `/openapi.json` come from the same declaration. The pieces below are the response, body and
 * security parts that routes share.
 *
 * Validation runs in this order: the route's `middleware` (credentials, `requireParams`, the
 * ingest body reader), then its path and query schemas (failures go through `validationHook`),
 * then the handler (lookups: 404, 401, 429, 403). Request bodies are read by the handler, or by
 * route middleware, with the API's own limits and order (see `ownBody`).
 *
 * A new resource, the whole pattern (see routes/status.ts, routes/admin.ts for real ones):
 *
 *   export const things = createRouter();
 *   const thingsRoute = createRoute({
 *     method: "get", path: "/", tags: ["lectura"], summary: "…", description: "…",   // Spanish
 *     security: READ_SECURITY, middleware: [requireBranchParams],                   // checked first
 *     request: { query: ThingsQuery },                                              // zod, with .openapi({ description, example })
 *     responses: { 200: jsonResponse("…", ThingsBody), ...errorResponses(400, 401, 404, 405, 429) },
 *   });
 *   things.openapi(thingsRoute, async (c) => { const query = c.req.valid("query"); … return c.json(body, 200); });
 *   things.all("/", methodNotAllowed("GET, HEAD"));
 *   // src/index.ts: app.route("/helpdesk-status/things", things);  — /openapi.json picks it up by itself
 */
import { OpenAPIHono, createRoute, z } from "@hono/zod-openapi";
import type { Env as HonoEnv } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { presentedToken } from "../auth/credentials";
import { ApiError, MESSAGES } from "../errors";
import { ErrorBody, ValidationErrorBody } from "../schemas/common";

export { createRoute, z };

type Issue = { path: PropertyKey[]; message: string };
/** What `@hono/zod-validator` hands a hook: on failure, `data` is the input as received. */
type ValidationResult = { success: true } | { success: false; error: { issues: Issue[] }; target: string; data?: unknown };

/**
 * A failed validation of the path or query as the API's error: a required parameter absent is
 * "Faltan parámetros requeridos: <names>", any other fault "Parámetro inválido: <first name>".
 */
export function validationHook(result: ValidationResult): void {
  if (result.success) return;
  const { issues } = result.error;
  if (result.target === "json") {
    const errores = issues.map((issue) => ({ campo: issue.path.join("."), mensaje: issue.message }));
    throw new ApiError(400, MESSAGES.invalidBody, { errores });
  }
  const received = (result.data ?? {}) as Record<string, unknown>;
  const missing = issues.filter((issue) => issue.path.length === 1 && received[String(issue.path[0])] === undefined).map((issue) => String(issue.path[0]));
  if (missing.length) throw new ApiError(400, MESSAGES.missing(missing));
  throw new ApiError(400, MESSAGES.invalidParam(String(issues[0]?.path[0] ?? "consulta")));
}

/** A router of the API: mount it with `app.route(prefix, router)`; its routes join `/openapi.json`. */
export function createRouter<E extends HonoEnv = AppEnv>(options: { strict?: boolean } = {}) {
  return new OpenAPIHono<E>({ ...options, defaultHook: validationHook });
}

/**
 * Route middleware of the read endpoints: every required parameter absent or empty is named in
 * one 400, before any other check (`token` counts as present in the query or as a Bearer header).
 */
export function requireParams(...names: string[]) {
  return createMiddleware<AppEnv>(async function requireParams(c, next) {
    const missing = names.filter((name) => !(name === "token" ? presentedToken(c) : c.req.query(name)));
    if (missing.length) throw new ApiError(400, MESSAGES.missing(missing));
    await next();
  });
}

/** Throws the 405 of a path: mount with `router.all(path, methodNotAllowed("GET, HEAD"))` after its routes. */
export const methodNotAllowed = (allow: string) => () => {
  throw new ApiError(405, MESSAGES.methodNotAllowed, { headers: { Allow: allow } });
};

type Responses = NonNullable<Parameters<typeof createRoute>[0]["responses"]>;
export type ErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 426 | 429;

/** Each error status of the API with its cause, its JSON body and, where it has one, its header. */
const ERRORS: Record<ErrorStatus | 500, { description: string; schema: z.ZodType; header?: "Allow" | "Retry-After" | "Upgrade" }> = {
  400: { description: "Faltan parámetros, o un parámetro o el cuerpo no es válido (`message` lo nombra)", schema: ValidationErrorBody },
  401: { description: "Falta la credencial o no es válida", schema: ErrorBody },
  403: { description: "La clave de ingesta no pertenece a la empresa de la sucursal", schema: ErrorBody },
  404: { description: "La sucursal (o el recurso) no existe", schema: ErrorBody },
  405: { description: "Método no permitido (la cabecera `Allow` lista los permitidos)", schema: ErrorBody, header: "Allow" },
  409: { description: "El token ya está activo (en la sucursal, o en la empresa)", schema: ErrorBody },
  413: { description: "El cuerpo supera 1 MiB", schema: ErrorBody },
  415: { description: "`Content-Type` no es `application/json`", schema: ErrorBody },
  426: { description: "La solicitud no pide el cambio a WebSocket (`Upgrade: websocket`)", schema: ErrorBody, header: "Upgrade" },
  429: { description: "Límite de solicitudes superado (la cabecera `Retry-After` dice cuántos segundos esperar)", schema: ErrorBody, header: "Retry-After" },
  500: { description: "Error interno, sin detalle", schema: ErrorBody },
};

/** The documented error responses of a route: the statuses given, and 500 on every route. */
export function errorResponses(...statuses: ErrorStatus[]): Responses {
  const responses: Responses = {};
  for (const status of [...statuses, 500 as const]) {
    const { description, schema, header } = ERRORS[status];
    responses[status] = {
      description,
      content: { "application/json": { schema } },
      ...(header ? { headers: { [header]: { schema: { type: header === "Retry-After" ? "integer" : "string" } } } } : {}),
    };
  }
  return responses;
}

/** A JSON response with its schema (its example comes from the schema's `.openapi({ example })`). */
export function jsonResponse(description: string, schema: z.ZodType) {
  return { description, content: { "application/json": { schema } } };
}

/** A JSON request body, as `createRoute`'s `request` takes it. */
export function jsonBody(schema: z.ZodType, { required = true, description }: { required?: boolean; description?: string } = {}) {
  return { body: { required, description, content: { "application/json": { schema } } } };
}

type RouteConfig = Parameters<typeof createRoute>[0];

/**
 * For a route whose JSON body its handler reads (with the API's size limit and error order, see
 * docs/integracion.md#errores): documents the whole route, body included, and returns it without
 * the body, so the framework validates its path and query but adds no body validator of its own.
 * Use as `router.openapi(ownBody(router, route), handler)`.
 */
export function ownBody<R extends RouteConfig>(router: OpenAPIHono<any>, route: R): Omit<R, "request"> & { hide: true; request: Omit<NonNullable<R["request"]>, "body"> } {
  const { middleware: _middleware, ...documented } = route as R & { middleware?: unknown };
  router.openAPIRegistry.registerPath(documented);
  const { body: _documented, ...request } = route.request ?? {};
  return { ...route, request, hide: true } as Omit<R, "request"> & { hide: true; request: Omit<NonNullable<R["request"]>, "body"> };
}

type Security = Record<string, string[]>[];
/** A read token, in `?token=` or in `Authorization: Bearer`. */
export const READ_SECURITY: Security = [{ tokenQuery: [] }, { tokenBearer: [] }];
export const INGEST_SECURITY: Security = [{ claveIngesta: [] }];
export const ADMIN_SECURITY: Security = [{ adminToken: [] }];

/** A page (/monitor/, /panel/) reads its parameters in the browser: they are documented, never validated here. */
export const pageParameter = (name: string, description: string, example: string) =>
  ({ name, in: "query" as const, required: false, description, schema: { type: "string" as const }, example });

export const NO_CONTENT = { 204: { description: "Hecho, sin cuerpo" } } as const;
