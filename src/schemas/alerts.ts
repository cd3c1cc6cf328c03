/** Alert rules and delivery history (CONTRACT §5). */
import { z } from "@hono/zod-openapi";
import { IDENTIFIER } from "./common";
import { Metricas, ResumenGeneral } from "./status";

/** What a branch rule may watch: any figure of `resumen_general` or `metricas`. */
export const BRANCH_METRICS = [...Object.keys(ResumenGeneral.shape), ...Object.keys(Metricas.shape)] as const;
/** What a chat rule watches: the chat's current wait, in whole minutes as the status shows it. */
export const CHAT_METRIC = "minutos_espera";

export const OPERATORS = [">", ">=", "<", "<="] as const;
export type Operator = (typeof OPERATORS)[number];

const LOOPBACK_HOSTS = new Set(["localhost", "[::1]"]);

/** https anywhere; plain http only to a loopback address, for local testing. */
export function isAllowedChannelUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false;
  }
  if (url.protocol === "https:") return true;
  if (url.protocol !== "http:") return false;
  return LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(url.hostname);
}

const ChannelUrl = z
  .string()
  .max(2048)
  .refine(isAllowedChannelUrl, "la URL debe ser https (http solo a direcciones de loopback)");

export const Canal = z
  .discriminatedUnion("tipo", [
    z.object({ tipo: z.literal("webhook"), url: ChannelUrl }).strict(),
    z.object({ tipo: z.literal("slack"), url: ChannelUrl }).strict(),
    z.object({ tipo: z.literal("email"), para: z.email().max(254) }).strict(),
    z
      .object({ tipo: z.literal("whatsapp"), numero: z.string().regex(/^\+?[1-9]\d{6,14}$/, "número E.164, p. ej. +584141234567") })
      .strict(),
  ])
  .openapi("CanalAlerta");
export type Canal = z.infer<typeof Canal>;

export const Regla = z
  .object({
    id: z.string().regex(IDENTIFIER, "letras, dígitos, _ o -, hasta 64"),
    alcance: z.enum(["sucursal", "chat"]).default("sucursal"),
    metrica: z.string(),
    operador: z.enum(OPERATORS),
    umbral: z.number().min(0).max(1_000_000),
    departamento: z.string().min(1).max(512).optional(),
    canal: Canal,
    enfriamiento_min: z.number().min(0).max(10_080).default(30),
    /** Also send a "resuelto" message when the condition stops holding. */
    avisar_resuelto: z.boolean().default(false),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.alcance === "sucursal" && !(BRANCH_METRICS as readonly string[]).includes(rule.metrica)) {
      ctx.addIssue({ code: "custom", path: ["metrica"], message: "métrica desconocida: use una clave de resumen_general o metricas" });
    }
    if (rule.alcance === "chat") {
      if (rule.metrica !== CHAT_METRIC) {
        ctx.addIssue({ code: "custom", path: ["metrica"], message: `una regla de chat vigila ${CHAT_METRIC}` });
      }
      // A chat's wait only grows: "reaches the threshold" is the one question a chat rule asks.
      if (rule.operador !== ">" && rule.operador !== ">=") {
        ctx.addIssue({ code: "custom", path: ["operador"], message: "una regla de chat usa > o >=" });
      }
    }
  })
  .openapi("ReglaAlerta");
export type Regla = z.infer<typeof Regla>;

export const MAX_RULES = 50;

export const ReglasInput = z
  .object({ reglas: z.array(Regla).max(MAX_RULES) })
  .strict()
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.reglas.forEach((rule, index) => {
      if (seen.has(rule.id)) ctx.addIssue({ code: "custom", path: ["reglas", index, "id"], message: "id repetido" });
      seen.add(rule.id);
    });
  })
  .openapi("ReglasAlerta");

/** A rule as answered: a new webhook rule carries its signing secret, shown this once. */
export type ReglaVista = Regla & { secreto?: string };

export const DELIVERY_STATES = ["pendiente", "entregado", "fallido", "descartado"] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

export const Entrega = z
  .object({
    id: z.string(),
    regla_id: z.string(),
    tipo: z.enum(["disparo", "resuelto"]),
    canal: z.enum(["webhook", "slack", "email", "whatsapp"]),
    estado: z.enum(DELIVERY_STATES),
    intentos: z.number().int(),
    ultimo_error: z.string().nullable(),
    mensaje: z.string(),
    creado_en: z.string(),
    entregado_en: z.string().nullable(),
    proximo_intento_en: z.string().nullable(),
  })
  .openapi("EntregaAlerta");
export type Entrega = z.infer<typeof Entrega>;
