/**
 * The one error type of the API. Anything thrown as an `ApiError` becomes its status and JSON body;
 * anything else becomes the contract's opaque 500 (see `onError` in index.ts).
 */
export type FieldError = { indice: number; campo: string; mensaje: string };

export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 426 | 429 | 500 | 503,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): Record<string, unknown> {
    return { message: this.message, ...this.extra };
  }
}

export const MESSAGES = {
  notFoundBranch: "No se encontró configuración para la empresa y sucursal indicadas",
  badToken: "Unauthorized: Token no válido",
  unauthorized: "Unauthorized",
  methodNotAllowed: "Método no permitido",
  internal: "Error interno",
  notFound: "Recurso no encontrado",
  invalidJson: "El cuerpo no es JSON válido",
  unsupportedMediaType: "Content-Type debe ser application/json",
  tooLarge: "El cuerpo supera el máximo de 1 MiB",
  invalidEvents: "Eventos inválidos",
  invalidBody: "Cuerpo inválido",
  upgradeRequired: "Se requiere una conexión WebSocket (Upgrade: websocket)",
  forbiddenBranch: "La clave de ingesta no pertenece a la empresa de la sucursal",
  missing: (names: string[]) => `Faltan parámetros requeridos: ${names.join(", ")}`,
  invalidParam: (name: string) => `Parámetro inválido: ${name}`,
  tooManyRequests: (seconds: number) =>
    `Demasiadas solicitudes, intente de nuevo en ${seconds} segundos`,
} as const;
