/**
 * A small helpdesk that pushes realistic chat traffic to the API: customers arrive (mostly with
 * the bot), the bot hands chats off to humans, agents take and answer them, customers write back,
 * chats close. It starts with a reconciliation of a backlog so every wait bucket has chats.
 */
const DEPARTMENTS = ["Ventas", "Soporte", "Cobranzas"];
const AGENTS = ["ana", "luis", "maria", "jose", "carla"];
const NAMES = ["Juan Perez", "María González", "Carlos Rodríguez", "Ana Martínez", "Luis Fernández", "Sofía López",
  "Pedro Sánchez", "Valentina Díaz", "Jorge Ramírez", "Camila Torres", "Andrés Flores", "Lucía Herrera"];

const pick = (list) => list[Math.floor(Math.random() * list.length)];
const chance = (p) => Math.random() < p;
const phone = () => `+58414${String(Math.floor(Math.random() * 1e7)).padStart(7, "0")}`;

export function createSimulator({ baseUrl, key, empresa, sucursal, log = () => {} }) {
  const chats = new Map();
  let nextId = 1000 + (Math.floor(Date.now() / 1000) % 100_000) * 10;
  let sequence = 0;

  function newChat(estado, minutesAgo = 0) {
    const id = nextId++;
    const chat = {
      id_resumen: id,
      id_cliente: `CLI${String(id).padStart(6, "0")}`,
      departamento: pick(DEPARTMENTS),
      numero_perfil: "+15551234567",
      numero_cliente: phone(),
      nombre_cliente: pick(NAMES),
      estado,
      agente: estado === "asignado" ? pick(AGENTS) : null,
      waiting: estado !== "icarobot_ia",
      since: Date.now() - minutesAgo * 60_000,
    };
    chats.set(id, chat);
    return chat;
  }

  async function send(path, method, body) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${await response.text()}`);
    return response.json();
  }

  function wire(chat) {
    const { waiting, since, ...fields } = chat;
    return fields;
  }

  function event(tipo, chat, fields = {}) {
    return {
      id: `sim-${Date.now()}-${++sequence}`,
      tipo,
      empresa,
      sucursal,
      ocurrido_en: new Date().toISOString(),
      chat: { id_resumen: chat.id_resumen, ...fields },
    };
  }

  /** The helpdesk's truth at start: a backlog spread over every wait bucket. */
  async function reconcile() {
    chats.clear();
    for (const minutes of [2, 4, 7, 12, 15, 18, 24, 27, 35, 42, 55, 65, 80]) {
      newChat(pick(["nuevo", "pendiente", "asignado"]), minutes);
    }
    for (let i = 0; i < 8; i++) newChat("icarobot_ia");
    for (let i = 0; i < 4; i++) Object.assign(newChat("asignado"), { waiting: false });
    const list = [...chats.values()].map((chat) => ({
      ...wire(chat),
      espera_desde: chat.waiting ? new Date(chat.since).toISOString() : null,
    }));
    await send(`/v1/empresas/${empresa}/sucursales/${sucursal}/chats`, "PUT", {
      tomado_en: new Date().toISOString(),
      chats: list,
      cerrados_hoy: 120 + Math.floor(Math.random() * 40),
    });
    log(`simulator: reconciled ${list.length} open chats`);
  }

  /** One step of traffic: a few events, each a plausible next thing for some chat. */
  function step() {
    const events = [];
    const open = [...chats.values()];
    const withBot = open.filter((c) => c.estado === "icarobot_ia");
    const waiting = open.filter((c) => c.estado !== "icarobot_ia" && c.waiting);
    const answered = open.filter((c) => c.estado !== "icarobot_ia" && !c.waiting);

    if (open.length < 60 && chance(0.5)) {
      const chat = newChat(chance(0.7) ? "icarobot_ia" : "nuevo");
      events.push(event("chat.actualizado", chat, wire(chat)));
    }
    if (withBot.length && chance(0.35)) {
      const chat = pick(withBot);
      Object.assign(chat, { estado: chance(0.5) ? "nuevo" : "pendiente", waiting: true });
      events.push(event("chat.actualizado", chat, { estado: chat.estado }));
    }
    const unassigned = waiting.filter((c) => c.estado !== "asignado");
    if (unassigned.length && chance(0.4)) {
      const chat = pick(unassigned);
      Object.assign(chat, { estado: "asignado", agente: pick(AGENTS) });
      events.push(event("chat.actualizado", chat, { estado: "asignado", agente: chat.agente }));
    }
    const assignedWaiting = waiting.filter((c) => c.estado === "asignado");
    if (assignedWaiting.length && chance(0.3)) {
      // Agents are busy: any of their waiting chats may be the next answered, so long waits linger.
      const chat = pick(assignedWaiting);
      chat.waiting = false;
      events.push(event("chat.mensaje_agente", chat));
    }
    if (answered.length && chance(0.3)) {
      const chat = pick(answered);
      Object.assign(chat, { waiting: true, since: Date.now() });
      events.push(event("chat.mensaje_cliente", chat));
    }
    const closable = [...answered, ...withBot];
    if (closable.length && chance(open.length > 45 ? 0.5 : 0.25)) {
      const chat = pick(closable);
      chats.delete(chat.id_resumen);
      events.push(event("chat.cerrado", chat));
    }
    return events;
  }

  async function tick() {
    const events = step();
    if (events.length) await send("/v1/events", "POST", { eventos: events });
    return events.length;
  }

  return { reconcile, tick, step, chats };
}
