/** The status snapshot (docs/guia-api.md#la-respuesta): the seed's two blocks first, the additive ones after. */
import { z } from "@hono/zod-openapi";
import { Estado, Identifier, Instant, firstValue } from "./common";

const count = (description: string) => z.number().int().openapi({ description });

export const ResumenGeneral = z
  .object({
    chat_nuevos: count("Chats abiertos en estado `nuevo` (aún sin atender)"),
    chat_pendientes: count("Chats abiertos en estado `pendiente`"),
    chat_asignados: count("Chats abiertos en estado `asignado` a un agente"),
    chat_icarobot_ia: count("Chats abiertos atendidos por el bot (`icarobot_ia`)"),
    chat_abiertos: count("Todos los chats abiertos: nuevos + pendientes + asignados + icarobot_ia"),
    chat_cerrados: count("Chats cerrados desde la medianoche local de la sucursal (`zona_horaria`)"),
    chat_en_espera_del_cliente: count("Chats abiertos en los que el negocio respondió último: esperan al cliente"),
    chat_tiempo_espera_menos_10min: count("Chats esperando al negocio desde hace menos de 10 minutos"),
    chat_tiempo_espera_20min: count("Chats esperando al negocio de 10 a menos de 20 minutos"),
    chat_tiempo_espera_30min: count("Chats esperando al negocio de 20 a menos de 30 minutos"),
    chat_tiempo_espera_60min: count("Chats esperando al negocio de 30 a menos de 60 minutos"),
    chat_tiempo_espera_mas_60min: count("Chats esperando al negocio 60 minutos o más"),
  })
  .openapi("ResumenGeneral", {
    description:
      "Los contadores de la sucursal. Cada chat abierto está en un solo estado; los que no están con el bot esperan al " +
      "negocio (en uno de los cinco tramos de espera) o al cliente: Σ tramos + chat_en_espera_del_cliente = nuevos + pendientes + asignados.",
  });
export type ResumenGeneral = z.infer<typeof ResumenGeneral>;

const text = (description: string) => z.string().nullable().openapi({ description });

export const ChatDetalle = z
  .object({
    id_resumen: z.number().int().openapi({ description: "Identificador del chat en el helpdesk (único en la sucursal)", example: 1001 }),
    id_cliente: text("Identificador del cliente en el helpdesk"),
    departamento: text("Departamento del chat, o null"),
    numero_perfil: text("Número de WhatsApp del negocio que recibió el chat"),
    numero_cliente: text("Número del cliente"),
    nombre_cliente: text("Nombre del cliente"),
    estado: Estado.openapi({ description: "Estado del chat: nuevo, pendiente, asignado o icarobot_ia" }),
    agente: text("Agente asignado, o null"),
    espera_desde: z.string().openapi({ description: "Desde cuándo espera al negocio (ISO 8601, UTC)", example: "2026-11-24T14:03:00.000Z" }),
    minutos_espera: z.number().int().openapi({ description: "Minutos enteros de espera en el momento de la respuesta", example: 4 }),
  })
  .openapi("ChatEnEspera", { description: "Un chat que espera al negocio, con sus datos de detalle." });
export type ChatDetalle = z.infer<typeof ChatDetalle>;

export const BUCKETS = [
  "menos_10_minutos",
  "de_10_a_20_minutos",
  "de_20_a_30_minutos",
  "de_30_a_60_minutos",
  "mas_60_minutos",
] as const;
export type Bucket = (typeof BUCKETS)[number];

const BUCKET_TEXT: Record<Bucket, string> = {
  menos_10_minutos: "menos de 10 minutos",
  de_10_a_20_minutos: "de 10 a menos de 20 minutos",
  de_20_a_30_minutos: "de 20 a menos de 30 minutos",
  de_30_a_60_minutos: "de 30 a menos de 60 minutos",
  mas_60_minutos: "60 minutos o más",
};

