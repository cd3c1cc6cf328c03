/**
 * What an alert says: the JSON payload a webhook receives (documented in the README) and the Spanish
 * text that Slack, email and WhatsApp carry. Pure.
 */
import type { BranchSettings } from "../branch/model";
import type { AlertRule } from "../schemas/alerts";
import type { ChatDetalle } from "../schemas/status";

export type AlertKind = "disparo" | "resuelto";

/** The webhook body. `id` identifies the firing: retries reuse it, so a receiver can deduplicate. */
export type AlertPayload = {
  id: string;
  tipo: "alerta.disparada" | "alerta.resuelta";
  empresa: string;
  sucursal: string;
  nombre_sucursal: string;
  regla: { id: string; alcance: AlertRule["alcance"]; metrica: string; operador: AlertRule["operador"]; umbral: number; departamento: string | null };
  /** The figure that crossed (for a chat rule, the chat's minutes of waiting). */
  valor: number;
  chat: ChatDetalle | null;
  mensaje: string;
  ocurrido_en: string;
};

/** A firing before the outbox gives it an id. */
export type Firing = { ruleId: string; kind: AlertKind; payload: Omit<AlertPayload, "id"> };

function describeRule(rule: AlertRule): string {
  const where = rule.departamento ? `, departamento ${rule.departamento}` : "";
  return `${rule.metrica} ${rule.operador} ${rule.umbral}${where}`;
}

function describeChat(chat: ChatDetalle): string {
  const who = chat.nombre_cliente ?? chat.id_cliente ?? `#${chat.id_resumen}`;
  const details = [chat.numero_cliente, chat.departamento].filter((part) => part !== null);
  return details.length ? `${who} (${details.join(", ")})` : who;
}

function text(rule: AlertRule, kind: AlertKind, settings: BranchSettings, value: number, chat: ChatDetalle | null): string {
  const branch = settings.nombre;
  if (chat) {
    return kind === "disparo"
      ? `Alerta en ${branch}: el chat de ${describeChat(chat)} lleva ${chat.minutos_espera} ${chat.minutos_espera === 1 ? "minuto" : "minutos"} esperando respuesta (regla ${rule.id}).`
      : `Resuelto en ${branch}: el chat de ${describeChat(chat)} ya no espera respuesta (regla ${rule.id}).`;
  }
  return kind === "disparo"
    ? `Alerta en ${branch}: ${rule.metrica} = ${value} (regla ${rule.id}: ${describeRule(rule)}).`
    : `Resuelto en ${branch}: ${rule.metrica} = ${value} (regla ${rule.id}: ${describeRule(rule)}).`;
}

export function firing(
  rule: AlertRule,
  kind: AlertKind,
  settings: BranchSettings,
  now: number,
  value: number,
  chat: ChatDetalle | null = null,
): Firing {
  return {
    ruleId: rule.id,
    kind,
    payload: {
      tipo: kind === "disparo" ? "alerta.disparada" : "alerta.resuelta",
      empresa: settings.empresa,
      sucursal: settings.sucursal,
      nombre_sucursal: settings.nombre,
      regla: {
        id: rule.id,
        alcance: rule.alcance,
        metrica: rule.metrica,
        operador: rule.operador,
        umbral: rule.umbral,
        departamento: rule.departamento ?? null,
      },
      valor: value,
      chat,
      mensaje: text(rule, kind, settings, value, chat),
      ocurrido_en: new Date(now).toISOString(),
    },
  };
}

/** The subject line of an alert email. */
export function subject(payload: AlertPayload): string {
  const what = payload.tipo === "alerta.disparada" ? "Alerta" : "Resuelto";
  return `[${payload.nombre_sucursal}] ${what}: ${payload.regla.id}`;
}
