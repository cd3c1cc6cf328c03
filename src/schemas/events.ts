/** Chat events pushed by the helpdesk (CONTRACT §3) and the reconciliation body. */
import { z } from "@hono/zod-openapi";
import { Estado, Identifier, Instant } from "./common";

const Text = z.string().max(512);

/** Detail fields of a chat; on an event, every field is optional and a given one replaces. */
export const ChatFields = z.object({
  id_resumen: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  id_cliente: Text.nullable().optional(),
  departamento: Text.nullable().optional(),
  numero_perfil: Text.nullable().optional(),
  numero_cliente: Text.nullable().optional(),
  nombre_cliente: Text.nullable().optional(),
  estado: Estado.optional(),
  agente: Text.nullable().optional(),
  espera_desde: Instant.nullable().optional(),
});
export type ChatFields = z.infer<typeof ChatFields>;

/** The chat's free-text details (null when unknown), in wire order: every field but its id, estado and wait. */
export const DETAIL_FIELDS = Object.keys(ChatFields.shape).filter(
  (name) => name !== "id_resumen" && name !== "estado" && name !== "espera_desde",
) as DetailField[];
export type DetailField = Exclude<keyof ChatFields, "id_resumen" | "estado" | "espera_desde">;

export const EVENT_TYPES = [
  "chat.actualizado",
  "chat.mensaje_cliente",
  "chat.mensaje_agente",
  "chat.cerrado",
] as const;

export const ChatEvent = z
  .object({
    id: z.string().min(1).max(200),
    tipo: z.enum(EVENT_TYPES),
    empresa: Identifier,
    sucursal: Identifier,
    ocurrido_en: Instant,
    chat: ChatFields,
  })
  .openapi("EventoChat");
export type ChatEvent = z.infer<typeof ChatEvent>;

export const MAX_EVENTS_PER_REQUEST = 1000;

/** The body of `POST /v1/events`, as documented; the route parses each event on its own to report errors by index. */
export const EventsRequest = z
  .union([ChatEvent, z.object({ eventos: z.array(ChatEvent).min(1).max(MAX_EVENTS_PER_REQUEST) })])
  .openapi("SolicitudEventos");

export const IngestResult = z
  .object({ aceptados: z.number().int(), duplicados: z.number().int(), obsoletos: z.number().int() })
  .openapi("ResultadoIngesta");
export type IngestResult = z.infer<typeof IngestResult>;

/** A full chat in a reconciliation: estado and espera_desde are its truth, not a change. */
export const FullChat = ChatFields.extend({
  estado: Estado,
  espera_desde: Instant.nullable(),
});

export const Reconciliation = z
  .object({
    tomado_en: Instant,
    chats: z.array(FullChat).max(200_000),
    cerrados_hoy: z.number().int().nonnegative(),
  })
  .openapi("Reconciliacion");
export type Reconciliation = z.infer<typeof Reconciliation>;

export const ReconciliationResult = z.object({ chats: z.number().int() }).openapi("ResultadoReconciliacion");