export const DetallePorTiempoEspera = z
  .object(
    Object.fromEntries(
      BUCKETS.map((b) => [b, z.array(ChatDetalle).openapi({ description: `Chats que esperan al negocio ${BUCKET_TEXT[b]}, el que más espera primero` })]),
    ) as Record<Bucket, z.ZodArray<typeof ChatDetalle>>,
  )
  .openapi("DetallePorTiempoEspera", {
    description: "Los chats de cada tramo de espera; cada lista tiene tantos chats como su contador en resumen_general. Se omite con `detalle=false`.",
  });

export const Metricas = z
  .object({
    espera_maxima_min: z.number().openapi({ description: "La espera actual más larga, en minutos (0 si nadie espera)" }),
    espera_promedio_min: z.number().openapi({ description: "La espera actual promedio de los chats que esperan al negocio, en minutos (un decimal)" }),
    primera_respuesta_promedio_min: z.number().openapi({
      description: "Desde la medianoche local: tiempo promedio desde la primera espera de un chat hasta la primera respuesta del negocio, en minutos",
    }),
    nivel_servicio_pct: z.number().openapi({
      description: "Desde la medianoche local: porcentaje de esperas respondidas dentro de `objetivo_respuesta_min` de la sucursal (100 si no hubo)",
    }),
  })
  .openapi("Metricas", { description: "Tiempos de espera y de respuesta de la sucursal." });
export type Metricas = z.infer<typeof Metricas>;

/** The documented example body: the seed's own figures (docs/guia-api.md#la-respuesta). */
const STATUS_EXAMPLE = {
  resumen_general: {
    chat_nuevos: 15, chat_pendientes: 5, chat_asignados: 22, chat_icarobot_ia: 8,
    chat_abiertos: 50, chat_cerrados: 1250, chat_en_espera_del_cliente: 3,
    chat_tiempo_espera_menos_10min: 12, chat_tiempo_espera_20min: 8,
    chat_tiempo_espera_30min: 6, chat_tiempo_espera_60min: 7, chat_tiempo_espera_mas_60min: 6,
  },
  detalle_por_tiempo_espera: {
    menos_10_minutos: [
      {
        id_resumen: 1001, id_cliente: "CLI001", departamento: "Ventas", numero_perfil: "+15551234567",
        numero_cliente: "+15559876543", nombre_cliente: "Juan Perez", estado: "nuevo" as const, agente: null,
        espera_desde: "2026-11-24T14:03:00.000Z", minutos_espera: 4,
      },
    ],
    de_10_a_20_minutos: [], de_20_a_30_minutos: [], de_30_a_60_minutos: [], mas_60_minutos: [],
  },
  metricas: { espera_maxima_min: 75, espera_promedio_min: 23.4, primera_respuesta_promedio_min: 6.2, nivel_servicio_pct: 87.5 },
  carga_por_agente: [{ agente: "ana", chats_asignados: 6, chats_esperando: 2 }],
  por_departamento: { Ventas: { chat_abiertos: 20, chat_esperando: 12 } },
  sucursal: { empresa: "icarosoft", sucursal: "mcbo1", nombre: "Maracaibo 1", zona_horaria: "America/Caracas" },
  version: 4711,
  generado_en: "2026-11-24T14:07:12.000Z",
};

export const StatusBody = z
  .object({
    resumen_general: ResumenGeneral,
    detalle_por_tiempo_espera: DetallePorTiempoEspera.optional(),
    metricas: Metricas,
    carga_por_agente: z
      .array(
        z.object({
          agente: z.string().openapi({ description: "Nombre del agente" }),
          chats_asignados: count("Chats abiertos de este agente, en cualquier estado"),
          chats_esperando: count("De ellos, los que esperan al negocio"),
        }),
      )
      .openapi({ description: "La carga de cada agente con chats abiertos" }),
    por_departamento: z
      .record(
        z.string(),
        z.object({ chat_abiertos: count("Chats abiertos del departamento"), chat_esperando: count("De ellos, los que esperan al negocio") }),
      )
      .openapi({ description: "Por departamento; los chats sin departamento van en \"Sin departamento\"" }),
    sucursal: z
      .object({
        empresa: z.string().openapi({ description: "Empresa" }),
        sucursal: z.string().openapi({ description: "Sucursal" }),
        nombre: z.string().openapi({ description: "Nombre para mostrar" }),
        zona_horaria: z.string().openapi({ description: "Zona horaria IANA: define la medianoche de los contadores del día" }),
      })
      .openapi({ description: "La sucursal consultada" }),
    version: z.number().int().openapi({ description: "Versión del estado: crece con cada cambio aplicado" }),
    generado_en: z.string().openapi({ description: "Momento en que se calcularon estas cifras (ISO 8601, UTC)" }),
  })
  .openapi("EstadoHelpdesk", { description: "La fotografía instantánea de la sucursal.", example: STATUS_EXAMPLE });
