/**
 * docs/integracion.md#enviar-eventos counts, as the Durable Object records event ids in one statement per event:
 * applied ids are remembered, stale ones are not, and the three counts add up to the events sent.
 */
import { describe, expect, it } from "vitest";
import { event, provisionBranch, push } from "./helpers";

describe("aceptados, duplicados, obsoletos", () => {
  it("counts an event sent again, in a later request or the same one, as a duplicate", async () => {
    const branch = await provisionBranch();
    const first = event(branch, "chat.actualizado", { id_resumen: 1 });
    expect(await push(branch, first)).toEqual({ aceptados: 1, duplicados: 0, obsoletos: 0 });
    const second = event(branch, "chat.mensaje_agente", { id_resumen: 1 });
    expect(await push(branch, first, second, second)).toEqual({ aceptados: 1, duplicados: 2, obsoletos: 0 });
  });

  it("does not remember a stale event's id: sent again, it is stale again", async () => {
    const branch = await provisionBranch();
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 2 }, 1));
    const old = event(branch, "chat.mensaje_cliente", { id_resumen: 2 }, 5);
    expect(await push(branch, old)).toEqual({ aceptados: 0, duplicados: 0, obsoletos: 1 });
    expect(await push(branch, old)).toEqual({ aceptados: 0, duplicados: 0, obsoletos: 1 });
    expect(await push(branch, old, old)).toEqual({ aceptados: 0, duplicados: 0, obsoletos: 2 });
  });
});
