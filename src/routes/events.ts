/**
 * The helpdesk's push API (docs/integracion.md): `POST /v1/events` and the reconciliation
 * `PUT /v1/empresas/{empresa}/sucursales/{sucursal}/chats`. A request is validated whole before
 * anything is applied; then each branch's events are applied atomically by its Durable Object.
 */
import { type IngestEnv, requireIngestKey } from "../auth/ingest-key";
import type { BranchEvent } from "../branch/model";
import { branchStubFor } from "../branch/stub";
import { type BranchConfig, readBranchCached, settingsOf } from "../config/store";
import { ApiError, type FieldError, MESSAGES } from "../errors";
import { jsonBodyReader } from "../http/read-json";
import { invalidateSnapshots } from "../http/snapshot-cache";
import { BranchParams } from "../schemas/common";
import { parseChatEvent } from "../schemas/fast-parse";
import {
  ChatEvent,
  EventsRequest,
  IngestResult,
  MAX_EVENTS_PER_REQUEST,
  Reconciliation,
  ReconciliationResult,
} from "../schemas/events";
import { INGEST_SECURITY, createRoute, createRouter, errorResponses, jsonBody, jsonResponse, methodNotAllowed, ownBody, type z } from "./router";
import { MINUTE } from "../utils/time";

/** Events dated further ahead than this are invalid: the sender's clock is wrong. */
export const MAX_FUTURE_MS = 5 * MINUTE;

export const events = createRouter<IngestEnv>();

events.use("/events", requireIngestKey);
events.use("/empresas/*", requireIngestKey);

function fieldErrors(issues: z.core.$ZodIssue[], index: number): FieldError[] {
  return issues.map((issue) => ({ indice: index, campo: issue.path.join(".") || "(evento)", mensaje: issue.message }));
}

/** The request's events: one event, or `{"eventos": [...]}` with 1 to 1000 of them. */
export function eventList(body: unknown): unknown[] {
  if (body && typeof body === "object" && !Array.isArray(body) && "eventos" in body) {
    const list = (body as { eventos: unknown }).eventos;
    if (!Array.isArray(list)) {
      throw new ApiError(400, MESSAGES.invalidEvents, { errores: [{ indice: 0, campo: "eventos", mensaje: "debe ser una lista" }] });
    }
    if (list.length === 0 || list.length > MAX_EVENTS_PER_REQUEST) {
      throw new ApiError(400, MESSAGES.batchSize(MAX_EVENTS_PER_REQUEST, list.length));
    }
    return list;
  }
  return [body];
}

export function parseEvents(items: unknown[], now: number): ChatEvent[] {
  const errors: FieldError[] = [];
  const parsed: ChatEvent[] = [];
  items.forEach((item, index) => {
    const result = parseChatEvent(item);
    if (!result.success) {
      errors.push(...fieldErrors(result.error.issues, index));
      return;
    }
    if (Date.parse(result.data.ocurrido_en) > now + MAX_FUTURE_MS) {
      errors.push({ indice: index, campo: "ocurrido_en", mensaje: "más de 5 minutos en el futuro" });
      return;
    }
    parsed.push(result.data);
  });
  if (errors.length) throw new ApiError(400, MESSAGES.invalidEvents, { errores: errors });
  return parsed;
}

/** Checks that every branch named belongs to the key's empresa (403) and exists (404). */
async function branchesOf(env: Env, empresa: string, names: { empresa: string; sucursal: string }[]) {
  if (names.some((name) => name.empresa !== empresa)) throw new ApiError(403, MESSAGES.forbiddenBranch);
  const configs = new Map<string, BranchConfig>();
  for (const { sucursal } of names) {
    if (configs.has(sucursal)) continue;
    const config = await readBranchCached(env.CONFIG, empresa, sucursal);
    if (!config) throw new ApiError(404, MESSAGES.notFoundBranch);
    configs.set(sucursal, config);
  }
  return configs;
}

