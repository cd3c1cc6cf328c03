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
