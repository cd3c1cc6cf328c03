/**
 * The company view (docs/empresa.md): its query and body, the admin view of a company, and the
 * `BranchReport` each branch's object sends its company's object (an internal RPC shape, English).
 */
import { z } from "@hono/zod-openapi";
import { Identifier, firstValue } from "./common";
import { Metricas, ResumenGeneral, StatusBody } from "./status";

/** The raw sums a roll-up and the metrics need beside a group's published figures. */
export const GroupFigures = z.object({
  resumen_general: ResumenGeneral,
  metricas: Metricas,
  carga_por_agente: StatusBody.shape.carga_por_agente,
  por_departamento: StatusBody.shape.por_departamento,
  wait: z.object({
    /** When the longest current wait began (ms), null when nobody waits for the business. */
    oldestSince: z.number().nullable(),
    /** Σ of the waits' start instants (ms), as a decimal string: it passes 2^53. */
    sumSince: z.string(),
    count: z.number().int(),
  }),
  /** Since local midnight: the first responses' total and count, and the service level's answered and on-time counts. */
  day: z.object({
    firstResponseMs: z.number(),
    firstResponses: z.number().int(),
    answered: z.number().int(),
    answeredOnTime: z.number().int(),
  }),
});
export type GroupFigures = z.infer<typeof GroupFigures>;

/**
 * A branch's light figures as its object computed them at `generatedAt`, for the whole branch and
 * for each department that has open chats or figures today. `version` is the branch state's; a
 * report replaces the stored one only when (version, generatedAt) is higher.
 */
export const BranchReport = z.object({
  sucursal: Identifier,
  version: z.number().int(),
  generatedAt: z.number(),
  all: GroupFigures,
  departments: z.record(z.string(), GroupFigures),
});
export type BranchReport = z.infer<typeof BranchReport>;

/** A provisioned branch as the company knows it. */
export type CompanyBranch = { sucursal: string; nombre: string; zona_horaria: string };

export const CompanyQuery = z.object({
  empresa: firstValue(Identifier.openapi({ description: "Empresa (tenant)", example: "icarosoft" })),
  departamento: firstValue(
    z.string().min(1).max(512).optional().openapi({ description: "Restringe las cifras de cada sucursal a un departamento (las que no lo tienen muestran ceros)", example: "Ventas" }),
  ),
  formato: firstValue(
    z.enum(["json", "csv"]).optional().openapi({ description: "`csv`: una fila por sucursal (RFC 4180, UTF-8, fila de encabezado, sin fila de totales)", example: "csv" }),
  ),
});
export type CompanyQuery = z.infer<typeof CompanyQuery>;

export const CompanyEntry = z
  .object({
    sucursal: z.string().openapi({ description: "Sucursal" }),
    nombre: z.string().openapi({ description: "Nombre para mostrar" }),
    zona_horaria: z.string().openapi({ description: "Zona horaria IANA de la sucursal" }),
    resumen_general: ResumenGeneral,
    metricas: Metricas,
    version: z.number().int().openapi({ description: "Versión del estado de la sucursal a la que corresponden estas cifras" }),
    generado_en: z.string().openapi({ description: "Momento en que se calcularon las cifras de esta sucursal (ISO 8601, UTC)" }),
  })
  .openapi("SucursalDeEmpresa", { description: "Las cifras de una sucursal: lo mismo que su estado con `detalle=false`." });
export type CompanyEntry = z.infer<typeof CompanyEntry>;

const RESUMEN_EXAMPLE = {
  chat_nuevos: 15, chat_pendientes: 5, chat_asignados: 22, chat_icarobot_ia: 8,
  chat_abiertos: 50, chat_cerrados: 1250, chat_en_espera_del_cliente: 3,
  chat_tiempo_espera_menos_10min: 12, chat_tiempo_espera_20min: 8,
  chat_tiempo_espera_30min: 6, chat_tiempo_espera_60min: 7, chat_tiempo_espera_mas_60min: 6,
};
const METRICAS_EXAMPLE = { espera_maxima_min: 75, espera_promedio_min: 23.4, primera_respuesta_promedio_min: 6.2, nivel_servicio_pct: 87.5 };

export const CompanyBody = z
  .object({
    empresa: z.string().openapi({ description: "Empresa" }),
    resumen_general: ResumenGeneral,
    metricas: Metricas,
    sucursales: z.array(CompanyEntry).openapi({ description: "Cada sucursal dada de alta, ordenada por `sucursal`; una sin chats aparece con ceros" }),
    generado_en: z.string().openapi({ description: "Momento en que se armó este resumen de empresa (ISO 8601, UTC)" }),
  })
  .openapi("EstadoEmpresa", {
    description:
      "Todas las sucursales de una empresa a la vez, con sus totales. `resumen_general`: cada contador sumado sobre las sucursales " +
      "(chat_cerrados: cada una en su propio día local). `metricas`: espera_maxima_min es la mayor de las sucursales; " +
      "espera_promedio_min, el promedio de todas las esperas de la empresa; primera_respuesta_promedio_min y nivel_servicio_pct, " +
      "sobre todas las esperas del día local de cada sucursal, como si fueran una sola.",
    example: {
      empresa: "icarosoft",
      resumen_general: RESUMEN_EXAMPLE,
      metricas: METRICAS_EXAMPLE,
      sucursales: [
        {
          sucursal: "mcbo1", nombre: "Maracaibo 1", zona_horaria: "America/Caracas",
          resumen_general: RESUMEN_EXAMPLE, metricas: METRICAS_EXAMPLE,
          version: 4711, generado_en: "2026-11-24T14:07:12.000Z",
        },
      ],
      generado_en: "2026-11-24T14:07:12.400Z",
    },
  });
export type CompanyBody = z.infer<typeof CompanyBody>;

/** A company as an administrator sees it: its branches and its company tokens' ids, never a token or hash. */
export const CompanyView = z
  .object({
    empresa: z.string().openapi({ description: "Empresa" }),
    sucursales: z
      .array(
        z.object({
          sucursal: z.string().openapi({ description: "Sucursal" }),
          nombre: z.string().openapi({ description: "Nombre para mostrar" }),
          zona_horaria: z.string().openapi({ description: "Zona horaria IANA" }),
        }),
      )
      .openapi({ description: "Las sucursales dadas de alta, ordenadas por `sucursal`" }),
    tokens: z
      .array(z.object({ id: z.string(), etiqueta: z.string().nullable(), creado_en: z.string() }))
      .openapi({ description: "Los tokens de empresa activos: id, etiqueta y fecha; nunca el token ni su hash" }),
  })
  .openapi("Empresa", {
    example: {
      empresa: "icarosoft",
      sucursales: [
        { sucursal: "bog1", nombre: "Bogotá 1", zona_horaria: "America/Bogota" },
        { sucursal: "mcbo1", nombre: "Maracaibo 1", zona_horaria: "America/Caracas" },
      ],
      tokens: [{ id: "5c1e9a7b3d2f4e60", etiqueta: "muro de la gerencia", creado_en: "2026-11-01T12:00:05.000Z" }],
    },
  });
export type CompanyView = z.infer<typeof CompanyView>;

/** Query of the company WebSocket: the company and, optionally, one department (kept short: it rides in the socket's attachment). */
export const CompanyLiveQuery = z.object({
  empresa: CompanyQuery.shape.empresa,
  departamento: firstValue(z.string().min(1).max(128).optional().openapi({ description: "Restringe las cifras de cada sucursal a un departamento", example: "Ventas" })),
});
