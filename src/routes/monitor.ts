/**
 * `GET /monitor/`: the self-contained wall-monitor page (docs/guia-api.md#monitor-de-pared). Its one inline script and one
 * inline style are allowed by their SHA-256 in a strict Content-Security-Policy (src/http/page-policy.ts), so nothing
 * else can run or load on the page; the token it reads from the URL fragment never leaves in a Referer.
 */
import page from "../monitor/monitor.html";
import { pagePolicy, servePage } from "../http/page-policy";
import { createRoute, createRouter, errorResponses, methodNotAllowed, pageParameter } from "./router";

export const monitor = createRouter();

const policy = pagePolicy(page);

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

monitor.openapi(monitorRoute, (c) => servePage(c, page, policy));

monitor.all("/", methodNotAllowed("GET, HEAD"));
