/**
 * docs/integracion.md as a property: whatever random events the helpdesk pushes (shuffled, duplicated,
 * late, across closes, reopenings and local midnight, over two branches of one empresa, with
 * reconciliations in between), each response's counts and each branch's snapshot equal what the
 * from-scratch reference model in `reference-model.ts` computes for the same requests at the
 * snapshot's own `generado_en`; and what each Durable Object holds in memory is what it stored.
 */
import { runInDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BranchStore } from "../src/branch/store";
import { branchObject, postEvents, provisionBranch, putChats, readStatus, uniqueName } from "./helpers";
import { ESTADOS, type RefEvent, type RefReconciliation, ReferenceBranch, lastLocalMidnight } from "./reference-model";

const ZONES = [
  "America/Caracas",
  "Asia/Kathmandu", // +05:45
  "Pacific/Kiritimati", // +14
  "Pacific/Pago_Pago", // -11
  "America/St_Johns", // -03:30 with DST
  "Europe/Madrid",
  "Australia/Lord_Howe", // half-hour DST
];

const MINUTE = 60_000;
const MAX_PAST_MIN = 47 * 60;
const MAX_FUTURE_MIN = 3;

/** When an event happened: near the branch's last local midnight, or anywhere in the past 47 hours. */
const when = fc.oneof(
  fc.record({ from: fc.constant("midnight" as const), minutes: fc.integer({ min: -240, max: 240 }), seconds: fc.constantFrom(0, 0, 30, 59) }),
  fc.record({ from: fc.constant("now" as const), minutes: fc.integer({ min: -MAX_FUTURE_MIN, max: MAX_PAST_MIN }), seconds: fc.constantFrom(0, 0, 30, 59) }),
);
type When = typeof when extends fc.Arbitrary<infer T> ? T : never;

const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined, freq: 2 });

const eventSpec = fc.record({
  branch: fc.constantFrom(0, 0, 1),
  id_resumen: fc.integer({ min: 1, max: 6 }),
  tipo: fc.constantFrom("chat.actualizado", "chat.actualizado", "chat.mensaje_cliente", "chat.mensaje_agente", "chat.cerrado"),
  when,
  estado: optional(fc.constantFrom(...ESTADOS)),
  departamento: optional(fc.constantFrom(null, "Ventas", "Soporte")),
  agente: optional(fc.constantFrom(null, "ana", "luis")),
  nombre_cliente: optional(fc.constantFrom("Juan Perez", "María")),
  /** For chat.actualizado: an explicit wait, minutes before the event, or null to clear it. */
  espera_desde: fc.option(fc.option(fc.integer({ min: 0, max: 90 }), { nil: null }), { nil: undefined, freq: 4 }),
});
type EventSpec = typeof eventSpec extends fc.Arbitrary<infer T> ? T : never;

/** A reconciliation sent before one of the requests; taken no earlier than the events sent so far. */
const reconciliationSpec = fc.record({
  branch: fc.constantFrom(0, 1),
  beforeRequest: fc.nat(),
  delaySeconds: fc.integer({ min: 0, max: 60 }),
  /** Its earliest instant, when few or no events came before it. */
  notBeforeMinutes: fc.integer({ min: 0, max: MAX_PAST_MIN }),
  chats: fc.uniqueArray(
    fc.record({
      id_resumen: fc.integer({ min: 1, max: 6 }),
      estado: fc.constantFrom(...ESTADOS),
      waitMinutes: fc.option(fc.integer({ min: 0, max: 120 }), { nil: null }),
      departamento: optional(fc.constantFrom(null, "Ventas", "Soporte")),
      agente: optional(fc.constantFrom(null, "ana", "luis")),
    }),
    { selector: (chat) => chat.id_resumen, maxLength: 4 },
  ),
  cerrados_hoy: fc.integer({ min: 0, max: 50 }),
});

/** The events, then how they are delivered: a shuffle with duplicates, cut into requests. */
const scenario = fc
  .record({
    zones: fc.tuple(fc.constantFrom(...ZONES), fc.constantFrom(...ZONES)),
    targets: fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 })),
    events: fc.array(eventSpec, { minLength: 1, maxLength: 45 }),
  })
  .chain((base) =>
    fc.record({
      base: fc.constant(base),
      order: fc.array(fc.integer(), { minLength: base.events.length, maxLength: base.events.length }),
      duplicates: fc.array(fc.tuple(fc.nat({ max: base.events.length - 1 }), fc.integer()), { maxLength: 15 }),
      cuts: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 60 }),
      reconciliations: fc.array(reconciliationSpec, { maxLength: 2 }),
    }),
  );

function instant(spec: When, now: number, midnight: number): number {
  const base = spec.from === "midnight" ? midnight : now;
  const sign = spec.from === "midnight" ? 1 : -1;
  let at = base + sign * spec.minutes * MINUTE + spec.seconds * 1000;
  // Mirror what the midnight window puts in the future back into the past; keep it all in range.
  if (at > now + MAX_FUTURE_MIN * MINUTE) at = now - (at - now);
  return Math.min(Math.max(at, now - MAX_PAST_MIN * MINUTE), now + MAX_FUTURE_MIN * MINUTE);
}

