// Dispatcher console: plain JavaScript, no build step, no external assets.
// Reads: /console/api/queue and /console/api/board (polled), /v1/tickets/{id}, /v1/plans/{id}.
// Actions: the public /v1 API (accept, plan, confirm, override) and the console's replan.
"use strict";

const POLL_MS = 4000;
const KEY_STORE = "dispatch.console.key";
const LANG_STORE = "dispatch.console.lang";
const TZ = "Europe/Warsaw";

const TEXT = {
  pl: {
    skip: "Przejdź do kolejki", title: "Konsola dyspozytora", apiKey: "Klucz API",
    signIn: "Zaloguj", signOut: "Wyloguj", queue: "Kolejka", tier: "Poziom",
    voivodeship: "Województwo", state: "Stan", all: "wszystkie", timeLeft: "Pozostało",
    tierService: "Poziom / usługa", siteSku: "Miejsce / SKU", queueEmpty: "Brak otwartych zgłoszeń.",
    ticket: "Zgłoszenie", pickTicket: "Wybierz zgłoszenie z kolejki.", map: "Mapa",
    mapDesc: "Województwa, magazyny ze stanem, inżynierowie i otwarte miejsca serwisu.",
    lgDepot: "magazyn (wolne szt.)", lgEngineer: "inżynier", lgRoute: "trasa",
    engineersDay: "Dzień inżynierów", reason: "Powód", markAndReplan: "Oznacz i przeplanuj",
    cancel: "Anuluj", st_late: "spóźnione", st_at_risk: "zagrożone", st_on_track: "na czas",
    st_new: "nowe", sg_travel: "dojazd", sg_pickup: "odbiór części", sg_visit: "wizyta",
    sg_idle: "bezczynność", sg_pinned: "przypięte (w drodze)", deadline: "Termin",
    countdown: "Do terminu", status: "Status", contract: "Umowa", serial: "Numer seryjny",
    site: "Miejsce", sku: "SKU", service: "Usługa", submitted: "Zgłoszono",
    accept: "Przyjmij (start zegara SLA)", plan: "Zaplanuj", replan: "Przeplanuj",
    recommended: "Rekomendacja", alternatives: "Alternatywy", confirm: "Potwierdź rekomendację",
    choose: "Wybierz", mode: "Tryb", depotEngineer: "Magazyn / inżynier", eta: "Przyjazd",
    slack: "Zapas", cost: "Koszt", why: "Dlaczego", history: "Historia", confirmed: "potwierdzony",
    proposed: "propozycja", overrideTitle: "Wybór alternatywy nr {rank}",
    overrideReason: "Powód zmiany (wymagany)", overrideSubmit: "Zatwierdź alternatywę",
    overrideNote: "Zmiana rekomendacji: {reason}", noPlan: "Brak planu. Zaplanuj zgłoszenie.",
    notAccepted: "Zgłoszenie czeka na weryfikację i przyjęcie.", unavailable: "Niedostępny",
    unavailableTitle: "{name}: niedostępny do końca dnia", offDuty: "poza zmianą",
    loading: "Ładowanie…", updated: "Zaktualizowano {time}", badKey: "Nieznany lub cofnięty klucz API.",
    confirmedMsg: "Plan potwierdzony: zarezerwowano {units}.", conflict: "Konflikt: {detail}",
    replanned: "Przeplanowano {n} wizyt(y).", late: "po terminie", reserved: "Zarezerwowane",
    depotStock: "{name}: wolne {n} szt.", engineerOn: "{name} ({skills})",
    siteTitle: "#{id} {site}: {state}", none: "—", rank: "Nr",
    m_courier: "kurier", m_dedicated: "transport dedykowany", m_engineer: "inżynier",
    s_submitted: "zgłoszone", s_accepted: "przyjęte", s_planned: "zaplanowane",
    s_dispatched: "wysłane", s_escalated: "eskalowane", s_delivered: "dostarczone",
    s_resolved: "rozwiązane", s_closed: "zamknięte", s_refused: "odrzucone",
    k_submitted: "zgłoszono", k_accepted: "przyjęto", k_planned: "zaplanowano",
    k_confirmed: "potwierdzono plan", k_overridden: "wybrano alternatywę", k_status: "zmiana statusu",
    k_refused: "odrzucono", k_rma_received: "odebrano zwrot RMA", switchLang: "Switch to English",
  },
  en: {
    skip: "Skip to the queue", title: "Dispatcher console", apiKey: "API key",
    signIn: "Sign in", signOut: "Sign out", queue: "Queue", tier: "Tier",
    voivodeship: "Voivodeship", state: "State", all: "all", timeLeft: "Time left",
    tierService: "Tier / service", siteSku: "Site / SKU", queueEmpty: "No open tickets.",
    ticket: "Ticket", pickTicket: "Pick a ticket from the queue.", map: "Map",
    mapDesc: "Voivodeships, depots with stock, engineers and open service sites.",
    lgDepot: "depot (free units)", lgEngineer: "engineer", lgRoute: "route",
    engineersDay: "Engineers' day", reason: "Reason", markAndReplan: "Mark and replan",
    cancel: "Cancel", st_late: "late", st_at_risk: "at risk", st_on_track: "on track",
    st_new: "new", sg_travel: "travel", sg_pickup: "part pickup", sg_visit: "visit",
    sg_idle: "idle", sg_pinned: "pinned (under way)", deadline: "Deadline",
    countdown: "Time left", status: "Status", contract: "Contract", serial: "Serial",
    site: "Site", sku: "SKU", service: "Service", submitted: "Submitted",
    accept: "Accept (start the SLA clock)", plan: "Plan", replan: "Replan",
    recommended: "Recommendation", alternatives: "Alternatives", confirm: "Confirm recommendation",
    choose: "Choose", mode: "Mode", depotEngineer: "Depot / engineer", eta: "Arrival",
    slack: "Slack", cost: "Cost", why: "Why", history: "History", confirmed: "confirmed",
    proposed: "proposal", overrideTitle: "Choose alternative no. {rank}",
    overrideReason: "Reason for the change (required)", overrideSubmit: "Confirm alternative",
    overrideNote: "Override: {reason}", noPlan: "No plan yet. Plan the ticket.",
    notAccepted: "The ticket awaits verification and acceptance.", unavailable: "Unavailable",
    unavailableTitle: "{name}: unavailable for the rest of the day", offDuty: "off duty",
    loading: "Loading…", updated: "Updated {time}", badKey: "Unknown or revoked API key.",
    confirmedMsg: "Plan confirmed: reserved {units}.", conflict: "Conflict: {detail}",
    replanned: "Replanned {n} visit(s).", late: "late", reserved: "Reserved",
    depotStock: "{name}: {n} free units", engineerOn: "{name} ({skills})",
    siteTitle: "#{id} {site}: {state}", none: "—", rank: "No.",
    m_courier: "courier", m_dedicated: "dedicated car", m_engineer: "engineer",
    s_submitted: "submitted", s_accepted: "accepted", s_planned: "planned",
    s_dispatched: "dispatched", s_escalated: "escalated", s_delivered: "delivered",
    s_resolved: "resolved", s_closed: "closed", s_refused: "refused",
    k_submitted: "submitted", k_accepted: "accepted", k_planned: "planned",
    k_confirmed: "plan confirmed", k_overridden: "alternative chosen", k_status: "status change",
    k_refused: "refused", k_rma_received: "RMA return received", switchLang: "Przełącz na polski",
  },
};

