/** docs/guia-api.md#en-vivo-websocket: the live WebSocket — checks before the upgrade, snapshots on connect, on change, on the minute. */
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { admin, branchObject, call, event, provisionBranch, push, readStatus, setClock, type TestBranch, uniqueName } from "./helpers";

const WAIT_MS = 5_000;

function wsPath(branch: Pick<TestBranch, "empresa" | "sucursal" | "token">, extra = ""): string {
  const query = new URLSearchParams({ token: branch.token, empresa: branch.empresa, sucursal: branch.sucursal });
  return `/helpdesk-status/ws?${query}${extra}`;
}

function upgrade(path: string): Promise<Response> {
  return call(path, { headers: { Upgrade: "websocket" } });
}

/** A client socket whose messages queue up, read one at a time with a bounded wait. */
class Client {
  readonly received: { at: number; data: string }[] = [];
  private read = 0;
  private waiters: (() => void)[] = [];
  closed: { code: number } | null = null;

  constructor(readonly ws: WebSocket) {
    ws.accept();
    ws.addEventListener("message", (event) => {
      this.received.push({ at: Date.now(), data: event.data as string });
      this.wake();
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code };
      this.wake();
    });
  }

  private wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  async until<T>(check: () => T | undefined, what: string, timeoutMs = WAIT_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The next message not read yet. */
  next(timeoutMs = WAIT_MS): Promise<string> {
    return this.until(() => (this.read < this.received.length ? this.received[this.read++].data : undefined), "a message", timeoutMs);
  }

  async nextSnapshot(timeoutMs = WAIT_MS): Promise<any> {
    return JSON.parse(await this.next(timeoutMs));
  }

  /** Reads snapshots until one satisfies `check`. */
  async snapshotWhere(check: (body: any) => boolean, timeoutMs = WAIT_MS): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const body = await this.nextSnapshot(Math.max(1, deadline - Date.now()));
      if (check(body)) return body;
    }
  }
}

async function connect(branch: TestBranch, extra = ""): Promise<Client> {
  const response = await upgrade(wsPath(branch, extra));
  expect(response.status).toBe(101);
  expect(response.webSocket).toBeTruthy();
  return new Client(response.webSocket!);
}

const stubOf = (branch: TestBranch) => branchObject(branch);

// Loosely typed on purpose: one test reads the live feed's timer inside the object (and the strict
// signature makes tsc recurse too deep on the object's RPC types).
type LooseRun = (stub: unknown, look: (instance: any, state: DurableObjectState) => unknown) => Promise<unknown>;

function inObject<T>(branch: TestBranch, look: (instance: any, state: DurableObjectState) => T | Promise<T>): Promise<T> {
  return (runInDurableObject as unknown as LooseRun)(stubOf(branch), look) as Promise<T>;
}

describe("GET /helpdesk-status/ws refuses before the upgrade, with the status route's status and body", () => {
  async function expectRefused(path: string, status: number, message: string) {
    const response = await upgrade(path);
    expect(response.status).toBe(status);
    expect(response.webSocket).toBeNull();
    expect(await response.json()).toEqual({ message });
  }

  it("names missing parameters", async () => {
    await expectRefused("/helpdesk-status/ws?empresa=a", 400, "Faltan parámetros requeridos: token, sucursal");
  });

  it("rejects an invalid identifier", async () => {
    await expectRefused("/helpdesk-status/ws?token=x&empresa=a&sucursal=-b", 400, "Parámetro inválido: sucursal");
  });

  it("answers 404 for a branch that is not provisioned", async () => {
    await expectRefused(`/helpdesk-status/ws?token=x&empresa=${uniqueName()}&sucursal=nope`, 404,
      "No se encontró configuración para la empresa y sucursal indicadas");
  });

  it("answers 401 for a wrong token and never echoes it", async () => {
    const branch = await provisionBranch();
    const wrong = "not-the-token-0123456789";
    const response = await upgrade(wsPath({ ...branch, token: wrong }));
    expect(response.status).toBe(401);
    expect(response.webSocket).toBeNull();
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ message: "Unauthorized: Token no válido" });
    expect(text).not.toContain(wrong);
  });

  it("rejects an unknown detalle value", async () => {
    const branch = await provisionBranch();
    await expectRefused(wsPath(branch, "&detalle=quizas"), 400, "Parámetro inválido: detalle");
  });

  it("answers 426 with a JSON message to an authorised request that is not an upgrade", async () => {
    const branch = await provisionBranch();
    const response = await call(wsPath(branch));
    expect(response.status).toBe(426);
    expect(response.headers.get("Upgrade")).toBe("websocket");
    expect(((await response.json()) as { message: string }).message).toMatch(/WebSocket/);
  });

  it("answers 405 with Allow to other methods", async () => {
    const branch = await provisionBranch();
    const response = await call(wsPath(branch), { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET");
  });
});

