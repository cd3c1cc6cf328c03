/**
 * The metric families of `GET /helpdesk-status/metrics` (docs/prometheus.md), in one table: each
 * family's name, Spanish HELP and the samples one branch gives it. `metricsExposition` takes a
 * list of branches (their `empresa`/`sucursal` labels and measures) so that several branches
 * share each family: one `# HELP`/`# TYPE`, then the samples of every branch.
 */
import type { BranchMeasures } from "../branch/snapshot";
import { ESTADOS } from "../schemas/common";
import { BUCKETS } from "../schemas/status";
import { type Family, type Labels, type Sample, writeExposition } from "./prometheus";

/** The labels every sample carries. */
export type BranchLabels = { empresa: string; sucursal: string };
export type MeasuredBranch = { labels: BranchLabels; measures: BranchMeasures };

type Row = { extra: Labels; value: number };
type FamilySpec = { name: string; help: string; rows: (m: BranchMeasures) => Row[] };

const one = (value: number): Row[] => [{ extra: {}, value }];

export const METRIC_FAMILIES: readonly FamilySpec[] = [
  {
    name: "helpdesk_chats_abiertos",
    help: "Chats abiertos por estado (nuevo, pendiente, asignado, icarobot_ia).",
    rows: (m) => ESTADOS.map((estado) => ({ extra: { estado }, value: m.open[estado] })),
  },
  {
    name: "helpdesk_chats_espera_cliente",
    help: "Chats abiertos en los que el negocio respondió último: esperan al cliente.",
    rows: (m) => one(m.waitingForCustomer),
  },
  {
    name: "helpdesk_chats_esperando",
    help: "Chats que esperan al negocio, por tramo de espera (menos_10_minutos … mas_60_minutos).",
    rows: (m) => BUCKETS.map((tramo) => ({ extra: { tramo }, value: m.waiting[tramo] })),
  },
  {
    name: "helpdesk_chats_cerrados_hoy",
    help: "Chats cerrados desde la medianoche local de la sucursal.",
    rows: (m) => one(m.closedToday),
  },
  {
    name: "helpdesk_espera_maxima_segundos",
    help: "La espera actual más larga de un chat que espera al negocio, en segundos (0 si nadie espera).",
    rows: (m) => one(m.longestWaitSeconds),
  },
  {
    name: "helpdesk_espera_promedio_segundos",
    help: "La espera actual promedio de los chats que esperan al negocio, en segundos (0 si nadie espera).",
    rows: (m) => one(m.meanWaitSeconds),
  },
  {
    name: "helpdesk_primera_respuesta_promedio_segundos",
    help: "Desde la medianoche local: tiempo promedio hasta la primera respuesta del negocio, en segundos.",
    rows: (m) => one(m.firstResponseMeanSeconds),
  },
  {
    name: "helpdesk_nivel_servicio_ratio",
    help: "Desde la medianoche local: fracción de esperas respondidas dentro del objetivo de la sucursal (1 si no hubo).",
    rows: (m) => one(m.serviceLevelRatio),
  },
  {
    name: "helpdesk_agente_chats",
    help: "Chats abiertos de cada agente, en cualquier estado.",
    rows: (m) => m.agents.map((agent) => ({ extra: { agente: agent.name }, value: agent.open })),
  },
  {
    name: "helpdesk_agente_chats_esperando",
    help: "De los chats abiertos de cada agente, los que esperan al negocio.",
    rows: (m) => m.agents.map((agent) => ({ extra: { agente: agent.name }, value: agent.waiting })),
  },
  {
    name: "helpdesk_departamento_chats_abiertos",
    help: "Chats abiertos de cada departamento (sin departamento: \"Sin departamento\").",
    rows: (m) => m.departments.map((d) => ({ extra: { departamento: d.name }, value: d.open })),
  },
  {
    name: "helpdesk_departamento_chats_esperando",
    help: "De los chats abiertos de cada departamento, los que esperan al negocio.",
    rows: (m) => m.departments.map((d) => ({ extra: { departamento: d.name }, value: d.waiting })),
  },
  {
    name: "helpdesk_snapshot_version",
    help: "Versión del estado de la sucursal de la que salen estas cifras: crece con cada cambio aplicado.",
    rows: (m) => one(m.version),
  },
];

/** The families of these branches, each family once with the samples of every branch in order. */
export function metricFamilies(branches: readonly MeasuredBranch[]): Family[] {
  return METRIC_FAMILIES.map((spec) => ({
    name: spec.name,
    help: spec.help,
    type: "gauge",
    samples: branches.flatMap(({ labels, measures }): Sample[] =>
      spec.rows(measures).map((row) => ({ labels: { empresa: labels.empresa, sucursal: labels.sucursal, ...row.extra }, value: row.value })),
    ),
  }));
}

export function metricsExposition(branches: readonly MeasuredBranch[]): string {
  return writeExposition(metricFamilies(branches));
}