const state = {
  lang: localStorage.getItem(LANG_STORE) === "en" ? "en" : "pl",
  key: sessionStorage.getItem(KEY_STORE) || "",
  queue: [], board: null, outlines: null, selected: null, ticket: null, plan: null,
  offsetMs: 0, override: null, timer: null, unavailableFor: null,
};

const $ = (id) => document.getElementById(id);

function t(key, args) {
  let text = TEXT[state.lang][key] ?? key;
  for (const [name, value] of Object.entries(args || {})) text = text.replace(`{${name}}`, value);
  return text;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

// ---- formatting -----------------------------------------------------------------------------

const locale = () => (state.lang === "pl" ? "pl-PL" : "en-GB");
const serverNow = () => Date.now() + state.offsetMs;

function fmtTime(iso, withDay) {
  if (!iso) return t("none");
  const options = { timeZone: TZ, hour: "2-digit", minute: "2-digit" };
  if (withDay) Object.assign(options, { day: "2-digit", month: "2-digit" });
  return new Intl.DateTimeFormat(locale(), options).format(new Date(iso));
}

function fmtDuration(seconds) {
  const sign = seconds < 0 ? "−" : "";
  let s = Math.abs(Math.trunc(seconds));
  const d = Math.floor(s / 86400); s -= d * 86400;
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const pad = (n) => String(n).padStart(2, "0");
  return d > 0 ? `${sign}${d} d ${h} h ${pad(m)} min` : `${sign}${h}:${pad(m)}:${pad(s)}`;
}

// The engine explains options in English; the Polish console rewrites its known phrasings.
const REASONS_PL = [
  [/^recommended: on time, (.+) before the deadline$/, (m) => `rekomendacja: na czas, ${m[1]} przed terminem`],
  [/^recommended: fastest possible, (.+) late$/, (m) => `rekomendacja: najszybsza możliwa, ${m[1]} po terminie`],
  [/^dearer by (.+) zł$/, (m) => `droższa o ${m[1]} zł`],
  [/^later by (.+)$/, (m) => `późniejsza o ${m[1]}`],
  [/^misses the deadline by (.+)$/, (m) => `nie zdąży przed terminem (${m[1]})`],
  [/^ties with the recommendation in time and cost$/, () => "równa rekomendacji czasem i kosztem"],
  [/^better on its own; the day's plan as a whole prefers the recommendation$/,
    () => "lepsza osobno; plan całego dnia wybiera rekomendację"],
];

function reasonText(reason) {
  if (state.lang !== "pl") return reason;
  for (const [pattern, rewrite] of REASONS_PL) {
    const match = reason.match(pattern);
    if (match) return rewrite(match);
  }
  return reason;
}

function fmtMoney(grosze) {
  return new Intl.NumberFormat(locale(), { style: "currency", currency: "PLN" }).format(grosze / 100);
}

function leftNow(deadline) {
  return deadline ? (new Date(deadline).getTime() - serverNow()) / 1000 : null;
}

function liveState(row) {
  // The server's state, with "late" and "at risk" re-evaluated as the countdown runs.
  if (row.state === "new") return "new";
  const left = leftNow(row.deadline);
  if (left < 0 || row.state === "late") return "late";
  return left < 3600 ? "at_risk" : row.state;
}

// ---- API ------------------------------------------------------------------------------------

async function call(method, path, body) {
  const headers = { "X-API-Key": state.key };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const reply = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = reply.headers.get("content-type")?.includes("json") ? await reply.json() : null;
  if (reply.status === 401) { signOut(t("badKey")); throw new Error(t("badKey")); }
  if (!reply.ok) {
    const error = new Error(describe(data) || `HTTP ${reply.status}`);
    error.status = reply.status; error.data = data;
    throw error;
  }
  return data;
}

function describe(data) {
  if (!data) return "";
  if (typeof data.detail === "string") return data.detail;
  if (Array.isArray(data.detail)) return data.detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`).join("; ");
  return JSON.stringify(data);
}

function say(message, isError) {
  const status = $("status");
  delete status.dataset.stale;
  status.textContent = message;
  status.classList.toggle("error", Boolean(isError));
}

// ---- session --------------------------------------------------------------------------------

function signIn(key) {
  state.key = key;
  sessionStorage.setItem(KEY_STORE, key);
  $("login").hidden = true; $("session").hidden = false; $("app").hidden = false;
  refresh();
  clearInterval(state.timer);
  state.timer = setInterval(refresh, POLL_MS);
}

function signOut(message) {
  clearInterval(state.timer);
  state.key = ""; sessionStorage.removeItem(KEY_STORE);
  $("login").hidden = false; $("session").hidden = true; $("app").hidden = true;
  say(message || "", Boolean(message));
  $("api-key").focus();
}

// ---- polling --------------------------------------------------------------------------------

async function refresh() {
  try {
    const [queue, board] = await Promise.all([call("GET", "/console/api/queue"), call("GET", "/console/api/board")]);
    state.offsetMs = new Date(queue.now).getTime() - Date.now();
    state.queue = queue.tickets; state.board = board;
    if (!state.outlines) state.outlines = await (await fetch("/console/outlines.json")).json();
    if (state.selected !== null) await loadTicket(state.selected, true);
    renderAll();
    $("updated").textContent = t("updated", { time: fmtTime(queue.now) });
    if ($("status").dataset.stale) say("");
  } catch (error) {
    if (state.key) { say(error.message, true); $("status").dataset.stale = "1"; }
  }
}

async function loadTicket(id, quiet) {
  const ticket = await call("GET", `/v1/tickets/${id}`);
  state.ticket = ticket;
  state.plan = ticket.plan_id ? await call("GET", `/v1/plans/${ticket.plan_id}`) : null;
  if (!quiet) renderAll();
}

async function select(id) {
  state.selected = id; state.override = null;
  try { await loadTicket(id); } catch (error) { say(error.message, true); }
  $("ticket-title").focus();
}

async function act(work, okMessage) {
  const buttons = document.querySelectorAll("#ticket-body button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const result = await work();
    say(okMessage ? okMessage(result) : "");
    state.override = null;
  } catch (error) {
    if (error.status === 409 && error.data && error.data.plan) say(t("conflict", { detail: error.data.detail }), true);
    else say(error.message, true);
  }
  await refresh();
}

// ---- rendering ------------------------------------------------------------------------------

function renderAll() {
  renderFilters(); renderQueue(); renderMap(); renderDay();
  const typing = document.activeElement?.tagName === "TEXTAREA" && $("ticket-body").contains(document.activeElement);
  if (!typing) renderTicket();  // a poll must not take the reason field from under the dispatcher
}

function fillSelect(id, values, label) {
  const select = $(id);
  const current = select.value;
  const wanted = ["", ...values];
  const have = [...select.options].map((o) => o.value);
  if (wanted.join("|") !== have.join("|")) {
    select.replaceChildren(...wanted.map((v) => el("option", { value: v }, v ? label(v) : t("all"))));
  } else {
    select.options[0].textContent = t("all");
  }
  select.value = wanted.includes(current) ? current : "";
}

function renderFilters() {
  const uniq = (f) => [...new Set(state.queue.map(f))].sort();
  fillSelect("f-tier", uniq((r) => r.tier), (v) => v);
  fillSelect("f-voiv", uniq((r) => r.voivodeship), (v) => v);
  for (const option of $("f-state").options) option.textContent = option.value ? t(`st_${option.value}`) : t("all");
}

function filtered() {
  const tier = $("f-tier").value, voiv = $("f-voiv").value, wanted = $("f-state").value;
  return state.queue.filter((r) => (!tier || r.tier === tier) && (!voiv || r.voivodeship === voiv)
    && (!wanted || liveState(r) === wanted));
}

function renderQueue() {
  const rows = filtered();
  $("queue-count").textContent = `(${rows.length}/${state.queue.length})`;
  $("queue-empty").hidden = rows.length > 0;
  const focused = document.activeElement?.dataset?.ticket;
  $("queue-rows").replaceChildren(...rows.map((r) => {
    const live = liveState(r);
    const left = leftNow(r.deadline);
    const tr = el("tr", { class: `${live}${r.id === state.selected ? " selected" : ""}`, "data-id": r.id, onclick: () => select(r.id) },
      el("td", {}, el("button", { type: "button", class: "id", "data-ticket": r.id,
        "aria-label": `${t("ticket")} ${r.id}, ${t(`st_${live}`)}` }, r.id)),
      el("td", {}, el("div", { class: "left", "data-left": r.id }, left === null ? t("none") : fmtDuration(left)),
        el("span", { class: `chip ${live}` }, t(`st_${live}`))),
      el("td", {}, el("div", {}, r.tier), el("div", { class: "sub" }, `${r.product} · ${t(`s_${r.status}`)}`)),
      el("td", {}, el("div", { class: "site", title: r.site }, r.site),
        el("div", { class: "sub" }, `${r.sku} · ${r.voivodeship}`)));
    return tr;
  }));
  if (focused) document.querySelector(`#queue-rows button[data-ticket="${focused}"]`)?.focus();
}

function optionRows(o, plan, chosenRank) {
  const slackClass = o.slack_s < 0 ? "late" : o.slack_s < 3600 ? "at_risk" : "on_track";
  const canChoose = o.rank !== 0 && plan.status !== "superseded";
  const chosen = o.rank === chosenRank ? " chosen" : "";
  return [
    el("tr", { class: `main${chosen}`, "data-option": o.rank, "data-depot": o.depot_id, "data-engineer": o.engineer_id || "" },
      el("td", {}, o.rank),
      el("td", {}, t(`m_${o.mode}`)),
      el("td", {}, o.engineer_id ? `${o.depot_id} · ${o.engineer_id}` : o.depot_id),
      el("td", {}, fmtTime(o.arrival_at, true)),
      el("td", {}, el("span", { class: `chip ${slackClass}` }, fmtDuration(o.slack_s))),
      el("td", {}, fmtMoney(o.cost_gr)),
      el("td", {}, canChoose ? el("button", { type: "button", "data-rank": o.rank,
        "aria-label": `${t("choose")} ${o.rank}: ${t(`m_${o.mode}`)} ${o.depot_id}`,
        onclick: () => { state.override = o.rank; renderTicket(); $("override-reason")?.focus(); } }, t("choose")) : "")),
    el("tr", { class: `why${chosen}` }, el("td", {}), el("td", { class: "reason", colspan: 6 }, `${t("why")}: ${reasonText(o.reason)}`)),
  ];
}

function optionsTable(options, plan, chosenRank) {
  return el("table", { class: "opts" },
    el("thead", {}, el("tr", {}, ...["rank", "mode", "depotEngineer", "eta", "slack", "cost", ""]
      .map((k) => el("th", { scope: "col" }, k ? t(k) : "")))),
    el("tbody", {}, options.map((o) => optionRows(o, plan, chosenRank))));
}

function planButton(ticket, plan) {
  return el("button", { type: "button", id: "replan", class: plan ? null : "primary",
    onclick: () => act(() => call("POST", `/v1/tickets/${ticket.id}/plan`)) }, plan ? t("replan") : t("plan"));
}

function renderPlan(ticket, plan) {
  if (!plan) return [el("p", { class: "empty" }, t("noPlan")), el("div", { class: "actions" }, planButton(ticket, null))];
  const chosen = plan.status === "confirmed" ? plan.confirmed_rank : null;
  const out = [
    el("div", { class: "card recommended" },
      el("h3", {}, `${t("recommended")} `, el("span", { class: "badge" }, plan.status === "confirmed" ? t("confirmed") : t("proposed")),
        plan.reserved_units.length ? el("span", { class: "reason" }, ` ${t("reserved")}: ${plan.reserved_units.join(", ")}`) : ""),
      optionsTable([plan.recommendation], plan, chosen),
      plan.override_reason ? el("p", { class: "reason" }, t("overrideNote", { reason: plan.override_reason })) : ""),
  ];
  const actions = el("div", { class: "actions" });
  if (plan.status === "proposed") {
    actions.append(el("button", { type: "button", class: "primary", id: "confirm",
      onclick: () => act(() => call("POST", `/v1/plans/${plan.id}/confirm`),
        (p) => t("confirmedMsg", { units: p.reserved_units.join(", ") || t("none") })) }, t("confirm")));
  }
  actions.append(planButton(ticket, plan));
  out.push(actions);
  if (plan.alternatives.length) {
    out.push(el("div", { class: "card" }, el("h3", {}, t("alternatives")), optionsTable(plan.alternatives, plan, chosen)));
  }
  if (state.override !== null) {
    const form = el("form", { class: "override", id: "override-form", onsubmit: (e) => {
      e.preventDefault();
      const reason = $("override-reason").value.trim();
      if (!reason) { $("override-reason").reportValidity(); return; }
      act(() => call("POST", `/v1/plans/${plan.id}/override`, { rank: state.override, reason }),
        (p) => t("confirmedMsg", { units: p.reserved_units.join(", ") || t("none") }));
    } },
    el("strong", {}, t("overrideTitle", { rank: state.override })),
    el("label", { for: "override-reason" }, t("overrideReason")),
    el("textarea", { id: "override-reason", required: true, rows: 2, maxlength: 2000 }),
    el("div", { class: "actions" },
      el("button", { type: "submit", class: "primary", id: "override-submit" }, t("overrideSubmit")),
      el("button", { type: "button", onclick: () => { state.override = null; renderTicket(); } }, t("cancel"))));
    out.push(form);
  }
  return out;
}

function renderTicket() {
  const body = $("ticket-body");
  const ticket = state.ticket;
  if (!ticket || ticket.id !== state.selected) {
    body.replaceChildren(el("p", { class: "empty" }, t("pickTicket")));
    $("ticket-title").textContent = t("ticket");
    return;
  }
  const keep = state.override !== null ? $("override-reason")?.value : null;
  const row = state.queue.find((r) => r.id === ticket.id);
  const live = row ? liveState(row) : "new";
  const left = leftNow(ticket.deadline);
  $("ticket-title").textContent = `${t("ticket")} #${ticket.id}`;
  $("ticket-title").setAttribute("tabindex", "-1");
  const parts = [
    el("div", { class: "head-line" },
      el("span", { class: `chip ${live}` }, t(`st_${live}`)),
      el("span", {}, `${t("deadline")}: `, el("strong", {}, fmtTime(ticket.deadline, true))),
      el("span", { class: `countdown ${live}`, id: "countdown", "aria-label": t("countdown") },
        left === null ? t("none") : fmtDuration(left))),
    el("dl", {},
      el("dt", {}, t("status")), el("dd", {}, t(`s_${ticket.status}`)),
      el("dt", {}, t("tier")), el("dd", {}, `${ticket.tier} · ${ticket.product}`),
      el("dt", {}, t("site")), el("dd", {}, row ? row.site : t("none")),
      el("dt", {}, t("sku")), el("dd", {}, ticket.sku),
      el("dt", {}, t("contract")), el("dd", {}, ticket.contract_number),
      el("dt", {}, t("serial")), el("dd", {}, ticket.serial),
      el("dt", {}, t("submitted")), el("dd", {}, fmtTime(ticket.submitted_at, true)),
      el("dt", {}, t("voivodeship")), el("dd", {}, row ? row.voivodeship : t("none"))),
  ];
  if (ticket.description) parts.push(el("p", { class: "reason" }, ticket.description));
  if (ticket.status === "submitted") {
    parts.push(el("p", { class: "empty" }, t("notAccepted")),
      el("div", { class: "actions" }, el("button", { type: "button", class: "primary", id: "accept",
        onclick: () => act(() => call("POST", `/v1/tickets/${ticket.id}/accept`, {})) }, t("accept"))));
  } else {
    parts.push(...renderPlan(ticket, state.plan));
  }
  parts.push(el("h3", {}, t("history")), el("ol", { class: "history" }, ticket.history.slice().reverse().map((e) =>
    el("li", {}, el("time", { datetime: e.at }, fmtTime(e.at, true)), `${t(`k_${e.kind}`)} · ${t(`s_${e.status}`)} · ${e.actor}`,
      e.data && e.data.reason ? el("span", { class: "reason" }, ` — ${e.data.reason}`) : ""))));
  const scroll = body.scrollTop;
  body.replaceChildren(...parts);
  body.scrollTop = scroll;
  if (keep !== null && keep !== undefined && $("override-reason")) $("override-reason").value = keep;
}

// ---- map ------------------------------------------------------------------------------------

const MAP = { west: 14.0, east: 24.3, north: 55.0, south: 48.9, width: 400, height: 380 };
const KX = Math.cos((52 * Math.PI) / 180);

function project(lon, lat) {
  const spanX = (MAP.east - MAP.west) * KX, spanY = MAP.north - MAP.south;
  const scale = Math.min(MAP.width / spanX, MAP.height / spanY);
  const x = (lon - MAP.west) * KX * scale + (MAP.width - spanX * scale) / 2;
  const y = (MAP.north - lat) * scale + (MAP.height - spanY * scale) / 2;
  return [x.toFixed(1), y.toFixed(1)];
}

function ringPath(ring) {
  return ring.map(([lon, lat], i) => `${i ? "L" : "M"}${project(lon, lat).join(",")}`).join("") + "Z";
}

function renderLand() {
  const land = $("map-land");
  if (land.childElementCount || !state.outlines) return;
  land.setAttribute("class", "land");
  for (const feature of state.outlines.features) {
    const g = feature.geometry;
    const polygons = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
    const d = polygons.map((rings) => rings.map(ringPath).join("")).join("");
    land.append(svg("path", { d }, svg("title", {}, feature.properties.nazwa)));
  }
}

function renderMap() {
  renderLand();
  const board = state.board;
  if (!board) return;
  const depots = $("map-depots"), engineers = $("map-engineers"), sites = $("map-sites"), route = $("map-route");
  depots.replaceChildren(...board.depots.map((d) => {
    const [x, y] = project(d.lon, d.lat);
    return svg("g", { class: `depot${d.available ? "" : " empty"}`, "data-depot": d.id },
      svg("title", {}, t("depotStock", { name: d.name, n: d.available })),
      svg("rect", { x: x - 5, y: y - 5, width: 10, height: 10 }),
      svg("text", { x: +x + 7, y: +y + 3 }, `${d.id} ${d.available}`));
  }));
  engineers.replaceChildren(...board.engineers.map((e) => {
    const [x, y] = project(e.lon, e.lat);
    return svg("g", { class: `eng${e.available ? "" : " off"}` },
      svg("title", {}, t("engineerOn", { name: e.name, skills: e.skills.join(", ") })),
      svg("path", { d: `M${x},${y - 6}L${+x + 5},${+y + 3}L${x - 5},${+y + 3}Z` }));
  }));
  sites.replaceChildren(...state.queue.map((r) => {
    const [x, y] = project(r.lon, r.lat);
    const live = liveState(r);
    return svg("circle", { class: `site ${live}${r.id === state.selected ? " selected" : ""}`, cx: x, cy: y, r: 4.5, "data-site": r.id },
      svg("title", {}, t("siteTitle", { id: r.id, site: r.site, state: t(`st_${live}`) })));
  }));
  route.replaceChildren();
  const row = state.queue.find((r) => r.id === state.selected);
  const plan = state.plan;
  if (row && plan) {
    const option = plan.status === "confirmed" && plan.confirmed_rank
      ? plan.alternatives.find((o) => o.rank === plan.confirmed_rank) : plan.recommendation;
    // The legs the engine booked (or would book): the serving vehicle's day, stop by stop.
    const vehicle = option.engineer_id || (option.legs[0] && option.legs[0].vehicle);
    const legs = option.legs.filter((l) => l.vehicle === vehicle);
    const stops = legs.length ? [legs[0].origin, ...legs.map((l) => l.destination)] : [];
    const points = stops.map((p) => project(p.lon, p.lat).join(","));
    if (points.length > 1) route.append(svg("polyline", { class: "route", points: points.join(" "), "data-route": row.id }));
  }
}

// ---- engineers' day -------------------------------------------------------------------------

function dayRange(board) {
  // Hours of the board's Warsaw day; instants on other days clamp to 0 or 24.
  const format = new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "numeric", minute: "numeric", hourCycle: "h23" });
  const hourOf = (iso) => {
    const parts = Object.fromEntries(format.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
    const day = `${parts.year}-${parts.month}-${parts.day}`;
    if (day < board.day) return 0;
    if (day > board.day) return 24;
    return +parts.hour + +parts.minute / 60;
  };
  let start = 7, end = 19;
  for (const e of board.engineers) {
    for (const [s, f] of e.shifts) { start = Math.min(start, Math.floor(hourOf(s))); end = Math.max(end, Math.ceil(hourOf(f))); }
    for (const seg of e.segments) { start = Math.min(start, Math.floor(hourOf(seg.start))); end = Math.max(end, Math.ceil(hourOf(seg.end))); }
  }
  return { start, end, hourOf };
}

