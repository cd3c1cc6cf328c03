/**
 * The flat tables behind `formato=csv` (docs/guia-api.md#csv): the snapshot as one row per waiting chat,
 * the company view as one row per branch, and
 * the history as one row per minute. Pure, so the column order is fixed in one place.
 */
import { DETAIL_FIELDS } from "../schemas/events";
import type { CompanyBody } from "../schemas/company";
import { BUCKETS, type ChatDetalle, Metricas, ResumenGeneral, type SerieBody, SeriePoint, type StatusBody } from "../schemas/status";
import { CSV_CONTENT_TYPE, type Cell, toCsv } from "./csv";

const CHAT_COLUMNS = ["id_resumen", ...DETAIL_FIELDS, "espera_desde"] as const satisfies readonly (keyof ChatDetalle)[];

export const STATUS_CSV_HEADER = ["bucket", "estado", "minutos_espera", ...CHAT_COLUMNS] as const;

/** One row per chat waiting for the business, bucket by bucket, each longest-waiting first. */
export function statusCsv(body: Pick<StatusBody, "detalle_por_tiempo_espera">): string {
  const lists = body.detalle_por_tiempo_espera;
  const rows: Cell[][] = [];
  for (const bucket of BUCKETS) {
    for (const chat of lists?.[bucket] ?? []) {
      rows.push([bucket, chat.estado, chat.minutos_espera, ...CHAT_COLUMNS.map((name) => chat[name])]);
    }
  }
  return toCsv(STATUS_CSV_HEADER, rows);
}

/** `en`, then every `resumen_general` key, then every `metricas` key, as in the JSON points. */
export const SERIE_CSV_HEADER = Object.keys(SeriePoint.shape) as (keyof SeriePoint)[];

export function serieCsv(body: SerieBody): string {
  return toCsv(SERIE_CSV_HEADER, body.puntos.map((point) => SERIE_CSV_HEADER.map((name) => point[name])));
}

const RESUMEN_COLUMNS = Object.keys(ResumenGeneral.shape) as (keyof ResumenGeneral)[];
const METRICAS_COLUMNS = Object.keys(Metricas.shape) as (keyof Metricas)[];

/** The company view's columns: the branch, every `resumen_general` key, every `metricas` key, its version. */
export const COMPANY_CSV_HEADER = ["sucursal", "nombre", "zona_horaria", ...RESUMEN_COLUMNS, ...METRICAS_COLUMNS, "version", "generado_en"] as const;

/** One row per branch, in the body's order, and no total row. */
export function companyCsv(body: CompanyBody): string {
  return toCsv(
    COMPANY_CSV_HEADER,
    body.sucursales.map((entry) => [
      entry.sucursal,
      entry.nombre,
      entry.zona_horaria,
      ...RESUMEN_COLUMNS.map((key) => entry.resumen_general[key]),
      ...METRICAS_COLUMNS.map((key) => entry.metricas[key]),
      entry.version,
      entry.generado_en,
    ]),
  );
}

/**
 * `inline`, so a browser shows it and a BI connector reads it; the file name says which branch it is.
 * `nosniff`: customer-written text must never be taken for HTML.
 */
export function csvHeaders(name: string): Record<string, string> {
  return {
    "Content-Type": CSV_CONTENT_TYPE,
    "Content-Disposition": `inline; filename="${name}.csv"`,
    "X-Content-Type-Options": "nosniff",
  };
}
