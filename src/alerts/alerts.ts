/**
 * The alerts of one branch, living in its Durable Object: the rules, their evaluation after each
 * change and at each time crossing, and the outbox that delivers what fired. Evaluation only
 * writes to the outbox; delivery runs from the alarm, so no network call ever holds up ingestion.
 */
import { EmailMessage } from "cloudflare:email";
import { randomSecret } from "../auth/crypto";
import type { Timer } from "../branch/timer";
import type { ComponentView } from "../branch/view";
import type { BranchState, BranchSettings } from "../branch/model";
import type { AlertDelivery, AlertRule, AlertRulesView } from "../schemas/alerts";
import { type ChannelSettings, DELIVERY_TIMEOUT_MS, MAX_ATTEMPTS, type Transport, backoffMs, deliver } from "./channels";
import { evaluateRules, initialRuleState } from "./evaluate";
import { AlertStore, type Delivery, type StoredRule } from "./store";
import { MINUTE } from "../utils/time";

/** Deliveries attempted together in one alarm run; more due ones wait for the next run. */
const DELIVERY_BATCH = 25;
/** After an evaluation that could not be written, look again this much later. */
const EVALUATION_RETRY_MS = MINUTE;

/** The platform's network: `fetch` and the `send_email` binding. */
export function platformTransport(env: Env): Transport {
  return {
    fetch: (request) => fetch(request),
    sendEmail: async ({ from, to, raw }) => {
      await env.EMAIL.send(new EmailMessage(from, to, raw));
    },
  };
}

/** Rules whose condition is unchanged keep what they last saw; any other rule starts afresh. */
function sameCondition(a: AlertRule, b: AlertRule): boolean {
  return (
    a.alcance === b.alcance &&
    a.metrica === b.metrica &&
    a.operador === b.operador &&
    a.umbral === b.umbral &&
    a.departamento === b.departamento
  );
}

export class BranchAlerts {
  readonly timers: Timer[];
  private readonly store: AlertStore;
  private rules: StoredRule[];
  /** The next instant at which time alone may change a rule's answer. */
  private checkAt: number | null;
  private delivering = false;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
    private readonly branch: () => ComponentView,
    /** The network alerts go out through: the platform's, or a test's recorder. */
    private readonly transport: Transport,
  ) {
    this.store = new AlertStore(ctx.storage.sql);
    this.rules = this.store.loadRules();
    // Not known until evaluated: after a restart the first alarm run evaluates.
    this.checkAt = this.rules.length ? 0 : null;
    this.timers = [
      { nextAt: () => this.checkAt, run: (now) => this.evaluate(now) },
      { nextAt: () => this.store.nextDeliveryAt(), run: (now) => this.deliverDue(now) },
    ];
  }

  /** After `deleteAll()`: no rules, no history. */
  reset(): void {
    this.store.createTables();
    this.rules = [];
    this.checkAt = null;
  }

  rulesView(): AlertRule[] {
    return this.rules.map(({ rule }) => rule);
  }

  history(): AlertDelivery[] {
    return this.store.history();
  }

  /**
   * Replaces the rules. A webhook rule keeps the secret it had under the same id; a new one gets a
   * secret, returned here (in `secretos`, by rule id) once and never again.
   */
  setRules(rules: AlertRule[], now: number): AlertRulesView {
    const before = new Map(this.rules.map((stored) => [stored.rule.id, stored]));
    const created = new Map<string, string>();
    const next: StoredRule[] = rules.map((rule) => {
      const old = before.get(rule.id);
      let secret: string | null = null;
      if (rule.canal.tipo === "webhook") {
        secret = old?.secret ?? null;
        if (!secret) {
          secret = `whsec_${randomSecret(32)}`;
          created.set(rule.id, secret);
        }
      }
      const state = old && sameCondition(old.rule, rule) ? old.state : initialRuleState();
      return { rule, secret, state };
    });
    this.ctx.storage.transactionSync(() => this.store.replaceRules(next));
    this.rules = next;
    this.evaluate(now);
    const reglas = this.rulesView();
    return created.size ? { reglas, secretos: Object.fromEntries(created) } : { reglas };
  }

  /** Called after every applied change. A failure here must not fail the change: it is retried. */
  changed(now: number): void {
    try {
      this.evaluate(now);
    } catch (error) {
      console.error("alert evaluation failed", error instanceof Error ? error.name : "non-error thrown");
      this.checkAt = now + EVALUATION_RETRY_MS;
    }
  }

  /** Evaluates every rule and puts what fired in the outbox, in one transaction. */
  evaluate(now: number): void {
    const { state, settings, index } = this.branch();
    if (!settings || this.rules.length === 0) {
      this.checkAt = null;
      return;
    }
    const previous = new Map(this.rules.map((stored) => [stored.rule.id, stored.state]));
    const result = evaluateRules(this.rulesView(), previous, state, index, settings, now);
    const byId = new Map(this.rules.map((stored) => [stored.rule.id, stored.rule]));
    this.ctx.storage.transactionSync(() => {
      for (const stored of this.rules) {
        const next = result.states.get(stored.rule.id)!;
        if (JSON.stringify(next) !== JSON.stringify(stored.state)) this.store.saveRuleState(stored.rule.id, next);
      }
      for (const fired of result.firings) {
        const id = crypto.randomUUID();
        this.store.enqueue({
          id,
          ruleId: fired.ruleId,
          kind: fired.kind,
          channel: byId.get(fired.ruleId)!.canal,
          payload: { id, ...fired.payload },
          createdAt: now,
        });
      }
    });
    // Memory follows storage only once the write succeeded.
    for (const stored of this.rules) stored.state = result.states.get(stored.rule.id)!;
    this.checkAt = result.nextAt;
  }

  /** One alarm run of the outbox: every due delivery gets one attempt. */
  async deliverDue(now: number): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    try {
      await Promise.all(this.store.due(now, DELIVERY_BATCH).map((delivery) => this.attempt(delivery)));
      this.store.trimHistory();
    } finally {
      this.delivering = false;
    }
  }

  private async attempt(delivery: Delivery): Promise<void> {
    const started = Date.now();
    const rule = this.rules.find((stored) => stored.rule.id === delivery.ruleId);
    if (!rule) {
      this.store.recordOutcome(delivery.id, "fallida", null, "La regla ya no existe", null);
      return;
    }
    const attempts = delivery.attempts + 1;
    // Marked before sending: a run that dies mid-attempt leaves the row to be retried after its
    // backoff, never picked up by a concurrent run.
    this.store.startAttempt(delivery.id, started, started + DELIVERY_TIMEOUT_MS + backoffMs(attempts));
    const outcome = await deliver(this.transport, delivery.channel, delivery.payload, rule.secret, this.channelSettings(), started);
    const { httpStatus, error } = outcome;
    if (outcome.ok) this.store.recordOutcome(delivery.id, "entregada", httpStatus, null, null);
    else if (outcome.retry && attempts < MAX_ATTEMPTS) {
      this.store.recordOutcome(delivery.id, "pendiente", httpStatus, error, Date.now() + backoffMs(attempts));
    } else this.store.recordOutcome(delivery.id, "fallida", httpStatus, error, null);
  }

  private channelSettings(): ChannelSettings {
    return {
      emailFrom: this.env.ALERT_EMAIL_FROM,
      whatsappApiUrl: this.env.WHATSAPP_API_URL,
      whatsappPhoneNumberId: this.env.WHATSAPP_PHONE_NUMBER_ID,
      whatsappToken: this.env.WHATSAPP_TOKEN ?? "",
    };
  }
}