function toWire(spec: EventSpec, id: string, branch: { empresa: string; sucursal: string }, at: number) {
  const chat: Record<string, unknown> = { id_resumen: spec.id_resumen };
  for (const name of ["departamento", "agente", "nombre_cliente"] as const) if (spec[name] !== undefined) chat[name] = spec[name];
  if (spec.estado !== undefined && (spec.tipo === "chat.actualizado" || spec.tipo === "chat.mensaje_cliente")) chat.estado = spec.estado;
  if (spec.tipo === "chat.actualizado" && spec.espera_desde !== undefined) {
    chat.espera_desde = spec.espera_desde === null ? null : new Date(at - spec.espera_desde * MINUTE).toISOString();
  }
  return { id, tipo: spec.tipo, empresa: branch.empresa, sucursal: branch.sucursal, ocurrido_en: new Date(at).toISOString(), chat } as RefEvent & {
    empresa: string;
    sucursal: string;
  };
}

function reconciliationBody(spec: typeof reconciliationSpec extends fc.Arbitrary<infer T> ? T : never, takenAt: number): RefReconciliation {
  return {
    tomado_en: new Date(takenAt).toISOString(),
    chats: spec.chats.map(({ waitMinutes, departamento, agente, ...chat }) => ({
      ...chat,
      ...(departamento === undefined ? {} : { departamento }),
      ...(agente === undefined ? {} : { agente }),
      espera_desde: waitMinutes === null ? null : new Date(takenAt - waitMinutes * MINUTE).toISOString(),
    })),
    cerrados_hoy: spec.cerrados_hoy,
  };
}

describe("event ingestion against a from-scratch reference model", () => {
  it("answers every request's counts and serves every snapshot exactly as the reference computes them", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ base, order, duplicates, cuts, reconciliations }) => {
        const empresa = uniqueName("emp");
        const branches = [
          await provisionBranch({ zona_horaria: base.zones[0], objetivo_respuesta_min: base.targets[0] }, empresa),
          await provisionBranch({ zona_horaria: base.zones[1], objetivo_respuesta_min: base.targets[1] }, empresa),
        ];
        const references = [0, 1].map((i) => new ReferenceBranch(base.zones[i], base.targets[i]));

        const now = Date.now();
        const wire = base.events.map((spec, i) => {
          const midnight = lastLocalMidnight(now, base.zones[spec.branch]);
          return toWire(spec, `e${i}`, branches[spec.branch], instant(spec.when, now, midnight));
        });
        const deliveries = [...wire.map((_, i) => ({ i, key: order[i] })), ...duplicates.map(([i, key]) => ({ i, key }))]
          .sort((a, b) => a.key - b.key)
          .map(({ i }) => wire[i]);

        const requests: (typeof deliveries)[] = [];
        for (let start = 0, cut = 0; start < deliveries.length; cut += 1) {
          requests.push(deliveries.slice(start, start + cuts[cut % cuts.length]));
          start += requests[requests.length - 1].length;
        }
        const latestSent = [-Infinity, -Infinity];

        for (const [index, request] of requests.entries()) {
          for (const spec of reconciliations.filter((spec) => spec.beforeRequest % requests.length === index)) {
            const takenAt = Math.max(latestSent[spec.branch] + spec.delaySeconds * 1000, now - spec.notBeforeMinutes * MINUTE);
            const body = reconciliationBody(spec, takenAt);
            const expected = references[spec.branch].reconcile(body);
            latestSent[spec.branch] = Math.max(latestSent[spec.branch], takenAt);
            const response = await putChats(branches[spec.branch], body);
            expect(response.status).toBe(200);
            expect(await response.json()).toEqual(expected);
          }
          for (const event of request) {
            const i = event.sucursal === branches[0].sucursal ? 0 : 1;
            latestSent[i] = Math.max(latestSent[i], Date.parse(event.ocurrido_en));
          }
          const expected = { aceptados: 0, duplicados: 0, obsoletos: 0 };
          for (const [i, branch] of branches.entries()) {
            const counts = references[i].receive(request.filter((event) => event.sucursal === branch.sucursal));
            expected.aceptados += counts.aceptados;
            expected.duplicados += counts.duplicados;
            expected.obsoletos += counts.obsoletos;
          }
          const response = await postEvents(branches[0].key, { eventos: request });
          expect(response.status).toBe(200);
          expect(await response.json()).toEqual(expected);
        }

        for (const [i, branch] of branches.entries()) {
          const body = await readStatus(branch);
          const { carga_por_agente, ...rest } = references[i].snapshot(Date.parse(body.generado_en));
          expect({
            resumen_general: body.resumen_general,
            detalle_por_tiempo_espera: body.detalle_por_tiempo_espera,
            metricas: body.metricas,
            por_departamento: body.por_departamento,
            version: body.version,
          }).toEqual(rest);
          // The documentation fixes no order for the agents' list: compare it as a set.
          expect([...body.carga_por_agente].sort((a: any, b: any) => (a.agente < b.agente ? -1 : 1))).toEqual(carga_por_agente);
          // Nothing lives only in memory: a restart would load exactly this state.
          await runInDurableObject(branchObject(branch), (instance, state) => {
            expect(new BranchStore(state.storage.sql).load()).toEqual((instance as unknown as { state: unknown }).state);
          });
        }
      }),
      // Each run provisions two branches; the time limit keeps a failing run's shrinking bounded.
      { numRuns: 30, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true },
    );
  }, 120_000);
});