describe("GET /helpdesk-status/ws pushes snapshots", () => {
  it("sends the full snapshot, with its version, on connect", async () => {
    const branch = await provisionBranch();
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo", nombre_cliente: "Ana" }, 12));
    const client = await connect(branch);
    const body = await client.nextSnapshot();
    const current = await readStatus(branch);
    expect(Object.keys(body)).toEqual(Object.keys(current));
    expect(body.version).toBe(current.version);
    expect(body.resumen_general.chat_tiempo_espera_20min).toBe(1);
    expect(body.detalle_por_tiempo_espera.de_10_a_20_minutos[0].nombre_cliente).toBe("Ana");
    client.ws.close();
  });

  it("sends a newer version after an event", async () => {
    const branch = await provisionBranch();
    const client = await connect(branch);
    const first = await client.nextSnapshot();
    await push(branch, event(branch, "chat.actualizado", { id_resumen: 7, estado: "pendiente" }));
    const after = await client.nextSnapshot();
    expect(after.version).toBeGreaterThan(first.version);
    expect(after.resumen_general.chat_pendientes).toBe(first.resumen_general.chat_pendientes + 1);
    client.ws.close();
  });

  it("coalesces a burst of changes to at most one message a second, ending on the latest version", async () => {
    const branch = await provisionBranch();
    const client = await connect(branch);
    await client.nextSnapshot();
    for (let i = 0; i < 6; i++) await push(branch, event(branch, "chat.actualizado", { id_resumen: 100 + i, estado: "nuevo" }));
    const latest = (await readStatus(branch)).version;
    await client.snapshotWhere((body) => body.version === latest, 4_000);
    const pushes = client.received.slice(1).map((message) => message.at);
    for (let i = 1; i < pushes.length; i++) expect(pushes[i] - pushes[i - 1]).toBeGreaterThanOrEqual(950);
    client.ws.close();
  });

  it("honours the connection's departamento and detalle options", async () => {
    const branch = await provisionBranch();
    await push(
      branch,
      event(branch, "chat.actualizado", { id_resumen: 1, estado: "nuevo", departamento: "Ventas" }),
      event(branch, "chat.actualizado", { id_resumen: 2, estado: "nuevo", departamento: "Soporte" }),
    );
    const client = await connect(branch, "&departamento=Ventas&detalle=false");
    const body = await client.nextSnapshot();
    expect(body.resumen_general.chat_nuevos).toBe(1);
    expect(body).not.toHaveProperty("detalle_por_tiempo_espera");
    client.ws.close();
  });

  it("keeps each connection's options in its hibernation attachment", async () => {
    const branch = await provisionBranch();
    const client = await connect(branch, "&departamento=Ventas");
    await client.nextSnapshot();
    const attachments = await inObject(branch, (_instance, state) =>
      state.getWebSockets().map((ws) => ws.deserializeAttachment()));
    expect(attachments).toEqual([{ tokenId: branch.tokenId, options: { detalle: true, departamento: "Ventas" } }]);
    client.ws.close();
  });

  it("answers ping with pong", async () => {
    const branch = await provisionBranch();
    const client = await connect(branch);
    await client.nextSnapshot();
    client.ws.send("ping");
    expect(await client.next()).toBe("pong");
    client.ws.close();
  });

  it("sends a fresh snapshot to a client that asks for one", async () => {
    const branch = await provisionBranch();
    const client = await connect(branch);
    const first = await client.nextSnapshot();
    client.ws.send("snapshot");
    expect((await client.nextSnapshot()).version).toBe(first.version);
    client.ws.close();
  });
});

/** Runs the branch's alarm with the clock a minute ahead (time moves, not the object's fields), then gives the clock back. */
async function alarmAMinuteLater(branch: TestBranch): Promise<boolean> {
  setClock(Date.now() + 60_000);
  try {
    return await runDurableObjectAlarm(stubOf(branch));
  } finally {
    vi.restoreAllMocks();
  }
}

describe("the minute heartbeat and the end of a connection", () => {
  it("keeps the alarm within a minute while a socket is connected, and sends on it", async () => {
    const branch = await provisionBranch();
    const client = await connect(branch);
    const first = await client.nextSnapshot();
    const alarm = await inObject(branch, (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm! - Date.now()).toBeLessThanOrEqual(60_000);
    expect(await alarmAMinuteLater(branch)).toBe(true);
    const again = await client.nextSnapshot();
    expect(again.version).toBe(first.version);
    client.ws.close();
  });

  it("needs no timer once every socket has gone", async () => {
    const branch = await provisionBranch();
    const client = await connect(branch);
    await client.nextSnapshot();
    client.ws.close(1000, "adiós");
    const deadline = Date.now() + WAIT_MS;
    let nextAt: number | null = 0;
    while (Date.now() < deadline) {
      nextAt = await inObject(branch, (instance) => instance.live.timer.nextAt(Date.now()));
      if (nextAt === null) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(nextAt).toBeNull();
  });

  it("closes a socket whose token was revoked, at the next check", async () => {
    const branch = await provisionBranch();
    const client = await connect(branch);
    await client.nextSnapshot();
    const revoked = await admin("DELETE", `/empresas/${branch.empresa}/sucursales/${branch.sucursal}/tokens/${branch.tokenId}`);
    expect(revoked.status).toBe(204);
    await alarmAMinuteLater(branch);
    const closed = await client.until(() => client.closed ?? undefined, "the close");
    expect(closed.code).toBe(1008);
  });

  it("keeps a socket whose token is still active through the check", async () => {
    const branch = await provisionBranch();
    const client = await connect(branch);
    await client.nextSnapshot();
    await alarmAMinuteLater(branch);
    await client.nextSnapshot();
    expect(client.closed).toBeNull();
    client.ws.close();
  });

  it("closes every socket when the branch is deprovisioned", async () => {
    const branch = await provisionBranch();
    const client = await connect(branch);
    await client.nextSnapshot();
    expect((await admin("DELETE", `/empresas/${branch.empresa}/sucursales/${branch.sucursal}`)).status).toBeLessThan(300);
    const closed = await client.until(() => client.closed ?? undefined, "the close");
    expect(closed.code).toBe(1008);
  });
});
