/** Administration bodies (docs/operations.md#administration). */
import { z } from "@hono/zod-openapi";
import { LOCATION_HINTS } from "../branch/location";
import { TimeZone } from "./common";

export const BranchSettingsInput = z
  .object({
    nombre: z.string().min(1).max(200).optional().openapi({ description: "Nombre para mostrar", example: "Maracaibo 1" }),
    zona_horaria: TimeZone.optional().openapi({ description: "Zona horaria IANA de la sucursal (por defecto America/Caracas)", example: "America/Caracas" }),
    objetivo_respuesta_min: z
      .number()
      .positive()
      .max(1440)
      .optional()
      .openapi({ description: "Minutos de respuesta del nivel de servicio (por defecto 10)", example: 10 }),
    /** A Durable Object location hint; by default it follows `zona_horaria`. */
    ubicacion: z.enum(LOCATION_HINTS).optional().openapi({ description: "Región donde vive el estado de la sucursal; por defecto la deducida de la zona horaria" }),
  })
  .strict()
  .openapi("ConfiguracionSucursal", { example: { nombre: "Maracaibo 1", zona_horaria: "America/Caracas", objetivo_respuesta_min: 10 } });

export const TokenInput = z
  .object({
    etiqueta: z.string().max(200).optional().openapi({ description: "Para qué es el token", example: "monitor de pared" }),
    token: z.string().min(16).max(512).optional().openapi({ description: "Un token ya entregado, para importarlo (16 caracteres o más)" }),
  })
  .strict()
  .openapi("NuevoToken", { example: { etiqueta: "monitor de pared" } });

export const IngestKeyInput = z
  .object({ etiqueta: z.string().max(200).optional().openapi({ description: "Para qué es la clave", example: "helpdesk" }) })
  .strict()
  .openapi("NuevaClaveIngesta", { example: { etiqueta: "helpdesk" } });

/** A branch as an administrator sees it: its settings and its tokens' ids, never a token or hash. */
export const BranchView = z
  .object({
    empresa: z.string().openapi({ description: "Empresa" }),
    sucursal: z.string().openapi({ description: "Sucursal" }),
    nombre: z.string().openapi({ description: "Nombre para mostrar" }),
    zona_horaria: z.string().openapi({ description: "Zona horaria IANA" }),
    objetivo_respuesta_min: z.number().openapi({ description: "Minutos de respuesta del nivel de servicio" }),
    ubicacion: z.enum(LOCATION_HINTS).nullable().openapi({ description: "Pista de ubicación del Durable Object (explícita o deducida de la zona horaria)" }),
    creado_en: z.string().openapi({ description: "Alta de la sucursal (ISO 8601)" }),
    actualizado_en: z.string().openapi({ description: "Último cambio de su configuración (ISO 8601)" }),
    tokens: z
      .array(z.object({ id: z.string(), etiqueta: z.string().nullable(), creado_en: z.string() }))
      .openapi({ description: "Los tokens activos: id, etiqueta y fecha; nunca el token ni su hash" }),
  })
  .openapi("Sucursal", {
    example: {
      empresa: "icarosoft",
      sucursal: "mcbo1",
      nombre: "Maracaibo 1",
      zona_horaria: "America/Caracas",
      objetivo_respuesta_min: 10,
      ubicacion: "enam",
      creado_en: "2026-11-01T12:00:00.000Z",
      actualizado_en: "2026-11-24T09:30:00.000Z",
      tokens: [{ id: "3f9a1c2e7b4d6a80", etiqueta: "monitor de pared", creado_en: "2026-11-01T12:00:05.000Z" }],
    },
  });
export type BranchView = z.infer<typeof BranchView>;

export const TokenCreated = z
  .object({
    id: z.string().openapi({ description: "Id del token, para revocarlo" }),
    token: z.string().openapi({ description: "El token. Se muestra solo esta vez: se guarda solo su hash SHA-256." }),
  })
  .openapi("TokenCreado", { example: { id: "3f9a1c2e7b4d6a80", token: "Zb3kq9V1xN0tR7mW2pL5sY8cH4dF6gJ1" } });
export type TokenCreated = z.infer<typeof TokenCreated>;

export const IngestKeyCreated = z
  .object({
    id: z.string().openapi({ description: "Id de la clave, para revocarla" }),
    clave: z.string().openapi({ description: "La clave (`hk_<id>_<secreto>`). Se muestra solo esta vez." }),
  })
  .openapi("ClaveIngestaCreada", { example: { id: "a1b2c3d4e5f60718", clave: "hk_a1b2c3d4e5f60718_q8Wn2Vb5Xk1Lz7Tr4Hs9Pd3Mf6Gc0Jy2Ae5Ru8Io1" } });
export type IngestKeyCreated = z.infer<typeof IngestKeyCreated>;