export type StatusBody = z.infer<typeof StatusBody>;

/**
 * The branch a read names. The token is not here: it comes as the `token` query parameter or as
 * `Authorization: Bearer`, which the OpenAPI document states as security schemes.
 */
export const BranchQuery = z.object({
  empresa: firstValue(Identifier.openapi({ description: "Empresa (tenant)", example: "icarosoft" })),
  sucursal: firstValue(Identifier.openapi({ description: "Sucursal de la empresa", example: "mcbo1" })),
});

const Formato = z.enum(["json", "csv"]).openapi({ description: "`csv`: text/csv (RFC 4180, UTF-8, fila de encabezado)", example: "csv" });

/** `GET /helpdesk-status/` query options (docs/guia-api.md#opciones-de-consulta). */
export const StatusQuery = BranchQuery.extend({
  departamento: firstValue(z.string().min(1).max(512).optional().openapi({ description: "Restringe cifras y listas a un departamento", example: "Ventas" })),
  detalle: firstValue(z.enum(["true", "false"]).optional().openapi({ description: "`false` omite detalle_por_tiempo_espera (consulta liviana)", example: "false" })),
  formato: firstValue(Formato.optional()),
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
  desde: firstValue(Instant.optional().openapi({ description: "Inicio (ISO 8601); por defecto hace 24 horas", example: "2026-11-24T00:00:00Z" })),
  hasta: firstValue(Instant.optional().openapi({ description: "Fin (ISO 8601); por defecto ahora; rango máximo 7 días", example: "2026-11-24T23:59:00Z" })),
  formato: firstValue(Formato.optional()),
}).superRefine((query, ctx) => {
  const { from, to } = serieRange(query);
  if (from > to || to - from > SERIE_RETENTION_MS) {
    ctx.addIssue({ code: "custom", path: ["desde"], message: "rango inválido", input: query.desde });
  }
});

/** One minute's sample: `resumen_general` and `metricas` flattened beside its instant. */
export const SeriePoint = z
  .object({ en: z.string().openapi({ description: "Inicio del minuto (ISO 8601, UTC)" }) })
  .extend(ResumenGeneral.shape)
  .extend(Metricas.shape)
  .openapi("PuntoSerie", { description: "Las cifras de un minuto: `en` (inicio del minuto, UTC), las de resumen_general y las de metricas." });
export type SeriePoint = z.infer<typeof SeriePoint>;

export const SerieBody = z
  .object({ puntos: z.array(SeriePoint).openapi({ description: "Un punto por minuto, el más antiguo primero" }) })
  .openapi("Serie", {
    example: {
      puntos: [
        {
          en: "2026-11-24T14:07:00.000Z",
          ...STATUS_EXAMPLE.resumen_general,
          ...STATUS_EXAMPLE.metricas,
        },
      ],
    },
  });
export type SerieBody = z.infer<typeof SerieBody>;

/**
 * `GET /helpdesk-status/metrics` query (docs/prometheus.md). `sucursal` is required with a branch
 * token; its absence is checked by the route's middleware, before this schema.
 */
export const MetricsQuery = z.object({
  empresa: firstValue(Identifier.openapi({ description: "Empresa (tenant)", example: "icarosoft" })),
  sucursal: firstValue(
    Identifier.optional().openapi({ description: "Sucursal de la empresa (obligatoria con un token de sucursal)", example: "mcbo1" }),
  ),
});
