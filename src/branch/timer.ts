/**
 * A piece of time-driven work of the branch's Durable Object. The object has one alarm; it is
 * always set to the earliest `nextAt` of its timers, and each run does every timer that is due.
 * Its own module so any component can offer a timer without importing the object.
 */
export interface Timer {
  nextAt(now: number): number | null;
  run(now: number): void | Promise<void>;
}
