/** Query options of the live WebSocket (CONTRACT §2), beyond the read checks of §1. */
import { z } from "@hono/zod-openapi";

export const LiveQuery = z.object({
  // Kept short: a socket's options ride in its hibernation attachment (2 KiB at most).
  departamento: z.string().min(1).max(128).optional(),
  detalle: z.enum(["true", "false"]).default("true"),
});
export type LiveQuery = z.infer<typeof LiveQuery>;