function renderDay() {
  const board = state.board, gantt = $("gantt");
  if (!board) return;
  $("day-date").textContent = new Intl.DateTimeFormat(locale(), { timeZone: TZ, weekday: "long", day: "numeric", month: "long" }).format(new Date(board.now));
  const { start, end, hourOf } = dayRange(board);
  const hours = end - start;
  const pos = (iso) => Math.max(0, Math.min(100, ((hourOf(iso) - start) / hours) * 100));
  const axis = el("div", { class: "g-axis", "aria-hidden": "true" }, el("span", {}),
    el("div", { class: "g-scale" }, Array.from({ length: hours + 1 }, (_, i) => el("span", { style: `left:${(i / hours) * 100}%` }, `${start + i}:00`))));
  const selected = state.selected;
  const busy = (e) => e.segments.some((s) => s.kind !== "idle");
  const engineers = [...board.engineers].sort((a, b) => busy(b) - busy(a) || b.available - a.available || a.id.localeCompare(b.id));
  const rows = engineers.map((e) => {
    const track = el("div", { class: "g-track", style: `--hours:${hours}`, role: "list", "aria-label": e.name });
    for (const s of e.segments) {
      const left = pos(s.start), width = Math.max(0.4, pos(s.end) - left);
      const label = `${t(`sg_${s.kind}`)}${s.ticket_id ? ` #${s.ticket_id}` : ""}${s.place ? ` ${s.place}` : ""} ${fmtTime(s.start)}–${fmtTime(s.end)}${s.pinned ? ` (${t("sg_pinned")})` : ""}`;
      track.append(el("div", { class: `seg ${s.kind}${s.pinned ? " pinned" : ""}${s.ticket_id && s.ticket_id === selected ? " hl" : ""}`,
        style: `left:${left}%;width:${width}%`, role: "listitem", title: label, "aria-label": label,
        "data-kind": s.kind, "data-ticket": s.ticket_id || "" },
        s.kind === "visit" || s.kind === "pickup" ? (s.ticket_id ? `#${s.ticket_id}` : "") : ""));
    }
    const now = hourOf(board.now);
    if (now >= start && now <= end) track.append(el("div", { class: "g-now", style: `left:${((now - start) / hours) * 100}%` }));
    return el("div", { class: `g-row${e.available ? "" : " off"}`, "data-engineer": e.id },
      el("div", { class: "g-who" },
        el("span", { class: "name", title: e.skills.join(", ") }, e.name, " ", el("small", {}, e.available ? e.id : `${e.id} · ${t("offDuty")}`)),
        el("button", { type: "button", "data-unavailable": e.id, disabled: e.available ? null : true,
          "aria-label": `${t("unavailable")}: ${e.name}`, onclick: () => openUnavailable(e) }, t("unavailable"))),
      track);
  });
  gantt.replaceChildren(axis, ...rows);
}

