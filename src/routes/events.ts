/**
 * The helpdesk's push API (CONTRACT §3): `POST /v1/events` and the reconciliation
 * `PUT /v1/empresas/{empresa}/sucursales/{sucursal}/chats`. A request is validated whole before
 * anything is applied; then each branch's events are applied atomically by its Durable Object.
 */
import { Hono } from "hono";
import type { z } from "@hono/zod-openapi";
import { type IngestEnv, requireIngestKey } from "../auth/ingest-key";
import type { BranchEvent } from "../branch/model";
import { branchStubFor } from "../branch/stub";
import { type BranchConfig, readBranchCached, settingsOf } from "../config/store";
import { ApiError, type FieldError, MESSAGES } from "../errors";
import { readJsonBody } from "../http/read-json";
import { invalidateSnapshots } from "../http/snapshot-cache";
import { IDENTIFIER } from "../schemas/common";
import { ChatEvent, type IngestResult, MAX_EVENTS_PER_REQUEST, Reconciliation } from "../schemas/events";
import { MINUTE } from "../utils/time";

/** Events dated further ahead than this are invalid: the sender's clock is wrong. */
export const MAX_FUTURE_MS = 5 * MINUTE;

export const events = new Hono<IngestEnv>();

events.use("/events", requireIngestKey);
events.use("/empresas/*", requireIngestKey);

function fieldErrors(issues: z.core.$ZodIssue[], index: number): FieldError[] {
  return issues.map((issue) => ({ indice: index, campo: issue.path.join(".") || "(evento)", mensaje: issue.message }));
}

/** The request's events: one event, or `{"eventos": [...]}` with 1 to 1000 of them. */
function eventList(body: unknown): unknown[] {
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

function parseEvents(items: unknown[], now: number): ChatEvent[] {
  const errors: FieldError[] = [];
  const parsed: ChatEvent[] = [];
  items.forEach((item, index) => {
    const result = ChatEvent.safeParse(item);
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

events.post("/events", async (c) => {
  const now = Date.now();
  const parsed = parseEvents(eventList(await readJsonBody(c)), now);
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
  return c.json(total);
});

events.all("/events", () => {
  throw new ApiError(405, MESSAGES.methodNotAllowed, { headers: { Allow: "POST" } });
});

events.put("/empresas/:empresa/sucursales/:sucursal/chats", async (c) => {
  const empresa = c.req.param("empresa");
  const sucursal = c.req.param("sucursal");
  const body = await readJsonBody(c);
  for (const [name, value] of [["empresa", empresa], ["sucursal", sucursal]] as const) {
    if (!IDENTIFIER.test(value)) throw new ApiError(400, MESSAGES.invalidParam(name));
  }
  const result = Reconciliation.safeParse(body);
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
  return c.json(reconciled);
});
