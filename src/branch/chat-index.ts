/**
 * What the snapshot needs of the open chats, kept up to date a chat at a time so no read scans
 * every chat: counts per estado, agent loads, and the chats waiting for the business ordered
 * longest-waiting first (bucket counts become a few binary searches). One group holds the whole
 * branch and one each department, for `departamento=`.
 *
 * The model knows it only as a `ChatObserver`: it takes a chat out of the index before changing it
 * and puts it back after (`applyIndexed`); a reconciliation or a reload rebuilds it.
 */
import type { Estado } from "../schemas/common";
import { type BranchState, type Chat, type ChatObserver, departmentOf, isWaitingForBusiness, isWaitingForCustomer } from "./model";

/** One open chat's contribution, remembered so it leaves exactly as it entered. */
export type Entry = {
  readonly chat: Chat;
  readonly id: number;
  /** When its wait for the business began; null when it is not waiting for the business. */
  readonly since: number | null;
  readonly estado: Estado;
  readonly department: string;
  readonly agent: string | null;
  readonly waitsForCustomer: boolean;
};

/** Waiting entries (`since` set), in (since, id) order: the snapshot's longest-waiting-first order. */
type Waiting = Entry & { readonly since: number };

const before = (a: Waiting, since: number, id: number) => a.since < since || (a.since === since && a.id < id);

/** First position in a sorted chunk whose entry is not before (since, id). */
function lowerBound(chunk: Waiting[], since: number, id: number): number {
  let low = 0;
  let high = chunk.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (before(chunk[middle], since, id)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * A sorted list kept in chunks of a few hundred entries: inserting or removing moves at most a
 * chunk's worth of references, so the cost barely grows with the list (a flat array moves up to
 * the whole list on every answered chat).
 */
export class WaitingList {
  private static readonly CHUNK = 256;
  private chunks: Waiting[][] = [];
  size = 0;

  insert(entry: Waiting): void {
    this.size += 1;
    if (this.chunks.length === 0) {
      this.chunks.push([entry]);
      return;
    }
    const c = this.chunkFor(entry.since, entry.id);
    const chunk = this.chunks[c];
    chunk.splice(lowerBound(chunk, entry.since, entry.id), 0, entry);
    if (chunk.length > 2 * WaitingList.CHUNK) this.chunks.splice(c + 1, 0, chunk.splice(WaitingList.CHUNK));
  }

  remove(entry: Waiting): void {
    const c = this.chunkFor(entry.since, entry.id);
    const chunk = this.chunks[c];
    const at = lowerBound(chunk, entry.since, entry.id);
    if (chunk[at] !== entry) throw new Error("chat index out of step with the state");
    chunk.splice(at, 1);
    if (chunk.length === 0) this.chunks.splice(c, 1);
    this.size -= 1;
  }

  /** How many entries began waiting at or before `instant`. */
  countSinceAtOrBefore(instant: number): number {
    let count = 0;
    for (const chunk of this.chunks) {
      if (chunk[chunk.length - 1].since <= instant) {
        count += chunk.length;
        continue;
      }
      let low = 0;
      let high = chunk.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (chunk[middle].since <= instant) low = middle + 1;
        else high = middle;
      }
      return count + low;
    }
    return count;
  }

  at(index: number): Waiting | undefined {
    for (const chunk of this.chunks) {
      if (index < chunk.length) return chunk[index];
      index -= chunk.length;
    }
    return undefined;
  }

  *[Symbol.iterator](): IterableIterator<Waiting> {
    for (const chunk of this.chunks) yield* chunk;
  }

  /** Latest-waiting first: only walked while entries lie after some instant (waits yet to begin). */
  *reversed(): IterableIterator<Waiting> {
    for (let c = this.chunks.length - 1; c >= 0; c--) {
      const chunk = this.chunks[c];
      for (let i = chunk.length - 1; i >= 0; i--) yield chunk[i];
    }
  }

  /** The chunk an entry (since, id) belongs in: the first whose last entry is not before it. */
  private chunkFor(since: number, id: number): number {
    let low = 0;
    let high = this.chunks.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const chunk = this.chunks[middle];
      if (before(chunk[chunk.length - 1], since, id)) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

export type AgentLoad = { chats_asignados: number; chats_esperando: number };

/** The aggregates of one set of open chats (the branch, or one department). */
export class Group {
  readonly counts: Record<Estado, number> = { nuevo: 0, pendiente: 0, asignado: 0, icarobot_ia: 0 };
  open = 0;
  waitingForCustomer = 0;
  readonly agents = new Map<string, AgentLoad>();
  readonly waiting = new WaitingList();
  /** Σ since over the waiting entries, exact (a sum of 100,000 instants passes 2^53). */
  sumSince = 0n;

  add(entry: Entry, sign: 1 | -1): void {
    this.counts[entry.estado] += sign;
    this.open += sign;
    if (entry.since !== null) {
      if (sign === 1) this.waiting.insert(entry as Waiting);
      else this.waiting.remove(entry as Waiting);
      this.sumSince += BigInt(sign * entry.since);
    } else if (entry.waitsForCustomer) {
      this.waitingForCustomer += sign;
    }
    if (entry.agent !== null) {
      let load = this.agents.get(entry.agent);
      if (!load) this.agents.set(entry.agent, (load = { chats_asignados: 0, chats_esperando: 0 }));
      load.chats_asignados += sign;
      if (entry.since !== null) load.chats_esperando += sign;
      if (load.chats_asignados === 0) this.agents.delete(entry.agent);
    }
  }
}

export class ChatIndex implements ChatObserver {
  readonly all = new Group();
  readonly departments = new Map<string, Group>();
  private readonly entries = new Map<number, Entry>();

  static of(state: BranchState): ChatIndex {
    const index = new ChatIndex();
    for (const chat of state.chats.values()) index.add(chat);
    return index;
  }

  /** The group a snapshot reads: the branch, or one department (undefined when it has no open chat). */
  group(department?: string): Group | undefined {
    return department === undefined ? this.all : this.departments.get(department);
  }

  /** Puts a chat's current contribution in (nothing for a chat that is not open). */
  add(chat: Chat): void {
    if (!chat.open) return;
    const waits = isWaitingForBusiness(chat);
    const entry: Entry = {
      chat,
      id: chat.id_resumen,
      since: waits ? chat.waitingSince : null,
      estado: chat.estado,
      department: departmentOf(chat),
      agent: chat.agente,
      waitsForCustomer: !waits && isWaitingForCustomer(chat),
    };
    this.entries.set(entry.id, entry);
    this.all.add(entry, 1);
    let department = this.departments.get(entry.department);
    if (!department) this.departments.set(entry.department, (department = new Group()));
    department.add(entry, 1);
  }

  /** Takes out whatever the chat contributed, as it was when it went in. */
  remove(id: number): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    this.all.add(entry, -1);
    const department = this.departments.get(entry.department)!;
    department.add(entry, -1);
    if (department.open === 0) this.departments.delete(entry.department);
  }
}
