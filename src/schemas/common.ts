/** Identifiers and small shared schemas of the wire format. */
import { z } from "@hono/zod-openapi";
import { es } from "zod/locales";

export const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const Identifier = z.string().regex(IDENTIFIER);

/**
 * A query parameter read as the API always read it: when it is repeated, its first value (the
 * framework's validator hands over an array). The schema's documentation is kept.
 */
export function firstValue<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (Array.isArray(value) ? value[0] : value), schema);
}

/** The path of a company's resources, and of a branch's. */
export const EmpresaParams = z.object({
  empresa: Identifier.openapi({ description: "Identificador de la empresa", example: "icarosoft" }),
});
export const BranchParams = EmpresaParams.extend({
  sucursal: Identifier.openapi({ description: "Identificador de la sucursal", example: "mcbo1" }),
});

export const ESTADOS = ["nuevo", "pendiente", "asignado", "icarobot_ia"] as const;
export const Estado = z.enum(ESTADOS);
export type Estado = z.infer<typeof Estado>;

export const DEFAULT_TIME_ZONE = "America/Caracas";
export const DEFAULT_TARGET_MINUTES = 10;

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const TimeZone = z.string().min(1).max(64).refine(isTimeZone, "zona horaria IANA desconocida");

/** An ISO 8601 instant with an explicit offset (`Z` or `±hh:mm`). */
export const Instant = z.iso.datetime({ offset: true });

export const ErrorBody = z
  .object({ message: z.string().openapi({ description: "Qué falló, en español; nunca un detalle interno ni un token" }) })
  .openapi("Error", { example: { message: "Unauthorized: Token no válido" } });

/** A rejected body: the message plus one entry per invalid field (`indice` is the event's position). */
export const ValidationErrorBody = z
  .object({
    message: z.string().openapi({ description: "Qué falló: `Faltan parámetros requeridos: …`, `Parámetro inválido: …`, `Eventos inválidos`…" }),
    errores: z
      .array(
        z.object({
          indice: z.number().int().optional().openapi({ description: "Posición del evento en el lote (desde 0)" }),
          campo: z.string().openapi({ description: "El campo inválido (ruta con puntos)" }),
          mensaje: z.string().openapi({ description: "Por qué no es válido" }),
        }),
      )
      .optional()
      .openapi({ description: "En un cuerpo rechazado: un elemento por campo inválido" }),
  })
  .openapi("ErrorValidacion", { example: { message: "Faltan parámetros requeridos: token, sucursal" } });

export const HealthBody = z.object({ ok: z.literal(true).openapi({ description: "Siempre true" }) }).openapi("Salud", { example: { ok: true } });

// Validation messages reach API users, who read Spanish.
z.config(es());
