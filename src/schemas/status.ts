/** The status snapshot (CONTRACT §1): the seed's two blocks first, the additive ones after. */
import { z } from "@hono/zod-openapi";
import { Estado, Identifier, Instant } from "./common";

export const ResumenGeneral = z
  .object({
    chat_nuevos: z.number().int(),
    chat_pendientes: z.number().int(),
    chat_asignados: z.number().int(),
    chat_icarobot_ia: z.number().int(),
    chat_abiertos: z.number().int(),
    chat_cerrados: z.number().int(),
    chat_en_espera_del_cliente: z.number().int(),
    chat_tiempo_espera_menos_10min: z.number().int(),
    chat_tiempo_espera_20min: z.number().int(),
    chat_tiempo_espera_30min: z.number().int(),
    chat_tiempo_espera_60min: z.number().int(),
    chat_tiempo_espera_mas_60min: z.number().int(),
  })
  .openapi("ResumenGeneral");
export type ResumenGeneral = z.infer<typeof ResumenGeneral>;

export const ChatDetalle = z
  .object({
    id_resumen: z.number().int(),
    id_cliente: z.string().nullable(),
    departamento: z.string().nullable(),
    numero_perfil: z.string().nullable(),
    numero_cliente: z.string().nullable(),
    nombre_cliente: z.string().nullable(),
    estado: Estado,
    agente: z.string().nullable(),
    espera_desde: z.string(),
    minutos_espera: z.number().int(),
  })
  .openapi("ChatEnEspera");
export type ChatDetalle = z.infer<typeof ChatDetalle>;

export const BUCKETS = [
  "menos_10_minutos",
  "de_10_a_20_minutos",
  "de_20_a_30_minutos",
  "de_30_a_60_minutos",
  "mas_60_minutos",
] as const;
export type Bucket = (typeof BUCKETS)[number];

export const DetallePorTiempoEspera = z
  .object(Object.fromEntries(BUCKETS.map((b) => [b, z.array(ChatDetalle)])) as Record<Bucket, z.ZodArray<typeof ChatDetalle>>)
  .openapi("DetallePorTiempoEspera");

export const Metricas = z
  .object({
    espera_maxima_min: z.number(),
    espera_promedio_min: z.number(),
    primera_respuesta_promedio_min: z.number(),
    nivel_servicio_pct: z.number(),
  })
  .openapi("Metricas");
export type Metricas = z.infer<typeof Metricas>;

export const StatusBody = z
  .object({
    resumen_general: ResumenGeneral,
    detalle_por_tiempo_espera: DetallePorTiempoEspera.optional(),
    metricas: Metricas,
    carga_por_agente: z.array(
      z.object({ agente: z.string(), chats_asignados: z.number().int(), chats_esperando: z.number().int() }),
    ),
    por_departamento: z.record(
      z.string(),
      z.object({ chat_abiertos: z.number().int(), chat_esperando: z.number().int() }),
    ),
    sucursal: z.object({
      empresa: z.string(),
      sucursal: z.string(),
      nombre: z.string(),
      zona_horaria: z.string(),
    }),
    version: z.number().int(),
    generado_en: z.string(),
  })
  .openapi("EstadoHelpdesk");
export type StatusBody = z.infer<typeof StatusBody>;

/**
 * The branch a read names. The token is not here: it comes as the `token` query parameter or as
 * `Authorization: Bearer`, which the OpenAPI document states as security schemes.
 */
export const BranchQuery = z.object({
  empresa: Identifier.openapi({ description: "Empresa (tenant)", example: "icarosoft" }),
  sucursal: Identifier.openapi({ description: "Sucursal de la empresa", example: "mcbo1" }),
});

const Formato = z.enum(["json", "csv"]).openapi({ description: "`csv`: text/csv (RFC 4180, UTF-8, fila de encabezado)" });

/** `GET /helpdesk-status/` query options (CONTRACT §1). */
export const StatusQuery = BranchQuery.extend({
  departamento: z.string().min(1).max(512).optional().openapi({ description: "Restringe cifras y listas a un departamento" }),
  detalle: z.enum(["true", "false"]).optional().openapi({ description: "`false` omite detalle_por_tiempo_espera" }),
  formato: Formato.optional(),
});

/** How far back `/serie` reaches (its samples are kept that long), and its range by default. */
export const SERIE_RETENTION_MS = 7 * 86_400_000;
export const SERIE_DEFAULT_RANGE_MS = 86_400_000;

/** A `/serie` range resolved: `hasta` defaults to now, `desde` to 24 hours before `hasta`. */
export function serieRange(query: { desde?: string; hasta?: string }, now = Date.now()): { from: number; to: number } {
  const to = query.hasta ? Date.parse(query.hasta) : now;
  const from = query.desde ? Date.parse(query.desde) : to - SERIE_DEFAULT_RANGE_MS;
  return { from, to };
}

/** `GET /helpdesk-status/serie` query. A reversed range, or one over 7 days, is the fault of `desde`. */
export const SerieQuery = BranchQuery.extend({
  desde: Instant.optional().openapi({ description: "Inicio (ISO 8601); por defecto hace 24 horas", example: "2026-11-24T00:00:00Z" }),
  hasta: Instant.optional().openapi({ description: "Fin (ISO 8601); por defecto ahora; rango máximo 7 días", example: "2026-11-24T23:59:00Z" }),
  formato: Formato.optional(),
}).superRefine((query, ctx) => {
  const { from, to } = serieRange(query);
  if (from > to || to - from > SERIE_RETENTION_MS) {
    ctx.addIssue({ code: "custom", path: ["desde"], message: "rango inválido", input: query.desde });
  }
});

/** One minute's sample: `resumen_general` and `metricas` flattened beside its instant. */
export const SeriePoint = z
  .object({ en: z.string() })
  .extend(ResumenGeneral.shape)
  .extend(Metricas.shape)
  .openapi("PuntoSerie");
export type SeriePoint = z.infer<typeof SeriePoint>;

export const SerieBody = z.object({ puntos: z.array(SeriePoint) }).openapi("Serie");
export type SerieBody = z.infer<typeof SerieBody>;
