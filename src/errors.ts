/**
 * The one error type of the API. Anything thrown as an `ApiError` becomes its status and JSON body;
 * anything else becomes the contract's opaque 500 (see `onError` in index.ts).
 */
export type FieldError = { indice?: number; campo: string; mensaje: string };

export type ApiErrorOptions = {
  /** One entry per invalid field of a rejected body. */
  errores?: FieldError[];
  /** Response headers the status calls for (`Allow`, `Retry-After`, `Upgrade`). */
  headers?: Record<string, string>;
};

export class ApiError extends Error {
  readonly errores?: FieldError[];
  readonly headers: Record<string, string>;

  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 426 | 429,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(message);
    this.errores = options.errores;
    this.headers = options.headers ?? {};
  }

  body(): { message: string; errores?: FieldError[] } {
    return this.errores ? { message: this.message, errores: this.errores } : { message: this.message };
  }
}

export const MESSAGES = {
  notFoundBranch: "No se encontró configuración para la empresa y sucursal indicadas",
  notFoundCompany: "No se encontró configuración para la empresa indicada",
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
  tokenAlreadyActive: "El token ya está activo en esta sucursal",
  companyTokenAlreadyActive: "El token ya está activo en esta empresa",
  tokenNotFound: "Token no encontrado",
  ingestKeyNotFound: "Clave de ingesta no encontrada",
  batchSize: (max: number, received: number) => `Un lote lleva de 1 a ${max} eventos (se recibieron ${received})`,
  missing: (names: string[]) => `Faltan parámetros requeridos: ${names.join(", ")}`,
  invalidParam: (name: string) => `Parámetro inválido: ${name}`,
  tooManyRequests: (seconds: number) =>
    `Demasiadas solicitudes, intente de nuevo en ${seconds} segundos`,
} as const;
