/**
 * docs/guia-api.md#campos: `chat_cerrados` and the day's metrics count from local midnight in the branch's
 * `zona_horaria` (DST-correct), and reset at that midnight with no event needed.
 *
 * Some tests move the clock with `vi.setSystemTime`: in the test pool the Durable Object runs in the
 * same isolate as the test, so it reads the same (fake) `Date`.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { eventAt, provisionBranch, push, readStatus, type TestBranch } from "./helpers";
import { lastLocalMidnight, localDay } from "./reference-model";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Minutes since local midnight, now, in a zone. */
function localMinutes(now: number, zone: string): number {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(now);
  const value = (type: string) => Number(parts.find((part) => part.type === type)!.value);
  return value("hour") * 60 + value("minute");
}

/** An IANA zone whose local time now lies in [from, to) minutes after midnight. */
function zoneWhereLocalTimeIs(now: number, from: number, to: number): string {
  const zone = Intl.supportedValuesOf("timeZone").find((name) => {
    const minutes = localMinutes(now, name);
    return minutes >= from && minutes < to;
  });
  if (!zone) throw new Error(`no zone with local time in [${from}, ${to}) minutes`);
  return zone;
}

/** Closes chat 1 just before the zone's last local midnight and chat 2 just after it. */
async function closeAroundMidnight(branch: TestBranch, midnight: number) {
  await push(
    branch,
    eventAt(branch, "chat.actualizado", { id_resumen: 1 }, midnight - 30 * MINUTE),
    eventAt(branch, "chat.cerrado", { id_resumen: 1 }, midnight - 5 * MINUTE),
    eventAt(branch, "chat.actualizado", { id_resumen: 2 }, midnight - 20 * MINUTE),
    eventAt(branch, "chat.cerrado", { id_resumen: 2 }, midnight + 2 * MINUTE),
  );
}

afterEach(() => vi.useRealTimers());

describe("closed since local midnight", () => {
  it("counts a close after the branch's local midnight and not one before it", async () => {
    const now = Date.now();
    const zone = zoneWhereLocalTimeIs(now, 10, 5 * 60);
    const branch = await provisionBranch({ zona_horaria: zone });
    await closeAroundMidnight(branch, lastLocalMidnight(now, zone));
    expect((await readStatus(branch)).resumen_general.chat_cerrados).toBe(1);
  });

  it("counts both closes in a zone whose midnight did not fall between them", async () => {
    const now = Date.now();
    const midnightZone = zoneWhereLocalTimeIs(now, 10, 5 * 60);
    const afternoonZone = zoneWhereLocalTimeIs(now, 12 * 60, 20 * 60);
    const branch = await provisionBranch({ zona_horaria: afternoonZone });
    await closeAroundMidnight(branch, lastLocalMidnight(now, midnightZone));
    expect((await readStatus(branch)).resumen_general.chat_cerrados).toBe(2);
  });

  it("counts only today's answers in the service level and first-response figures", async () => {
    const now = Date.now();
    const zone = zoneWhereLocalTimeIs(now, 30, 5 * 60);
    const midnight = lastLocalMidnight(now, zone);
    const branch = await provisionBranch({ zona_horaria: zone, objetivo_respuesta_min: 10 });
    await push(
      branch,
      // Yesterday: answered late (50 minutes).
      eventAt(branch, "chat.actualizado", { id_resumen: 1 }, midnight - 60 * MINUTE),
      eventAt(branch, "chat.mensaje_agente", { id_resumen: 1 }, midnight - 10 * MINUTE),
      // Today: answered within the target (4 minutes).
      eventAt(branch, "chat.actualizado", { id_resumen: 2 }, midnight + 10 * MINUTE),
      eventAt(branch, "chat.mensaje_agente", { id_resumen: 2 }, midnight + 14 * MINUTE),
    );
    expect((await readStatus(branch)).metricas).toMatchObject({ nivel_servicio_pct: 100, primera_respuesta_promedio_min: 4 });
  });

  it("resets at the next local midnight with no event, keeping the open chats", async () => {
    const zone = "America/Caracas";
    const branch = await provisionBranch({ zona_horaria: zone });
    const now = Date.now();
    await push(
      branch,
      eventAt(branch, "chat.actualizado", { id_resumen: 1 }, now - 2 * MINUTE),
      eventAt(branch, "chat.cerrado", { id_resumen: 1 }, now - MINUTE),
      eventAt(branch, "chat.actualizado", { id_resumen: 2 }, now),
    );
    const before = await readStatus(branch);
    expect(before.resumen_general).toMatchObject({ chat_cerrados: 1, chat_abiertos: 1 });

    const nextMidnight = lastLocalMidnight(now + 25 * HOUR, zone);
    expect(localDay(nextMidnight, zone)).not.toBe(localDay(now, zone));
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(nextMidnight - 1000);
    expect((await readStatus(branch)).resumen_general.chat_cerrados).toBe(1);
    vi.setSystemTime(nextMidnight + 1000);
    const after = await readStatus(branch);
    expect(after.resumen_general).toMatchObject({ chat_cerrados: 0, chat_abiertos: 1 });
    expect(after.version).toBe(before.version);
  });

  it("finds local midnight across a DST change (America/New_York, 8 March 2026)", async () => {
    // That day starts at 05:00Z (EST, UTC-5); the clocks go forward at 07:00Z.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.parse("2026-03-08T14:00:00Z"));
    const branch = await provisionBranch({ zona_horaria: "America/New_York" });
    await push(
      branch,
      eventAt(branch, "chat.cerrado", { id_resumen: 1 }, Date.parse("2026-03-08T04:30:00Z")),
      eventAt(branch, "chat.cerrado", { id_resumen: 2 }, Date.parse("2026-03-08T05:30:00Z")),
      eventAt(branch, "chat.cerrado", { id_resumen: 3 }, Date.parse("2026-03-08T13:00:00Z")),
    );
    expect((await readStatus(branch)).resumen_general.chat_cerrados).toBe(2);
    // The next day starts at 04:00Z (EDT, UTC-4).
    vi.setSystemTime(Date.parse("2026-03-09T03:59:00Z"));
    expect((await readStatus(branch)).resumen_general.chat_cerrados).toBe(2);
    vi.setSystemTime(Date.parse("2026-03-09T04:01:00Z"));
    expect((await readStatus(branch)).resumen_general.chat_cerrados).toBe(0);
  });
});
