/**
 * Sending one alert over its channel: a signed webhook, a Slack incoming webhook, an email through
 * the `send_email` binding, or a WhatsApp Business Cloud API message. The network is reached only
 * through a `Transport`, so tests hand in their own and nothing leaves the machine.
 */
import { hex } from "../auth/crypto";
import type { AlertChannel } from "../schemas/alerts";
import { type AlertPayload, subject } from "./message";

export type OutgoingEmail = { from: string; to: string; raw: string };

export type Transport = {
  fetch(request: Request): Promise<Response>;
  sendEmail(email: OutgoingEmail): Promise<void>;
};

/** Deployment settings of the channels (wrangler.toml vars and the WhatsApp secret). */
export type ChannelSettings = {
  emailFrom: string;
  whatsappApiUrl: string;
  whatsappPhoneNumberId: string;
  whatsappToken: string;
};

/** One attempt's outcome; `httpStatus` is the receiver's answer, when there was one. */
export type Attempt = { ok: boolean; retry: boolean; error: string | null; httpStatus: number | null };

const failure = (error: string, retry: boolean, httpStatus: number | null = null): Attempt => ({ ok: false, retry, error, httpStatus });

export const DELIVERY_TIMEOUT_MS = 10_000;
export const MAX_ATTEMPTS = 6;
const RETRY_BASE_MS = 30_000;

/** Waits before attempt n+1: 30 s, 1 min, 2 min, 4 min, 8 min. */
export function backoffMs(attemptsMade: number): number {
  return RETRY_BASE_MS * 2 ** (attemptsMade - 1);
}

export const SIGNATURE_HEADER = "X-Helpdesk-Firma";
export const DELIVERY_HEADER = "X-Helpdesk-Entrega";

const encoder = new TextEncoder();

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`, as Stripe signs its webhooks. */
export async function signature(secret: string, body: string, unixSeconds: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${unixSeconds}.${body}`));
  return `t=${unixSeconds},v1=${hex(mac)}`;
}

function postJson(url: string, body: string, headers: Record<string, string> = {}): Request {
  return new Request(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "User-Agent": "helpdesk-status-alertas", ...headers },
    body,
  });
}

export async function webhookRequest(url: string, payload: AlertPayload, secret: string, now: number): Promise<Request> {
  const body = JSON.stringify(payload);
  const firma = await signature(secret, body, Math.floor(now / 1000));
  return postJson(url, body, { [SIGNATURE_HEADER]: firma, [DELIVERY_HEADER]: payload.id });
}

export function slackRequest(url: string, payload: AlertPayload): Request {
  return postJson(url, JSON.stringify({ text: payload.mensaje }));
}

export function whatsappRequest(numero: string, payload: AlertPayload, settings: ChannelSettings): Request {
  const url = `${settings.whatsappApiUrl.replace(/\/+$/, "")}/${encodeURIComponent(settings.whatsappPhoneNumberId)}/messages`;
  const body = {
    messaging_product: "whatsapp",
    to: numero.replace(/\D/g, ""),
    type: "text",
    text: { body: payload.mensaje },
  };
  return postJson(url, JSON.stringify(body), { Authorization: `Bearer ${settings.whatsappToken}` });
}

function base64Utf8(text: string): string {
  let binary = "";
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** A plain-text UTF-8 message (RFC 5322 + MIME), the form the `send_email` binding takes. */
export function emailMessage(to: string, payload: AlertPayload, settings: ChannelSettings, now: number): OutgoingEmail {
  const from = settings.emailFrom;
  const domain = from.split("@")[1] ?? "localhost";
  const body = base64Utf8(`${payload.mensaje}\r\n\r\n${JSON.stringify(payload, null, 2)}\r\n`).replace(/.{1,76}/g, "$&\r\n");
  const headers = [
    `From: Alertas Helpdesk <${from}>`,
    `To: <${to}>`,
    `Subject: =?UTF-8?B?${base64Utf8(subject(payload))}?=`,
    `Message-ID: <${payload.id}@${domain}>`,
    `Date: ${new Date(now).toUTCString()}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: base64",
    // RFC 3834: automatic mail, so auto-responders stay quiet.
    "Auto-Submitted: auto-generated",
  ];
  return { from, to, raw: `${headers.join("\r\n")}\r\n\r\n${body}` };
}

/** 5xx, 408 and 429 may heal; any other answer will not, so it is not retried. */
function httpAttempt(response: Response): Attempt {
  if (response.ok) return { ok: true, retry: false, error: null, httpStatus: response.status };
  const retry = response.status >= 500 || response.status === 408 || response.status === 429;
  return failure(`HTTP ${response.status}`, retry, response.status);
}

async function sendHttp(transport: Transport, request: Request): Promise<Attempt> {
  try {
    const response = await transport.fetch(new Request(request, { signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) }));
    // The body is not needed; reading it frees the connection.
    await response.body?.cancel();
    return httpAttempt(response);
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return failure(timedOut ? "Tiempo de espera agotado" : "Error de red", true);
  }
}

/** One attempt at delivering `payload` over `canal`. Never throws. */
export async function deliver(
  transport: Transport,
  canal: AlertChannel,
  payload: AlertPayload,
  secret: string | null,
  settings: ChannelSettings,
  now: number,
): Promise<Attempt> {
  switch (canal.tipo) {
    case "webhook":
      if (!secret) return failure("La regla no tiene secreto de firma", false);
      return sendHttp(transport, await webhookRequest(canal.url, payload, secret, now));
    case "slack":
      return sendHttp(transport, slackRequest(canal.url, payload));
    case "whatsapp":
      if (!settings.whatsappToken || !settings.whatsappPhoneNumberId) {
        return failure("WhatsApp no configurado (WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID)", false);
      }
      return sendHttp(transport, whatsappRequest(canal.numero, payload, settings));
    case "email":
      if (!settings.emailFrom) return failure("Email no configurado (ALERT_EMAIL_FROM)", false);
      try {
        await transport.sendEmail(emailMessage(canal.para, payload, settings, now));
        return { ok: true, retry: false, error: null, httpStatus: null };
      } catch (error) {
        // The binding's reasons (an unverified destination, say) carry no secret and help the admin.
        const reason = error instanceof Error ? error.message.slice(0, 200) : "desconocido";
        return failure(`Error al enviar email: ${reason}`, true);
      }
  }
}