function openUnavailable(engineer) {
  state.unavailableFor = engineer;
  $("unavailable-title").textContent = t("unavailableTitle", { name: engineer.name });
  $("unavailable-reason").value = "";
  $("unavailable-dialog").showModal();
  $("unavailable-reason").focus();
}

async function submitUnavailable(event) {
  event.preventDefault();
  const reason = $("unavailable-reason").value.trim();
  if (!reason) { $("unavailable-reason").reportValidity(); return; }
  const engineer = state.unavailableFor;
  $("unavailable-dialog").close();
  try {
    const report = await call("POST", `/console/api/engineers/${encodeURIComponent(engineer.id)}/unavailable`, { reason });
    const failed = report.tickets.filter((r) => r.error);
    say(t("replanned", { n: report.tickets.length - failed.length }) + failed.map((r) => ` #${r.ticket_id}: ${r.error}`).join(""), failed.length > 0);
  } catch (error) {
    say(error.message, true);
  }
  await refresh();
}

// ---- static texts, language, countdowns ------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = state.lang;
  document.title = `${t("title")} · dispatch-pl`;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  const other = state.lang === "pl" ? "en" : "pl";
  $("lang").textContent = other.toUpperCase();
  $("lang").setAttribute("lang", other);
  $("lang").setAttribute("aria-label", t("switchLang"));
  if (state.key) renderAll();
}

