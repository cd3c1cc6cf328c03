/** The status snapshot (CONTRACT §1): the seed's two blocks first, the additive ones after. */
import { z } from "@hono/zod-openapi";
import { Estado } from "./common";

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
