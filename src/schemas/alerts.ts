/**
 * Alert rules of a branch (docs/operations.md#alerts): the admin `PUT/GET …/alertas` bodies and the delivery
 * history of `GET …/alertas/historial`. Written ahead of the alerts work so the OpenAPI document
 * describes them; the alert routes validate with these same schemas.
 */
import { z } from "@hono/zod-openapi";
import { Identifier } from "./common";
import { Metricas, ResumenGeneral } from "./status";

/** Channel URLs are https; plain http only to a loopback address, for local testing. */
export function isAllowedChannelUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === "https:") return true;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return url.protocol === "http:" && (host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host));
}

const ChannelUrl = z
  .string()
  .max(2048)
  .refine(isAllowedChannelUrl, "debe ser https (http solo hacia una dirección local)");

export const AlertChannel = z
  .discriminatedUnion("tipo", [
    z.object({ tipo: z.literal("webhook"), url: ChannelUrl }).strict(),
    z.object({ tipo: z.literal("slack"), url: ChannelUrl }).strict(),
    z.object({ tipo: z.literal("email"), para: z.email() }).strict(),
    z.object({ tipo: z.literal("whatsapp"), numero: z.string().regex(/^\+[1-9]\d{6,14}$/) }).strict(),
  ])
  .openapi("CanalAlerta", {
    description:
      "Adónde va la alerta: `webhook` (POST JSON firmado con HMAC-SHA256 en `X-Helpdesk-Firma`), `slack` (incoming webhook), " +
      "`email` o `whatsapp`. Las URL deben ser https (http solo hacia una dirección local).",
  });
export type AlertChannel = z.infer<typeof AlertChannel>;

/** Figures a branch-wide rule can watch: any key of `resumen_general` or `metricas`. */
export const BRANCH_METRICS = [...Object.keys(ResumenGeneral.shape), ...Object.keys(Metricas.shape)] as [string, ...string[]];
/** The one figure of a per-chat rule: the chat's current wait. */
export const CHAT_METRIC = "minutos_espera";

export const AlertRule = z
  .object({
    id: Identifier.openapi({ description: "Identificador de la regla en la sucursal", example: "muchos-nuevos" }),
    alcance: z.enum(["sucursal", "chat"]).default("sucursal").openapi({
      description: "`sucursal`: vigila una cifra de la sucursal; `chat`: avisa una vez por cada chat cuya espera llega al umbral",
    }),
    metrica: z.enum([...BRANCH_METRICS, CHAT_METRIC] as [string, ...string[]]).openapi({
      description: "Una clave de resumen_general o metricas (alcance sucursal), o `minutos_espera` (alcance chat)",
      example: "chat_nuevos",
    }),
    operador: z.enum([">", ">=", "<", "<="]).openapi({ description: "Comparación con el umbral", example: ">" }),
    umbral: z.number().nonnegative().openapi({ description: "El valor que dispara la alerta", example: 20 }),
    departamento: z.string().min(1).max(512).optional().openapi({ description: "Solo los chats de este departamento" }),
    canal: AlertChannel,
    enfriamiento_min: z.number().int().nonnegative().max(10_080).default(30).openapi({ description: "Minutos sin repetir la alerta tras dispararse" }),
    /** Also send a "resuelto" message when the condition stops holding (or the alerted chat stops waiting). */
    avisar_resuelto: z.boolean().default(false).openapi({ description: "Avisar también cuando la condición deja de cumplirse" }),
  })
  .strict()
  .superRefine((rule, context) => {
    const chatScoped = rule.alcance === "chat";
    if (chatScoped !== (rule.metrica === CHAT_METRIC)) {
      context.addIssue({
        code: "custom",
        path: ["metrica"],
        message: chatScoped ? "una regla por chat usa minutos_espera" : "minutos_espera es solo para alcance chat",
      });
    }
    // A chat's wait only grows: "reaches the threshold" is the one question a chat rule can ask.
    if (chatScoped && rule.operador !== ">" && rule.operador !== ">=") {
      context.addIssue({ code: "custom", path: ["operador"], message: "una regla por chat usa > o >=" });
    }
  })
  .openapi("ReglaAlerta");
export type AlertRule = z.infer<typeof AlertRule>;

