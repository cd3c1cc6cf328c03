/** Query of the live WebSocket (docs/guia-api.md#en-vivo-websocket): the branch and its options. */
import { z } from "@hono/zod-openapi";
import { firstValue } from "./common";
import { BranchQuery } from "./status";

export const LiveQuery = BranchQuery.extend({
  // Kept short: a socket's options ride in its hibernation attachment (2 KiB at most).
  departamento: firstValue(z.string().min(1).max(128).optional().openapi({ description: "Restringe cifras y listas a un departamento", example: "Ventas" })),
  detalle: firstValue(z.enum(["true", "false"]).default("true").openapi({ description: "`false` omite `detalle_por_tiempo_espera` en cada mensaje" })),
});
export type LiveQuery = z.infer<typeof LiveQuery>;
