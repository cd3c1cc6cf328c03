/**
 * The branch's Durable Object: a thin shell around the pure model. Each RPC method validates
 * nothing (the Worker did), applies the pure rules to the in-memory state, and writes what
 * changed in one `transactionSync`; if that write fails, memory is reloaded from storage so the
 * two never disagree.
 */
import { DurableObject } from "cloudflare:workers";
import { readBranch, readCompany } from "../config/store";
import { COMPANY_TOKEN_PREFIX } from "../auth/company-token";
import { BranchAlerts, platformTransport } from "../alerts/alerts";
import type { Transport } from "../alerts/channels";
import type { AlertHistory, AlertRule, AlertRulesView } from "../schemas/alerts";
import type { ChatFields, IngestResult } from "../schemas/events";
import type { SeriePoint, StatusBody } from "../schemas/status";
import { ChatIndex } from "./chat-index";
import { CompanyReporter, platformSink } from "./company-report";
import { LiveFeed, readLiveUpgrade } from "./live";
import { type BranchEvent, type BranchSettings, type BranchState, applyBatch, prune, reconcile as reconcileState } from "./model";
import { nextMidnightCached } from "./local-day";
import { type SerializedSnapshot, SnapshotMemo } from "./snapshot-memo";
import { type SnapshotOptions, buildSnapshot, measureSnapshot, measuresValidUntil, snapshotValidUntil } from "./snapshot";
import { metricsExposition } from "../formats/metrics";
import { BranchStore, EVENT_ID_RETENTION_MS } from "./store";
import { BranchHistory } from "./series";
import type { Timer } from "./timer";
import type { ComponentView } from "./view";
import { HOUR } from "../utils/time";

/** What a subclass may hand the object: tests give it a transport that records what alerts send. */
export type BranchOptions = { alertTransport?: Transport };

export class Branch extends DurableObject<Env> {
  private readonly store: BranchStore;
  private state!: BranchState;
  /** Aggregates of the open chats, kept in step with `state` (see chat-index.ts). */
  private index!: ChatIndex;
  private readonly snapshots = new SnapshotMemo();
  private settings: BranchSettings | null = null;
  private readonly live: LiveFeed;
  /** Its alerts: rules, evaluation and outbox (public so in-object tests read its timers). */
  readonly alerts: BranchAlerts;
  /** The minute-by-minute figures of `/helpdesk-status/serie`. */
  private readonly history: BranchHistory;
  /** Keeps the company's object current with this branch's light figures. */
  private readonly companyReport: CompanyReporter;
  private readonly timers: Timer[];