const eventsRoute = createRoute({
  method: "post",
  path: "/events",
  tags: ["ingesta"],
  summary: "Eventos de chat del helpdesk (uno, o un lote de 1 a 1000)",
  description:
    "El helpdesk envía cada cambio de un chat. Responde 200 solo cuando todos los eventos quedaron guardados y " +
    "visibles en el estado (en 1 segundo como mucho). Un evento cuyo `id` ya se aplicó no se aplica otra vez " +
    "(`duplicados`); uno más antiguo que el último aplicado a su chat se ignora (`obsoletos`). Se puede reenviar la " +
    "misma solicitud sin riesgo. Orden de los controles: clave (401), tipo de contenido (415), tamaño (413), JSON " +
    "(400), eventos (400), empresa (403), sucursal (404).",
  security: INGEST_SECURITY,
  middleware: [jsonBodyReader],
  request: jsonBody(EventsRequest),
  responses: {
    200: jsonResponse("Todos los eventos quedaron guardados; los tres contadores suman los eventos enviados", IngestResult),
    ...errorResponses(400, 401, 403, 404, 405, 413, 415),
  },
});

events.openapi(ownBody(events, eventsRoute), async (c) => {
  const now = Date.now();
  const parsed = parseEvents(eventList(c.get("jsonBody")), now);
  const configs = await branchesOf(c.env, c.get("ingestEmpresa"), parsed);

  const groups = new Map<string, BranchEvent[]>();
  for (const event of parsed) {
    const group = groups.get(event.sucursal) ?? [];
    group.push({ id: event.id, tipo: event.tipo, at: Date.parse(event.ocurrido_en), chat: event.chat });
    groups.set(event.sucursal, group);
  }

  const results = await Promise.all(
    [...groups].map(([sucursal, group]) => {
      const config = configs.get(sucursal)!;
      return branchStubFor(c.env, config).applyEvents(settingsOf(config), group);
    }),
  );
  await Promise.all([...groups.keys()].map((sucursal) => invalidateSnapshots(c.get("ingestEmpresa"), sucursal)));
  const total: IngestResult = { aceptados: 0, duplicados: 0, obsoletos: 0 };
  for (const result of results) {
    total.aceptados += result.aceptados;
    total.duplicados += result.duplicados;
    total.obsoletos += result.obsoletos;
  }
  return c.json(total, 200);
});

events.all("/events", methodNotAllowed("POST"));

const reconcileRoute = createRoute({
  method: "put",
  path: "/empresas/{empresa}/sucursales/{sucursal}/chats",
  tags: ["ingesta"],
  summary: "Reconciliación: reemplaza los chats abiertos de la sucursal",
  description:
    "Reemplaza de una vez los chats abiertos de la sucursal con la verdad del helpdesk (tras una caída o una " +
    "desviación). Los chats abiertos que no estén en la lista se quitan (no cuentan como cerrados); `cerrados_hoy` " +
    "reemplaza los cerrados del día. Después, todo evento de la sucursal anterior a `tomado_en` se ignora y cuenta " +
    "como `obsoletos`. Mismos controles, en el mismo orden, que la ingesta de eventos; todo o nada.",
  security: INGEST_SECURITY,
  middleware: [jsonBodyReader],
  request: { params: BranchParams, ...jsonBody(Reconciliation) },
  responses: {
    200: jsonResponse("Chats abiertos de la sucursal tras reemplazar", ReconciliationResult),
    ...errorResponses(400, 401, 403, 404, 413, 415),
  },
});

events.openapi(ownBody(events, reconcileRoute), async (c) => {
  const { empresa, sucursal } = c.req.valid("param");
  const result = Reconciliation.safeParse(c.get("jsonBody"));
  if (!result.success) throw new ApiError(400, MESSAGES.invalidBody, { errores: fieldErrors(result.error.issues, 0) });
  const takenAt = Date.parse(result.data.tomado_en);
  if (takenAt > Date.now() + MAX_FUTURE_MS) {
    throw new ApiError(400, MESSAGES.invalidBody, {
      errores: [{ indice: 0, campo: "tomado_en", mensaje: "más de 5 minutos en el futuro" }],
    });
  }
  const ids = new Set<number>();
  result.data.chats.forEach((chat, index) => {
    if (ids.has(chat.id_resumen)) {
      throw new ApiError(400, MESSAGES.invalidBody, {
        errores: [{ indice: 0, campo: `chats.${index}.id_resumen`, mensaje: "id_resumen repetido" }],
      });
    }
    ids.add(chat.id_resumen);
  });
  const config = (await branchesOf(c.env, c.get("ingestEmpresa"), [{ empresa, sucursal }])).get(sucursal)!;
  const stub = branchStubFor(c.env, config);
  const reconciled = await stub.reconcile(settingsOf(config), takenAt, result.data.chats, result.data.cerrados_hoy);
  await invalidateSnapshots(empresa, sucursal);
  return c.json(reconciled, 200);
});
