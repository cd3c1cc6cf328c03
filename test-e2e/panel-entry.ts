/**
 * The Worker as the panel's browser test runs it (test-e2e/panel.e2e.mjs, never deployed): the
 * product's, plus `POST /__test/replay` (admin token required), which writes recorded minutes of
 * figures into a branch's history through the history's own writer (SeriesStore, pointOf), so the
 * test gets 7 days of history without waiting 7 days. The production entry (src/index.ts) has no
 * such route.
 */
import app, { Branch as ProductBranch } from "../src/index";
import { Hono } from "hono";
import type { AppEnv } from "../src/app-env";
import { requireAdmin } from "../src/auth/admin";
import { pointOf, SeriesStore } from "../src/branch/series";
import type { Metricas, ResumenGeneral } from "../src/schemas/status";

export { Company } from "../src/index";

export type RecordedMinute = { en: string; resumen_general: ResumenGeneral; metricas: Metricas };

export class Branch extends ProductBranch {
  /** Writes each recorded minute as the once-a-minute sampler would have. */
  async replayHistory(minutes: RecordedMinute[]): Promise<number> {
    const store = new SeriesStore(this.ctx.storage.sql);
    this.ctx.storage.transactionSync(() => {
      for (const { en, ...figures } of minutes) store.write(Date.parse(en), pointOf(Date.parse(en), figures));
    });
    return minutes.length;
  }
}

const replay = new Hono<AppEnv>();
replay.post("/__test/replay", requireAdmin, async (c) => {
  const { empresa, sucursal, minutos } = await c.req.json<{ empresa: string; sucursal: string; minutos: RecordedMinute[] }>();
  const namespace = c.env.BRANCH as unknown as DurableObjectNamespace<Branch>;
  return c.json({ escritos: await namespace.getByName(`${empresa}/${sucursal}`).replayHistory(minutos) });
});
replay.onError((error, c) => c.json({ message: error.message }, 401));

export default {
  fetch(request: Request, env: Env, ctx: ExecutionContext): Response | Promise<Response> {
    return new URL(request.url).pathname === "/__test/replay" ? replay.fetch(request, env, ctx) : app.fetch(request, env, ctx);
  },
};
