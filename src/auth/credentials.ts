/** Where a read's credential is: `?token=` first, else `Authorization: Bearer`. */
import type { Context } from "hono";

export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

export function presentedToken(c: Context): string | undefined {
  return c.req.query("token") || bearerToken(c.req.header("Authorization"));
}
