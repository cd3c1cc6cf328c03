/** The admin API's guard: `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time. */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { ApiError, MESSAGES } from "../errors";
import { bearerToken } from "./credentials";
import { digestsEqual, sha256Hex } from "./crypto";

export const requireAdmin = createMiddleware<AppEnv>(async function requireAdmin(c, next) {
  const expected = c.env.ADMIN_TOKEN;
  const presented = bearerToken(c.req.header("Authorization"));
  // With no ADMIN_TOKEN configured the admin API is closed, never open.
  if (!expected || !presented || !digestsEqual(await sha256Hex(presented), await sha256Hex(expected))) {
    throw new ApiError(401, MESSAGES.unauthorized);
  }
  await next();
});
