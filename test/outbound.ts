/**
 * The alert network as tests see it: each branch object gets a transport (test/worker.ts) that
 * hands what its alerts send to the receiver the test registered for that branch. A branch no test
 * listens to is refused like an unreachable host, so no alert ever leaves the machine.
 */
import type { OutgoingEmail, Transport } from "../src/alerts/channels";

export type Receiver = {
  fetch(request: Request): Promise<Response>;
  sendEmail(email: OutgoingEmail): Promise<void>;
};

const receivers = new Map<string, Receiver>();

/** Routes the alerts of the branch object named `empresa/sucursal` to `receiver`. */
export function listen(name: string, receiver: Receiver): void {
  receivers.set(name, receiver);
}

/** The transport of the object with this id. */
export function transportOf(id: DurableObjectId): Transport {
  const receiver = () => {
    const found = id.name === undefined ? undefined : receivers.get(id.name);
    if (!found) throw new TypeError("no receiver listens for this branch");
    return found;
  };
  return {
    fetch: async (request) => receiver().fetch(request),
    sendEmail: async (email) => receiver().sendEmail(email),
  };
}
