/**
 * docs/operations.md#alerts with the day's figures: rules over figures that reset at local midnight
 * (`chat_cerrados`, the day's first-response mean and service level) are looked at again at the
 * branch's local midnight with no event. The clock is faked (`Date` only): in the test pool the
 * Durable Object shares the test's isolate, so it reads the same clock.
 */
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { flushAlerts, interceptAlerts, putRules, stubOf, webhookRule } from "./alert-helpers";
import { eventAt, provisionBranch, push } from "./helpers";

const MINUTE = 60_000;
/** 22:30 in Caracas (UTC-4), in the future so the runtime never runs the alarm by itself. */
const EVENING = Date.parse("2027-03-10T22:30:00-04:00");
const MIDNIGHT = Date.parse("2027-03-11T00:00:00-04:00");

afterEach(() => vi.useRealTimers());

describe("daily-figure rules at local midnight", () => {
  it("resolve when the day's figures reset, with no event", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(EVENING);
    const branch = await provisionBranch({ zona_horaria: "America/Caracas" });
    const outbound = await interceptAlerts(branch);
    await putRules(branch, [
      webhookRule("cerrados", { metrica: "chat_cerrados", operador: ">=", umbral: 1, avisar_resuelto: true }),
      webhookRule("respuesta", { metrica: "primera_respuesta_promedio_min", operador: ">=", umbral: 20, avisar_resuelto: true }),
    ]);
    await push(
      branch,
      eventAt(branch, "chat.actualizado", { id_resumen: 1 }, EVENING - 20 * MINUTE),
      eventAt(branch, "chat.cerrado", { id_resumen: 1 }, EVENING - 10 * MINUTE),
      eventAt(branch, "chat.actualizado", { id_resumen: 2 }, EVENING - 30 * MINUTE),
      eventAt(branch, "chat.mensaje_agente", { id_resumen: 2 }, EVENING - 5 * MINUTE),
    );
    await flushAlerts(branch);
    const sent = () => outbound.requests.map((request) => JSON.parse(request.body)).map((p) => [p.regla.id, p.tipo, p.valor]);
    expect(sent().sort()).toEqual([["cerrados", "alerta.disparada", 1], ["respuesta", "alerta.disparada", 25]]);

    await runInDurableObject(stubOf(branch), async (_, state) => {
      expect(await state.storage.getAlarm()).toBeLessThanOrEqual(MIDNIGHT);
    });
    vi.setSystemTime(MIDNIGHT - 1_000);
    await flushAlerts(branch);
    expect(outbound.requests).toHaveLength(2);

    vi.setSystemTime(MIDNIGHT + 1_000);
    await flushAlerts(branch);
    expect(sent().slice(2).sort()).toEqual([["cerrados", "alerta.resuelta", 0], ["respuesta", "alerta.resuelta", 0]]);
  });

});
