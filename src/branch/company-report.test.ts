/**
 * The branch's reports to its company (company-report.ts), with a sink the test holds: when a
 * report is due, and that a change acknowledged while a report is in flight is never left out.
 */
import { describe, expect, it } from "vitest";
import { ChatIndex } from "./chat-index";
import { CompanyReporter, REPORT_INTERVAL_MS, type ReportSink } from "./company-report";
import { type BranchSettings, type EventIdLedger, applyBatch, emptyState } from "./model";
import type { BranchReport } from "../schemas/company";

const SETTINGS: BranchSettings = { empresa: "e", sucursal: "s", nombre: "S", zona_horaria: "America/Caracas", objetivo_respuesta_min: 10 };
const NOW = Date.parse("2026-11-24T18:07:12.000Z");
/** Every change below has its own event id. */
const NEW_IDS: EventIdLedger = { claim: () => true, release: () => {} };

type Received = { report: BranchReport; deliver: () => void };
/** A sink that holds each report until the test delivers it. */
const heldSink = (received: Received[]) => (_empresa: string, report: BranchReport) =>
  new Promise<void>((resolve) => received.push({ report, deliver: resolve }));

/** An empty branch, its reporter, and `change`: one new chat applied as a batch, then told to the reporter. */
function reporting(sink: (received: Received[]) => ReportSink = heldSink) {
  const state = emptyState();
  const index = ChatIndex.of(state);
  const received: Received[] = [];
  const reporter = new CompanyReporter(() => ({ state, index, settings: SETTINGS }), sink(received));
  const change = (id: number, at: number) => {
    applyBatch(state, index, [{ id: `e${id}`, tipo: "chat.actualizado", at, chat: { id_resumen: id, estado: "nuevo" } }], SETTINGS, NEW_IDS);
    reporter.changed();
  };
  return { reporter, received, change };
}

describe("a branch's reports to its company", () => {
  it("are due at once after a wake-up, then one interval after the last one when something changed", async () => {
    const { reporter, received, change } = reporting();
    expect(reporter.timer.nextAt(NOW)).toBeLessThanOrEqual(NOW);
    const sent = reporter.timer.run(NOW);
    received[0].deliver();
    await sent;
    change(1, NOW);
    expect(reporter.timer.nextAt(NOW)).toBe(NOW + REPORT_INTERVAL_MS);
  });

  it("stay due after a change acknowledged while a report was in flight", async () => {
    const { reporter, received, change } = reporting();
    const sent = reporter.timer.run(NOW);
    expect(received).toHaveLength(1);
    change(1, NOW + 10);
    received[0].deliver();
    await sent;
    // The report that left holds version 0; the company must hear of version 1 one interval later, not at midnight.
    expect(received[0].report.version).toBe(0);
    expect(reporter.timer.nextAt(NOW + 20)).toBe(NOW + REPORT_INTERVAL_MS);
    const next = reporter.timer.run(NOW + REPORT_INTERVAL_MS);
    expect(received[1].report.version).toBe(1);
    received[1].deliver();
    await next;
  });

  it("are due again one interval later when the company could not be reached", async () => {
    const { reporter } = reporting(() => async () => {
      throw new Error("unreachable");
    });
    await reporter.timer.run(NOW);
    expect(reporter.timer.nextAt(NOW)).toBe(NOW + REPORT_INTERVAL_MS);
  });
});