  constructor(ctx: DurableObjectState, env: Env, options: BranchOptions = {}) {
    super(ctx, env);
    this.store = new BranchStore(ctx.storage.sql);
    this.live = new LiveFeed(ctx, {
      snapshot: (options) => this.liveSnapshot(options),
      activeTokenIds: () => this.activeTokenIds(),
    });
    this.alerts = new BranchAlerts(ctx, env, () => this.view(), options.alertTransport ?? platformTransport(env));
    this.history = new BranchHistory(ctx.storage.sql, () => this.view());
    this.companyReport = new CompanyReporter(() => this.view(), platformSink(env));
    this.timers = [
      {
        // Housekeeping off the hot path: forget old event ids, closed chats and daily figures.
        nextAt: () => (this.store.getMeta<number>("pruned_at") ?? 0) + HOUR,
        run: (now) => this.prune(now),
      },
      // Pushes to connected sockets: the trailing send of a burst, and the minute heartbeat.
      this.live.timer,
      // Alert rules crossing in time, and the delivery outbox.
      ...this.alerts.timers,
      // One history sample a minute while the branch is configured.
      this.history.timer,
      // The company's figures: after changes and as time moves chats, at most once a second.
      this.companyReport.timer,
    ];
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
  private useSettings(settings: BranchSettings): BranchSettings {
    const current = this.settings;
    if (!current || JSON.stringify(current) !== JSON.stringify(settings)) {
      this.store.saveSettings(settings);
      this.settings = settings;
      this.snapshots.clear();
      this.companyReport.changed();
    }
    return settings;
  }

  async configure(settings: BranchSettings): Promise<void> {
    this.useSettings(settings);
    await this.scheduleAlarm();
  }

  /** The history samples whose minute lies in `[from, to]` (ms), oldest first. */
  async series(settings: BranchSettings, from: number, to: number): Promise<SeriePoint[]> {
    this.useSettings(settings);
    // A branch provisioned before the history existed starts sampling on its first read.
    await this.scheduleAlarm();
    return this.history.read(from, to);
  }

  /** Deprovisioning: every trace of the branch goes. */
  async erase(): Promise<void> {
    this.live.closeAll("sucursal eliminada");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.store.createTables();
    this.alerts.reset();
    this.load();
    this.settings = null;
    this.history.reset();
  }

  /** Replaces the alert rules (validated by the Worker); new webhook rules carry their secret once. */
  async setAlertRules(settings: BranchSettings, rules: AlertRule[]): Promise<AlertRulesView> {
    this.useSettings(settings);
    const view = this.alerts.setRules(rules, Date.now());
    await this.scheduleAlarm();
    return view;
  }

  async alertRules(): Promise<AlertRulesView> {
    return { reglas: this.alerts.rulesView() };
  }

  async alertHistory(): Promise<AlertHistory> {
    return { entregas: this.alerts.history() };
  }

  async applyEvents(settings: BranchSettings, events: BranchEvent[]): Promise<IngestResult> {
    this.useSettings(settings);
    let outcome!: ReturnType<typeof applyBatch>;
    this.writeThrough(() => {
      const ids = this.store.batchLedger(events.map((event) => event.id), Date.now());
      outcome = applyBatch(this.state, this.index, events, settings, ids);
      ids.settle();
      if (outcome.result.aceptados === 0) return;
      this.store.saveChats(outcome.changed);
      this.store.saveSummary(this.state);
    });
    if (outcome.result.aceptados > 0) await this.changed();
    return outcome.result;
  }

  async reconcile(settings: BranchSettings, takenAt: number, chats: ChatFields[], closedToday: number): Promise<{ chats: number }> {
    this.useSettings(settings);
    this.writeThrough(() => {
      reconcileState(this.state, takenAt, chats, closedToday, settings);
      this.index = ChatIndex.of(this.state);
      this.store.deleteAllChats();
      this.store.saveChats(this.state.chats.values());
      this.store.saveSummary(this.state);
    });
    await this.changed();
    return { chats: chats.length };
  }

  /**
   * The snapshot as JSON with its ETag, for the read path. Memoized per options: rebuilt only when
   * the state or settings changed, or the clock moved a chat across a minute or bucket boundary
   * (or past local midnight), so a body's `generado_en` is when its figures were last computed.
   */
  async serializedSnapshot(settings: BranchSettings, options: SnapshotOptions): Promise<SerializedSnapshot> {
    this.useSettings(settings);
    const now = Date.now();
    return this.snapshots.get(options, this.state.version, now, () => ({
      body: buildSnapshot(this.state, settings, now, options, this.index),
      validUntil: Math.min(snapshotValidUntil(this.index, now, options), nextMidnightCached(now, settings.zona_horaria)),
    }));
  }

  /**
   * The branch's Prometheus text (docs/prometheus.md) with its ETag: the figures of one version at
   * one instant, memoized like the snapshot until the state changes, the next second while a chat
   * waits (its wait in seconds ticks), or local midnight.
   */
  async serializedMetrics(settings: BranchSettings): Promise<SerializedSnapshot> {
    this.useSettings(settings);
    const now = Date.now();
    return this.snapshots.text("metrics", this.state.version, now, () => ({
      text: metricsExposition([{ labels: { empresa: settings.empresa, sucursal: settings.sucursal }, measures: measureSnapshot(this.state, settings, now, this.index) }]),
      validUntil: Math.min(measuresValidUntil(this.index, now), nextMidnightCached(now, settings.zona_horaria)),
    }));
  }

  /** The WebSocket upgrade (docs/guia-api.md#en-vivo-websocket), already authorised by the Worker. */
  async fetch(request: Request): Promise<Response> {
    const { settings, attachment } = readLiveUpgrade(request);
    this.useSettings(settings);
    const response = this.live.connect(attachment, Date.now());
    await this.scheduleAlarm();
    return response;
  }

  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    this.live.message(ws, message);
  }

  async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.live.closed(ws, code);
  }

  async webSocketError(ws: WebSocket): Promise<void> {
    this.live.closed(ws);
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
    this.live.changed(Date.now());
    this.alerts.changed(Date.now());
    this.companyReport.changed();
    await this.scheduleAlarm();
  }

  /** The one way live pushes get a snapshot (the place to put a cache shared with `snapshot`). */
  private liveSnapshot(options: SnapshotOptions): StatusBody | null {
    return this.settings && buildSnapshot(this.state, this.settings, Date.now(), options, this.index);
  }

  private view(): ComponentView {
    return { state: this.state, index: this.index, settings: this.settings };
  }

  /**
   * Fresh from KV (not the edge-cached copy), so a revoked token's sockets close within a minute:
   * the branch's tokens and its company's (prefixed, as the Worker names them).
   */
  private async activeTokenIds(): Promise<Set<string> | null> {
    const settings = this.settings;
    const config = settings && (await readBranch(this.env.CONFIG, settings.empresa, settings.sucursal));
    if (!config) return null;
    const company = await readCompany(this.env.CONFIG, config.empresa);
    return new Set([...config.tokens.map((token) => token.id), ...(company?.tokens ?? []).map((token) => `${COMPANY_TOKEN_PREFIX}${token.id}`)]);
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
