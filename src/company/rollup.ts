/**
 * The company body (docs/empresa.md#la-respuesta) from its branches' latest reports. Pure: the same
 * branches, reports, options and instant always give the same body.
 *
 * - Each entry is the branch's own figures as reported (for `departamento`, that department's; zeros
 *   when the branch has no report yet or lacks the department).
 * - `resumen_general` is the key-by-key sum of the entries.
 * - `espera_maxima_min` is the entries' maximum; `espera_promedio_min` their means weighted by the
 *   sum of their five bucket counts; the day's first response and service level are computed over
 *   the union of the branches' day figures, as if one branch (100 when there were none).
 */
import type { BranchReport, CompanyBody, CompanyBranch, CompanyEntry, GroupFigures } from "../schemas/company";
import type { Metricas, ResumenGeneral } from "../schemas/status";
import { ResumenGeneral as ResumenSchema } from "../schemas/status";
import { MINUTE } from "../utils/time";

export type RollupOptions = { departamento?: string };

export const RESUMEN_KEYS = Object.keys(ResumenSchema.shape) as (keyof ResumenGeneral)[];
export const METRICAS_KEYS = ["espera_maxima_min", "espera_promedio_min", "primera_respuesta_promedio_min", "nivel_servicio_pct"] as const satisfies readonly (keyof Metricas)[];

const BUCKET_KEYS = [
  "chat_tiempo_espera_menos_10min",
  "chat_tiempo_espera_20min",
  "chat_tiempo_espera_30min",
  "chat_tiempo_espera_60min",
  "chat_tiempo_espera_mas_60min",
] as const satisfies readonly (keyof ResumenGeneral)[];

const round1 = (value: number) => Math.round(value * 10) / 10;

function zeroResumen(): ResumenGeneral {
  return Object.fromEntries(RESUMEN_KEYS.map((key) => [key, 0])) as ResumenGeneral;
}

/** The figures of a branch, or of one of its departments, with nothing in them. */
export function emptyFigures(): GroupFigures {
  return {
    resumen_general: zeroResumen(),
    metricas: { espera_maxima_min: 0, espera_promedio_min: 0, primera_respuesta_promedio_min: 0, nivel_servicio_pct: 100 },
    carga_por_agente: [],
    por_departamento: {},
    wait: { oldestSince: null, sumSince: "0", count: 0 },
    day: { firstResponseMs: 0, firstResponses: 0, answered: 0, answeredOnTime: 0 },
  };
}

/** The report's figures for the options: the branch's, or one department's (own property only). */
export function figuresOf(report: BranchReport | undefined, options: RollupOptions): GroupFigures {
  if (!report) return emptyFigures();
  if (options.departamento === undefined) return report.all;
  return Object.hasOwn(report.departments, options.departamento) ? report.departments[options.departamento] : emptyFigures();
}

const waitingCount = (resumen: ResumenGeneral) => BUCKET_KEYS.reduce((sum, key) => sum + resumen[key], 0);

export function rollup(
  empresa: string,
  branches: readonly CompanyBranch[],
  reports: ReadonlyMap<string, BranchReport>,
  options: RollupOptions,
  now: number,
): CompanyBody {
  const resumen = zeroResumen();
  let longest = 0;
  let weightedMean = 0;
  let waiting = 0;
  const day = { firstResponseMs: 0, firstResponses: 0, answered: 0, answeredOnTime: 0 };

  const ordered = [...branches].sort((a, b) => (a.sucursal < b.sucursal ? -1 : a.sucursal > b.sucursal ? 1 : 0));
  const sucursales: CompanyEntry[] = ordered.map((branch) => {
    const report = reports.get(branch.sucursal);
    const figures = figuresOf(report, options);
    for (const key of RESUMEN_KEYS) resumen[key] += figures.resumen_general[key];
    const count = waitingCount(figures.resumen_general);
    longest = Math.max(longest, figures.metricas.espera_maxima_min);
    weightedMean += figures.metricas.espera_promedio_min * count;
    waiting += count;
    day.firstResponseMs += figures.day.firstResponseMs;
    day.firstResponses += figures.day.firstResponses;
    day.answered += figures.day.answered;
    day.answeredOnTime += figures.day.answeredOnTime;
    return {
      sucursal: branch.sucursal,
      nombre: branch.nombre,
      zona_horaria: branch.zona_horaria,
      resumen_general: figures.resumen_general,
      metricas: figures.metricas,
      version: report?.version ?? 0,
      generado_en: new Date(report?.generatedAt ?? now).toISOString(),
    };
  });

  return {
    empresa,
    resumen_general: resumen,
    metricas: {
      espera_maxima_min: longest,
      espera_promedio_min: waiting ? round1(weightedMean / waiting) : 0,
      primera_respuesta_promedio_min: day.firstResponses ? round1(day.firstResponseMs / day.firstResponses / MINUTE) : 0,
      nivel_servicio_pct: day.answered ? round1((100 * day.answeredOnTime) / day.answered) : 100,
    },
    sucursales,
    generado_en: new Date(now).toISOString(),
  };
}
