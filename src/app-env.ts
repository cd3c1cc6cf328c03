/** The typed Hono environment shared by every router. */
export type AppEnv = { Bindings: Env };
