/**
 * `GET /helpdesk-status/serie`: the branch's history, one sample a minute for 7 days (CONTRACT §1),
 * as JSON points or one CSV row per minute. Same checks and errors as the snapshot; mounted, with
 * its 405, by the status router.
 */
import { z } from "@hono/zod-openapi";
import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { authorizeBranchRead } from "../auth/branch-token";
import { SERIES_RETENTION_MS } from "../branch/series";
import { branchStubFor } from "../branch/stub";
import { settingsOf } from "../config/store";
import { csvHeaders, serieCsv } from "../formats/tables";
import { SerieQuery } from "../schemas/status";
import { DAY } from "../utils/time";

export const DEFAULT_RANGE_MS = DAY;
export const MAX_RANGE_MS = SERIES_RETENTION_MS;

/**
 * The query with its range resolved: `hasta` defaults to now, `desde` to 24 hours before `hasta`.
 * A reversed range, or one over 7 days, is the fault of `desde`.
 */
export const SerieRequest = SerieQuery.transform((query, ctx) => {
  const to = query.hasta ? Date.parse(query.hasta) : Date.now();
  const from = query.desde ? Date.parse(query.desde) : to - DEFAULT_RANGE_MS;
  if (from > to || to - from > MAX_RANGE_MS) {
    ctx.issues.push({ code: "custom", path: ["desde"], message: "rango inválido", input: query.desde });
    return z.NEVER;
  }
  return { csv: query.formato === "csv", from, to };
});

export const serie = new Hono<AppEnv>();

serie.get("/", async (c) => {
  const { config, options } = await authorizeBranchRead(c, SerieRequest);
  const stub = branchStubFor(c.env, config);
  const body = { puntos: await stub.series(settingsOf(config), options.from, options.to) };
  c.header("Cache-Control", "no-cache");
  if (options.csv) return c.body(serieCsv(body), 200, csvHeaders(`helpdesk-status-serie-${config.empresa}-${config.sucursal}`));
  return c.json(body);
});
