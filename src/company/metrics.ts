/**
 * The company form of `GET /helpdesk-status/metrics` (docs/prometheus.md): every branch of the
 * company in one exposition, from the reports its object holds. `reportMeasures` turns a report's
 * figures into the measures the branch's own object would give at the same version and instant
 * (waits in whole seconds at `now`, with the branch's own rounding rules, shared in
 * branch/snapshot.ts); a branch with no report yet gives zeros.
 */
import { type BranchMeasures, COUNT_KEYS, loadMeasures, startedWaitMs, timedMeasures, waitsTickUntil } from "../branch/snapshot";
import { metricsExposition } from "../formats/metrics";
import type { BranchReport, CompanyBranch, GroupFigures } from "../schemas/company";
import { BUCKETS, type Bucket } from "../schemas/status";
import { emptyFigures } from "./rollup";

/** A report's figures as measures at `now` (not before its `generatedAt`: its counts are as of then). */
export function reportMeasures(figures: GroupFigures, version: number, now: number): BranchMeasures {
  const r = figures.resumen_general;
  const { wait } = figures;
  return {
    version,
    at: now,
    open: { nuevo: r.chat_nuevos, pendiente: r.chat_pendientes, asignado: r.chat_asignados, icarobot_ia: r.chat_icarobot_ia },
    waitingForCustomer: r.chat_en_espera_del_cliente,
    waiting: Object.fromEntries(BUCKETS.map((bucket) => [bucket, r[COUNT_KEYS[bucket]]])) as Record<Bucket, number>,
    closedToday: r.chat_cerrados,
    ...timedMeasures(
      { oldestSince: wait.oldestSince, count: wait.count, totalMs: startedWaitMs(wait.count, BigInt(wait.sumSince), wait.later ?? [], now) },
      figures.day,
      now,
    ),
    ...loadMeasures(
      figures.carga_por_agente.map((load) => ({ name: load.agente, open: load.chats_asignados, waiting: load.chats_esperando })),
      Object.entries(figures.por_departamento).map(([name, load]) => ({ name, open: load.chat_abiertos, waiting: load.chat_esperando })),
    ),
  };
}

/** The exposition of every branch (in the order given), each family once; and until when it stays true. */
export function companyMetrics(
  empresa: string,
  branches: readonly CompanyBranch[],
  reports: ReadonlyMap<string, BranchReport>,
  now: number,
): { text: string; validUntil: number } {
  let waiting = 0;
  const measured = branches.map((branch) => {
    const report = reports.get(branch.sucursal);
    const figures = report?.all ?? emptyFigures();
    waiting += figures.wait.count;
    return { labels: { empresa, sucursal: branch.sucursal }, measures: reportMeasures(figures, report?.version ?? 0, now) };
  });
  return { text: metricsExposition(measured), validUntil: waitsTickUntil(waiting, now) };
}
