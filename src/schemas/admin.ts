/** Administration bodies (CONTRACT §4). */
import { z } from "@hono/zod-openapi";
import { LOCATION_HINTS } from "../branch/location";
import { TimeZone } from "./common";

export const BranchSettingsInput = z
  .object({
    nombre: z.string().min(1).max(200).optional(),
    zona_horaria: TimeZone.optional(),
    objetivo_respuesta_min: z.number().positive().max(1440).optional(),
    /** A Durable Object location hint; by default it follows `zona_horaria`. */
    ubicacion: z.enum(LOCATION_HINTS).optional(),
  })
  .strict()
  .openapi("ConfiguracionSucursal");

export const TokenInput = z
  .object({
    etiqueta: z.string().max(200).optional(),
    token: z.string().min(16).max(512).optional(),
  })
  .strict()
  .openapi("NuevoToken");

export const IngestKeyInput = z
  .object({ etiqueta: z.string().max(200).optional() })
  .strict()
  .openapi("NuevaClaveIngesta");

/** A branch as an administrator sees it: its settings and its tokens' ids, never a token or hash. */
export const BranchView = z
  .object({
    empresa: z.string(),
    sucursal: z.string(),
    nombre: z.string(),
    zona_horaria: z.string(),
    objetivo_respuesta_min: z.number(),
    ubicacion: z.enum(LOCATION_HINTS).nullable().openapi({ description: "Pista de ubicación del Durable Object (explícita o deducida de la zona horaria)" }),
    creado_en: z.string(),
    actualizado_en: z.string(),
    tokens: z.array(z.object({ id: z.string(), etiqueta: z.string().nullable(), creado_en: z.string() })),
  })
  .openapi("Sucursal");
export type BranchView = z.infer<typeof BranchView>;

export const TokenCreated = z
  .object({ id: z.string(), token: z.string().openapi({ description: "Se muestra solo esta vez." }) })
  .openapi("TokenCreado");
export type TokenCreated = z.infer<typeof TokenCreated>;

export const IngestKeyCreated = z
  .object({ id: z.string(), clave: z.string().openapi({ description: "Se muestra solo esta vez." }) })
  .openapi("ClaveIngestaCreada");
export type IngestKeyCreated = z.infer<typeof IngestKeyCreated>;