function tick() {
  const now = new Date(serverNow());
  $("clock").textContent = new Intl.DateTimeFormat(locale(), { timeZone: TZ, weekday: "short", hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(now);
  for (const node of document.querySelectorAll("[data-left]")) {
    const row = state.queue.find((r) => r.id === +node.dataset.left);
    if (row && row.deadline) node.textContent = fmtDuration(leftNow(row.deadline));
  }
  const countdown = $("countdown");
  if (countdown && state.ticket && state.ticket.deadline) countdown.textContent = fmtDuration(leftNow(state.ticket.deadline));
}

function init() {
  $("login").addEventListener("submit", (e) => { e.preventDefault(); signIn($("api-key").value.trim()); $("api-key").value = ""; });
  $("logout").addEventListener("click", () => signOut());
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "pl" ? "en" : "pl";
    localStorage.setItem(LANG_STORE, state.lang);
    applyLanguage();
  });
  for (const id of ["f-tier", "f-voiv", "f-state"]) $(id).addEventListener("change", () => { renderQueue(); renderMap(); });
  $("unavailable-form").addEventListener("submit", submitUnavailable);
  $("unavailable-cancel").addEventListener("click", () => $("unavailable-dialog").close());
  applyLanguage();
  setInterval(tick, 1000);
  if (state.key) signIn(state.key); else $("api-key").focus();
}

init();