export const AlertRulesInput = z
  .object({
    reglas: z
      .array(AlertRule)
      .max(100)
      .refine((rules) => new Set(rules.map((rule) => rule.id)).size === rules.length, "id de regla repetido")
      .openapi({ description: "Todas las reglas de la sucursal (hasta 100, ids distintos): reemplazan a las anteriores" }),
  })
  .strict()
  .openapi("ReglasAlerta", {
    example: {
      reglas: [
        { id: "muchos-nuevos", metrica: "chat_nuevos", operador: ">", umbral: 20, canal: { tipo: "slack", url: "https://hooks.slack.com/services/T000/B000/XXXX" }, enfriamiento_min: 30 },
        { id: "supervisor-ventas", alcance: "chat", metrica: "minutos_espera", operador: ">=", umbral: 60, departamento: "Ventas", canal: { tipo: "email", para: "ventas@example.com" } },
      ],
    },
  });
export type AlertRulesInput = z.infer<typeof AlertRulesInput>;

/** The rules as stored; after a PUT, each new webhook rule's signing secret, shown only that once. */
export const AlertRulesView = z
  .object({
    reglas: z.array(AlertRule).openapi({ description: "Las reglas vigentes" }),
    secretos: z
      .record(z.string(), z.string())
      .optional()
      .openapi({ description: "Por id de regla webhook nueva: su secreto de firma HMAC-SHA256. Solo en la respuesta del PUT." }),
  })
  .openapi("ReglasAlertaGuardadas", {
    example: {
      reglas: [
        {
          id: "bi", alcance: "sucursal", metrica: "espera_maxima_min", operador: ">=", umbral: 60,
          canal: { tipo: "webhook", url: "https://example.com/alertas" }, enfriamiento_min: 30, avisar_resuelto: true,
        },
      ],
      secretos: { bi: "whsec_9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f" },
    },
  });
export type AlertRulesView = z.infer<typeof AlertRulesView>;

export const DELIVERY_RESULTS = ["pendiente", "entregada", "fallida"] as const;
export type DeliveryResult = (typeof DELIVERY_RESULTS)[number];

export const AlertDelivery = z
  .object({
    id: z.string().openapi({ description: "Id de la entrega (también en la cabecera `X-Helpdesk-Entrega`)" }),
    regla: z.string().openapi({ description: "Id de la regla" }),
    canal: z.enum(["webhook", "slack", "email", "whatsapp"]).openapi({ description: "Tipo de canal" }),
    disparada_en: z.string().openapi({ description: "Cuándo se disparó (ISO 8601)" }),
    mensaje: z.string().openapi({ description: "El texto enviado" }),
    resultado: z.enum(DELIVERY_RESULTS).openapi({ description: "pendiente, entregada o fallida" }),
    intentos: z.number().int().openapi({ description: "Intentos hechos" }),
    ultimo_intento_en: z.string().nullable().openapi({ description: "Cuándo fue el último intento" }),
    estado_http: z.number().int().nullable().openapi({ description: "Código HTTP de la última respuesta del canal" }),
    error: z.string().nullable().openapi({ description: "El último error, si hubo" }),
    tipo: z.enum(["disparo", "resuelto"]).openapi({ description: "La alerta, o su aviso de resuelta" }),
    proximo_intento_en: z.string().nullable().openapi({ description: "Cuándo se reintenta una entrega pendiente" }),
  })
  .openapi("EntregaAlerta");
export type AlertDelivery = z.infer<typeof AlertDelivery>;

export const AlertHistory = z
  .object({ entregas: z.array(AlertDelivery).max(100).openapi({ description: "Las últimas 100 entregas, la más reciente primero" }) })
  .openapi("HistorialAlertas", {
    example: {
      entregas: [
        {
          id: "0b5e6f7a8b9c0d1e", regla: "bi", canal: "webhook", disparada_en: "2026-11-24T15:07:00.000Z",
          mensaje: "Alerta en Maracaibo 1: espera_maxima_min = 60 (regla bi: espera_maxima_min >= 60).",
          resultado: "entregada", intentos: 1, ultimo_intento_en: "2026-11-24T15:07:00.200Z", estado_http: 204,
          error: null, tipo: "disparo", proximo_intento_en: null,
        },
      ],
    },
  });
export type AlertHistory = z.infer<typeof AlertHistory>;
