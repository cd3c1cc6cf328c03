/**
 * Live push (docs/guia-api.md#en-vivo-websocket): the branch's WebSockets, held with the Durable Object hibernation API so
 * idle monitors cost nothing. Each socket gets the full snapshot on connect, after changes (at most
 * one broadcast a second: a trailing send catches the last change of a burst) and at least once a
 * minute while any socket is connected, because time alone moves chats between wait buckets.
 *
 * Everything a socket needs is in its attachment, so it survives hibernation; what lives in memory
 * here (when the last broadcast went out) is only an optimisation, and its loss after a wake-up
 * only makes the next broadcast come sooner.
 */
import type { StatusBody } from "../schemas/status";
import type { Timer } from "./timer";
import type { BranchSettings } from "./model";
import type { SnapshotOptions } from "./snapshot";
import { MINUTE } from "../utils/time";

/** What each socket carries through hibernation (the company's object uses its own options). */
export type LiveAttachment<Options = SnapshotOptions> = { tokenId: string; options: Options };

export type LiveDeps<Options = SnapshotOptions, Body = StatusBody> = {
  /** The snapshot now, for one set of options; null when the branch has no settings yet. */
  snapshot(options: Options): Body | null;
  /** Ids of the branch's active read tokens, read fresh; null when the branch is gone. */
  activeTokenIds(): Promise<Set<string> | null>;
};

/**
 * The upgrade as the Worker hands it to the object (the one call that is not RPC): the settings
 * and the socket's attachment travel in the URL, never the token itself.
 */
export function liveUpgradeRequest(settings: BranchSettings, attachment: LiveAttachment): Request {
  const url = new URL("https://branch.internal/live");
  url.searchParams.set("settings", JSON.stringify(settings));
  url.searchParams.set("attachment", JSON.stringify(attachment));
  return new Request(url, { headers: { Upgrade: "websocket" } });
}

export function readLiveUpgrade(request: Request): { settings: BranchSettings; attachment: LiveAttachment } {
  const params = new URL(request.url).searchParams;
  return { settings: JSON.parse(params.get("settings")!), attachment: JSON.parse(params.get("attachment")!) };
}

export const COALESCE_MS = 1_000;
export const HEARTBEAT_MS = MINUTE;
/** How often connected sockets are checked against revoked tokens (the contract allows 2 minutes). */
export const TOKEN_CHECK_MS = MINUTE;

/** Policy violation: the socket's token was revoked or the branch deprovisioned. */
export const CLOSE_REVOKED = 1008;

export class LiveFeed<Options = SnapshotOptions, Body = StatusBody> {
  /** 0 after a wake-up: we do not know when sockets last heard from us, so the next send is due. */
  private lastSentAt = 0;
  private lastTokenCheckAt = 0;
  /** A change arrived within the coalescing window and still has to go out. */
  private pending = false;

  readonly timer: Timer = {
    nextAt: () => {
      if (!this.hasSockets()) return null;
      return this.lastSentAt + (this.pending ? COALESCE_MS : HEARTBEAT_MS);
    },
    run: async (now) => {
      if (now - this.lastTokenCheckAt >= TOKEN_CHECK_MS) await this.closeRevoked(now);
      this.broadcast(now);
    },
  };

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly deps: LiveDeps<Options, Body>,
  ) {
    // Answered by the runtime without waking the object: keep-alive pings are free.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /**
   * Accepts a new socket (the Worker has authorised it) and sends it the snapshot at once: a
   * monitor should not stay blank for the coalescing window. The one-a-second limit is on
   * broadcasts, so a socket's first two messages may come closer together than that.
   */
  connect(attachment: LiveAttachment<Options>, now: number): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(attachment);
    if (this.lastSentAt === 0) {
      // Just woken: the others may be owed a message too, so everyone gets one, once.
      this.broadcast(now);
    } else {
      this.send(server, this.deps.snapshot(attachment.options));
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Any text but the auto-answered "ping" asks for a fresh snapshot (a client that doubts it is current). */
  message(ws: WebSocket, data: string | ArrayBuffer): void {
    if (typeof data !== "string") {
      this.drop(ws, 1003, "solo texto");
      return;
    }
    if (data === "snapshot") this.send(ws, this.deps.snapshot(attachmentOf<Options>(ws).options));
  }

  /** The one cleanup for close and error: answer the close handshake; the runtime forgets the socket. */
  closed(ws: WebSocket, code?: number): void {
    // 1005/1006 are reserved for "no code"/"abnormal" and may not be sent back.
    this.drop(ws, code === undefined || code === 1005 || code === 1006 ? 1000 : code, "");
  }

  /** Called after every change of branch state: send now, or once the coalescing window ends. */
  changed(now: number): void {
    if (!this.hasSockets()) return;
    if (now - this.lastSentAt >= COALESCE_MS) this.broadcast(now);
    else this.pending = true;
  }

  /** Deprovisioning: nobody may keep reading the branch. */
  closeAll(reason: string): void {
    for (const ws of this.ctx.getWebSockets()) this.drop(ws, CLOSE_REVOKED, reason);
  }

  private async closeRevoked(now: number): Promise<void> {
    this.lastTokenCheckAt = now;
    const active = await this.deps.activeTokenIds();
    for (const ws of this.ctx.getWebSockets()) {
      if (!active?.has(attachmentOf(ws).tokenId)) this.drop(ws, CLOSE_REVOKED, "Unauthorized: Token no válido");
    }
  }

  /** One snapshot per distinct set of options, sent to every socket that asked for it. */
  private broadcast(now: number): void {
    this.lastSentAt = now;
    this.pending = false;
    const bodies = new Map<string, string | null>();
    for (const ws of this.ctx.getWebSockets()) {
      const { options } = attachmentOf<Options>(ws);
      const key = JSON.stringify(options);
      if (!bodies.has(key)) {
        const body = this.deps.snapshot(options);
        bodies.set(key, body && JSON.stringify(body));
      }
      const text = bodies.get(key);
      if (text) trySend(ws, text);
    }
  }

  private send(ws: WebSocket, body: Body | null): void {
    if (body) trySend(ws, JSON.stringify(body));
  }

  private hasSockets(): boolean {
    return this.ctx.getWebSockets().length > 0;
  }

  private drop(ws: WebSocket, code: number, reason: string): void {
    try {
      ws.close(code, reason);
    } catch {
      // Already closed: nothing to answer.
    }
  }
}

function attachmentOf<Options>(ws: WebSocket): LiveAttachment<Options> {
  return ws.deserializeAttachment() as LiveAttachment<Options>;
}

/** A socket can be closing while we broadcast; one peer's failure must not stop the others. */
function trySend(ws: WebSocket, text: string): void {
  try {
    ws.send(text);
  } catch {
    // The close handler cleans up.
  }
}
