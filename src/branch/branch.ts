/**
 * The branch's Durable Object: a thin shell around the pure model. Each RPC method validates
 * nothing (the Worker did), applies the pure rules to the in-memory state, and writes what
 * changed in one `transactionSync`; if that write fails, memory is reloaded from storage so the
 * two never disagree.
 */
import { DurableObject } from "cloudflare:workers";
import type { ChatFields, IngestResult } from "../schemas/events";
import type { StatusBody } from "../schemas/status";
import { ChatIndex, applyIndexed } from "./chat-index";
import { type BranchEvent, type BranchState, type Settings, prune, reconcile as reconcileState } from "./model";
import { type SerializedSnapshot, SnapshotMemo, nextMidnightCached } from "./snapshot-memo";
import { type SnapshotOptions, buildSnapshot, snapshotValidUntil } from "./snapshot";
import { BranchStore, EVENT_ID_RETENTION_MS } from "./store";

const HOUR = 3_600_000;

/**
 * A piece of time-driven work. The object has one alarm; it is always set to the earliest `nextAt`
 * of its timers, and each run does every timer that is due.
 */
export interface Timer {
  nextAt(now: number): number | null;
  run(now: number): void | Promise<void>;
}

export class Branch extends DurableObject<Env> {
  private readonly store: BranchStore;
  private state!: BranchState;
  /** Aggregates of the open chats, kept in step with `state` (see chat-index.ts). */
  private index!: ChatIndex;
  private readonly snapshots = new SnapshotMemo();
  private settings: Settings | null = null;
  private readonly timers: Timer[] = [
    {
      // Housekeeping off the hot path: forget old event ids, closed chats and daily figures.
      nextAt: () => (this.store.getMeta<number>("pruned_at") ?? 0) + HOUR,
      run: (now) => this.prune(now),
    },
  ];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new BranchStore(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => {
      this.load();
      this.settings = this.store.loadSettings();
    });
  }

  private load(): void {
    this.state = this.store.load();
    this.index = ChatIndex.of(this.state);
    this.snapshots.clear();
  }

  /** Records the branch's configuration (sent with every call, so a change reaches it at once). */
  private useSettings(settings: Settings): Settings {
    const current = this.settings;
    if (!current || JSON.stringify(current) !== JSON.stringify(settings)) {
      this.store.saveSettings(settings);
      this.settings = settings;
      this.snapshots.clear();
    }
    return settings;
  }

  async configure(settings: Settings): Promise<void> {
    this.useSettings(settings);
    await this.scheduleAlarm();
  }

  /** Deprovisioning: every trace of the branch goes. */
  async erase(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.store.createTables();
    this.load();
    this.settings = null;
  }

  async applyEvents(settings: Settings, events: BranchEvent[]): Promise<IngestResult> {
    this.useSettings(settings);
    const result: IngestResult = { aceptados: 0, duplicados: 0, obsoletos: 0 };
    // Per chat in `ocurrido_en` order, ties in array order: a stable sort of the whole group does both.
    const ordered = events.map((event, index) => ({ event, index })).sort((a, b) => a.event.at - b.event.at || a.index - b.index);
    const now = Date.now();
    this.writeThrough(() => {
      const seen = new Set<string>();
      const touched = new Set<number>();
      for (const { event } of ordered) {
        if (seen.has(event.id) || !this.store.claimEventId(event.id, now)) {
          result.duplicados += 1;
          continue;
        }
        seen.add(event.id);
        if (applyIndexed(this.state, this.index, event, settings) === "stale") {
          this.store.releaseEventId(event.id);
          result.obsoletos += 1;
          continue;
        }
        result.aceptados += 1;
        touched.add(event.chat.id_resumen);
      }
      if (result.aceptados > 0) {
        this.state.version += 1;
        for (const id of touched) this.store.saveChat(this.state.chats.get(id)!);
        this.store.saveSummary(this.state);
      }
    });
    if (result.aceptados > 0) await this.changed();
    return result;
  }

  async reconcile(settings: Settings, takenAt: number, chats: ChatFields[], closedToday: number): Promise<{ chats: number }> {
    this.useSettings(settings);
    this.writeThrough(() => {
      reconcileState(this.state, takenAt, chats, closedToday, settings);
      this.index = ChatIndex.of(this.state);
      this.state.version += 1;
      this.store.deleteAllChats();
      for (const chat of this.state.chats.values()) this.store.saveChat(chat);
      this.store.saveSummary(this.state);
    });
    await this.changed();
    return { chats: chats.length };
  }

  async snapshot(settings: Settings, options: SnapshotOptions): Promise<StatusBody> {
    this.useSettings(settings);
    return buildSnapshot(this.state, settings, Date.now(), options, this.index);
  }

  /**
   * The snapshot as JSON with its ETag, for the read path. Memoized per options: rebuilt only when
   * the state or settings changed, or the clock moved a chat across a minute or bucket boundary
   * (or past local midnight), so a body's `generado_en` is when its figures were last computed.
   */
  async serializedSnapshot(settings: Settings, options: SnapshotOptions): Promise<SerializedSnapshot> {
    this.useSettings(settings);
    const now = Date.now();
    return this.snapshots.get(options, this.state.version, now, () => ({
      body: buildSnapshot(this.state, settings, now, options, this.index),
      validUntil: Math.min(snapshotValidUntil(this.index, now, options), nextMidnightCached(now, settings.zona_horaria)),
    }));
  }

  async alarm(): Promise<void> {
    const now = Date.now();
    for (const timer of this.timers) {
      const due = timer.nextAt(now);
      if (due !== null && due <= now) await timer.run(now);
    }
    await this.scheduleAlarm();
  }

  /** Called after every change of state that was written: what reacts to changes hooks in here. */
  private async changed(): Promise<void> {
    await this.scheduleAlarm();
  }

  private async scheduleAlarm(): Promise<void> {
    const now = Date.now();
    const next = Math.min(...this.timers.map((timer) => timer.nextAt(now) ?? Infinity));
    if (next === Infinity) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current !== next) await this.ctx.storage.setAlarm(Math.max(next, now));
  }

  private prune(now: number): void {
    const settings = this.settings;
    this.writeThrough(() => {
      this.store.forgetEventIdsBefore(now - EVENT_ID_RETENTION_MS);
      if (settings) for (const id of prune(this.state, now, settings)) this.store.deleteChat(id);
      this.store.saveSummary(this.state);
      this.store.setMeta("pruned_at", now);
    });
  }

  private writeThrough(change: () => void): void {
    try {
      this.ctx.storage.transactionSync(change);
    } catch (error) {
      this.load();
      throw error;
    }
  }
}
