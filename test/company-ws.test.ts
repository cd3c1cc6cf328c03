/** docs/empresa.md#en-vivo: the company WebSocket — the company read's checks before the upgrade, the body on connect and after a branch changes. */
import { describe, expect, it } from "vitest";
import { admin, call, event, expectError, provisionBranch, push, uniqueName } from "./helpers";

async function company(count: number) {
  const empresa = uniqueName("emp");
  const branches = [];
  for (let i = 0; i < count; i++) branches.push(await provisionBranch({}, empresa));
  const { token, id } = await (await admin("POST", `/empresas/${empresa}/tokens`, {})).json<{ token: string; id: string }>();
  return { empresa, branches, token, tokenId: id };
}

const wsPath = (empresa: string, token: string) => `/helpdesk-status/empresa/ws?${new URLSearchParams({ token, empresa })}`;

/** The bodies a socket receives, read until one satisfies `check` (bounded: a hung socket fails the test). */
function bodies(ws: WebSocket) {
  const queue: any[] = [];
  let wake: (() => void) | null = null;
  ws.accept();
  ws.addEventListener("message", (message) => {
    queue.push(JSON.parse(message.data as string));
    wake?.();
  });
  return async function until(check: (body: any) => boolean, timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = queue.find(check);
      if (found) return found;
      if (Date.now() > deadline) throw new Error("no such message");
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 200);
      });
    }
  };
}

describe("GET /helpdesk-status/empresa/ws", () => {
  it("refuses before the upgrade as the company read does", async () => {
    const { empresa, branches, token } = await company(1);
    const upgrade = { headers: { Upgrade: "websocket" } };
    await expectError("/helpdesk-status/empresa/ws", 400, "Faltan parámetros requeridos: token, empresa", upgrade);
    await expectError(wsPath(uniqueName("none"), token), 404, "No se encontró configuración para la empresa indicada", upgrade);
    await expectError(wsPath(empresa, branches[0].token), 401, "Unauthorized: Token no válido", upgrade);
    const plain = await call(wsPath(empresa, token));
    expect(plain.status).toBe(426);
    expect(plain.headers.get("Upgrade")).toBe("websocket");
  });

  it("sends the company body on connect and again after a branch changes", async () => {
    const { empresa, branches, token } = await company(2);
    const response = await call(wsPath(empresa, token), { headers: { Upgrade: "websocket" } });
    expect(response.status).toBe(101);
    const until = bodies(response.webSocket!);
    const first = await until(() => true);
    expect(first.empresa).toBe(empresa);
    expect(first.sucursales.map((entry: any) => entry.sucursal)).toEqual(branches.map((branch) => branch.sucursal).sort());

    const [a] = branches;
    await push(a, event(a, "chat.actualizado", { id_resumen: 7 }, 2));
    const changed = await until((body) => body.resumen_general.chat_nuevos === 1);
    expect(changed.sucursales.find((entry: any) => entry.sucursal === a.sucursal).resumen_general.chat_nuevos).toBe(1);
    response.webSocket!.close(1000, "fin");
  });
});
