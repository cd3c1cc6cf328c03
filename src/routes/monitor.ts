/**
 * `GET /monitor/`: the self-contained wall-monitor page (docs/guia-api.md#monitor-de-pared). Its one inline script and one
 * inline style are allowed by their SHA-256 in a strict Content-Security-Policy, so nothing else can
 * run or load on the page; the token it reads from the URL fragment never leaves in a Referer.
 */
import page from "../monitor/monitor.html";
import { createRoute, createRouter, errorResponses, methodNotAllowed } from "./router";

export const monitor = createRouter();

/** The text between an element's tags, exactly as the browser hashes it. */
function inlineText(html: string, tag: "script" | "style"): string {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html);
  if (!match) throw new Error(`monitor page has no inline ${tag}`);
  return match[1];
}

async function sha256Source(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return `'sha256-${btoa(String.fromCharCode(...new Uint8Array(digest)))}'`;
}

let policy: Promise<string> | undefined;

/** Computed once per isolate: the page is a constant. */
export function contentSecurityPolicy(): Promise<string> {
  policy ??= (async () =>
    [
      "default-src 'none'",
      `script-src ${await sha256Source(inlineText(page, "script"))}`,
      `style-src ${await sha256Source(inlineText(page, "style"))}`,
      "connect-src 'self'",
      "img-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; "))();
  return policy;
}

/** The page reads its parameters in the browser: they are documented, never validated here. */
const pageParameter = (name: string, description: string, example: string) =>
  ({ name, in: "query" as const, required: false, description, schema: { type: "string" as const }, example });

const monitorRoute = createRoute({
  method: "get",
  path: "/",
  tags: ["lectura"],
  summary: "Página de monitor de pared",
  description:
    "Página autónoma en español, legible al otro lado de una sala en un televisor, alimentada por el WebSocket en vivo; " +
    "se reconecta sola y muestra cuándo supo del servidor por última vez. Los parámetros van en el fragmento " +
    "(`/monitor/#token=…&empresa=…&sucursal=…`), que no llega al servidor ni a sus registros; también se aceptan en la consulta. " +
    "Con un token de empresa y sin `sucursal` es el muro de la empresa: los totales y una tarjeta por sucursal, la de espera más larga primero.",
  parameters: [
    pageParameter("token", "Token de lectura de la sucursal, o de su empresa (mejor en el fragmento `#`)", "icadasd2cqgx123b"),
    pageParameter("empresa", "Empresa", "icarosoft"),
    pageParameter("sucursal", "Sucursal; sin ella, con un token de empresa, el muro de la empresa", "mcbo1"),
  ],
  responses: { 200: { description: "La página", content: { "text/html": { schema: { type: "string" } } } }, ...errorResponses(405) },
});

monitor.openapi(monitorRoute, async (c) => {
  c.header("Content-Security-Policy", await contentSecurityPolicy());
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Cache-Control", "no-cache");
  return c.html(page);
});

monitor.all("/", methodNotAllowed("GET, HEAD"));
