/**
 * Alert rules of a branch (CONTRACT §5): the admin `PUT/GET …/alertas` bodies and the delivery
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
  .openapi("CanalAlerta");
export type AlertChannel = z.infer<typeof AlertChannel>;

/** Figures a branch-wide rule can watch: any key of `resumen_general` or `metricas`. */
export const BRANCH_METRICS = [...Object.keys(ResumenGeneral.shape), ...Object.keys(Metricas.shape)] as [string, ...string[]];
/** The one figure of a per-chat rule: the chat's current wait. */
export const CHAT_METRIC = "minutos_espera";

export const AlertRule = z
  .object({
    id: Identifier,
    alcance: z.enum(["sucursal", "chat"]).default("sucursal"),
    metrica: z.enum([...BRANCH_METRICS, CHAT_METRIC] as [string, ...string[]]),
    operador: z.enum([">", ">=", "<", "<="]),
    umbral: z.number().nonnegative(),
    departamento: z.string().min(1).max(512).optional(),
    canal: AlertChannel,
    enfriamiento_min: z.number().int().nonnegative().max(10_080).default(30),
    /** Also send a "resuelto" message when the condition stops holding (or the alerted chat stops waiting). */
    avisar_resuelto: z.boolean().default(false),
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
      .refine((rules) => new Set(rules.map((rule) => rule.id)).size === rules.length, "id de regla repetido"),
  })
  .strict()
  .openapi("ReglasAlerta");
export type AlertRulesInput = z.infer<typeof AlertRulesInput>;

/** The rules as stored; after a PUT, each new webhook rule's signing secret, shown only that once. */
export const AlertRulesView = z
  .object({
    reglas: z.array(AlertRule),
    secretos: z
      .record(z.string(), z.string())
      .optional()
      .openapi({ description: "Por id de regla webhook nueva: su secreto de firma HMAC-SHA256. Solo en la respuesta del PUT." }),
  })
  .openapi("ReglasAlertaGuardadas");
export type AlertRulesView = z.infer<typeof AlertRulesView>;

export const DELIVERY_RESULTS = ["pendiente", "entregada", "fallida"] as const;
export type DeliveryResult = (typeof DELIVERY_RESULTS)[number];

export const AlertDelivery = z
  .object({
    id: z.string(),
    regla: z.string(),
    canal: z.enum(["webhook", "slack", "email", "whatsapp"]),
    disparada_en: z.string(),
    mensaje: z.string(),
    resultado: z.enum(DELIVERY_RESULTS),
    intentos: z.number().int(),
    ultimo_intento_en: z.string().nullable(),
    estado_http: z.number().int().nullable(),
    error: z.string().nullable(),
    tipo: z.enum(["disparo", "resuelto"]).openapi({ description: "La alerta, o su aviso de resuelta" }),
    proximo_intento_en: z.string().nullable().openapi({ description: "Cuándo se reintenta una entrega pendiente" }),
  })
  .openapi("EntregaAlerta");
export type AlertDelivery = z.infer<typeof AlertDelivery>;

export const AlertHistory = z.object({ entregas: z.array(AlertDelivery).max(100) }).openapi("HistorialAlertas");
export type AlertHistory = z.infer<typeof AlertHistory>;
