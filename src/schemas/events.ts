/** Chat events pushed by the helpdesk (docs/integracion.md) and the reconciliation body. */
import { z } from "@hono/zod-openapi";
import { Estado, Identifier, Instant } from "./common";

/** Longest free-text chat field, and longest event id (UTF-16 units, as zod counts). */
export const TEXT_MAX_LENGTH = 512;
export const EVENT_ID_MAX_LENGTH = 200;

const Text = z.string().max(TEXT_MAX_LENGTH);

/** Detail fields of a chat; on an event, every field is optional and a given one replaces. */
export const ChatFields = z.object({
  id_resumen: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).openapi({ description: "Identificador del chat en la sucursal (entero ≥ 0)", example: 1001 }),
  id_cliente: Text.nullable().optional().openapi({ description: "Identificador del cliente", example: "CLI001" }),
  departamento: Text.nullable().optional().openapi({ description: "Departamento", example: "Ventas" }),
  numero_perfil: Text.nullable().optional().openapi({ description: "Número del negocio que recibió el chat", example: "+15551234567" }),
  numero_cliente: Text.nullable().optional().openapi({ description: "Número del cliente", example: "+15559876543" }),
  nombre_cliente: Text.nullable().optional().openapi({ description: "Nombre del cliente", example: "Juan Perez" }),
  estado: Estado.optional().openapi({ description: "nuevo, pendiente, asignado o icarobot_ia; un chat nuevo sin estado es `nuevo`" }),
  agente: Text.nullable().optional().openapi({ description: "Agente asignado, o null" }),
  espera_desde: Instant.nullable()
    .optional()
    .openapi({ description: "Fija (ISO 8601) o anula (null) explícitamente el inicio de la espera; si se omite, la deducen las reglas del tipo de evento" }),
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
    id: z.string().min(1).max(EVENT_ID_MAX_LENGTH).openapi({ description: "Id único del evento: uno ya aplicado no se aplica otra vez (se recuerda 24 horas o más)", example: "evt-7f3a" }),
    tipo: z.enum(EVENT_TYPES).openapi({
      description:
        "`chat.actualizado` crea o actualiza el chat; `chat.mensaje_cliente` el cliente escribió (empieza a esperar); " +
        "`chat.mensaje_agente` el negocio respondió (deja de esperar); `chat.cerrado` el chat se cierra",
    }),
    empresa: Identifier.openapi({ description: "Empresa: la de la clave de ingesta", example: "icarosoft" }),
    sucursal: Identifier.openapi({ description: "Sucursal del chat", example: "mcbo1" }),
    ocurrido_en: Instant.openapi({ description: "Cuándo ocurrió en el helpdesk (ISO 8601 con zona; hasta 5 minutos en el futuro)", example: "2026-11-24T14:03:00Z" }),
    chat: ChatFields.openapi({ description: "Los campos del chat: los enviados reemplazan, los omitidos conservan su valor" }),
  })
  .openapi("EventoChat", {
    example: {
      id: "evt-7f3a",
      tipo: "chat.actualizado",
      empresa: "icarosoft",
      sucursal: "mcbo1",
      ocurrido_en: "2026-11-24T14:03:00Z",
      chat: {
        id_resumen: 1001, id_cliente: "CLI001", departamento: "Ventas", numero_perfil: "+15551234567",
        numero_cliente: "+15559876543", nombre_cliente: "Juan Perez", estado: "nuevo", agente: null,
      },
    },
  });
export type ChatEvent = z.infer<typeof ChatEvent>;

export const MAX_EVENTS_PER_REQUEST = 1000;

/** The body of `POST /v1/events`, as documented; the route parses each event on its own to report errors by index. */
export const EventsRequest = z
  .union([
    ChatEvent,
    z.object({ eventos: z.array(ChatEvent).min(1).max(MAX_EVENTS_PER_REQUEST).openapi({ description: "De 1 a 1000 eventos, aplicados en orden" }) }),
  ])
  .openapi("SolicitudEventos", { description: "Un evento, o un lote `{\"eventos\": [...]}`." });

export const IngestResult = z
  .object({
    aceptados: z.number().int().openapi({ description: "Eventos aplicados" }),
    duplicados: z.number().int().openapi({ description: "Eventos cuyo `id` ya se había aplicado: no se aplicaron otra vez" }),
    obsoletos: z.number().int().openapi({ description: "Eventos más antiguos que el último aplicado a su chat (o que la última reconciliación): ignorados" }),
  })
  .openapi("ResultadoIngesta", { example: { aceptados: 998, duplicados: 2, obsoletos: 0 } });
export type IngestResult = z.infer<typeof IngestResult>;

/** A full chat in a reconciliation: estado and espera_desde are its truth, not a change. */
export const FullChat = ChatFields.extend({
  estado: Estado,
  espera_desde: Instant.nullable(),
});

export const Reconciliation = z
  .object({
    tomado_en: Instant.openapi({ description: "Momento de la foto del helpdesk; después se ignoran los eventos anteriores", example: "2026-11-24T14:10:00Z" }),
    chats: z.array(FullChat).max(200_000).openapi({ description: "Todos los chats abiertos, completos (con estado y espera_desde)" }),
    cerrados_hoy: z.number().int().nonnegative().openapi({ description: "Chats cerrados hoy (reemplaza el contador del día)", example: 12 }),
  })
  .openapi("Reconciliacion", {
    example: {
      tomado_en: "2026-11-24T14:10:00Z",
      cerrados_hoy: 12,
      chats: [
        {
          id_resumen: 1001, id_cliente: "CLI001", departamento: "Ventas", numero_perfil: "+15551234567",
          numero_cliente: "+15559876543", nombre_cliente: "Juan Perez", estado: "asignado", agente: "ana",
          espera_desde: "2026-11-24T14:03:00Z",
        },
      ],
    },
  });
export type Reconciliation = z.infer<typeof Reconciliation>;

export const ReconciliationResult = z
  .object({ chats: z.number().int().openapi({ description: "Chats abiertos de la sucursal tras reemplazar" }) })
  .openapi("ResultadoReconciliacion", { example: { chats: 1 } });
