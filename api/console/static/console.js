// Dispatcher console: plain JavaScript, no build step, no external assets.
// Reads: /console/api/queue (filtered on the server, only what changed since the page's version)
// and /console/api/board (polled), /v1/tickets/{id}, /v1/plans/{id}.
// Actions: the public /v1 API (accept, refuse, plan, confirm, override, status, the whole
// day's re-optimisation: /v1/days/reoptimise and /v1/proposals/{id}/apply) and the console's
// unavailable-engineer replan and move.
"use strict";

const POLL_MS = 4000;
const KEY_STORE = "dispatch.console.key";
const LANG_STORE = "dispatch.console.lang";
const TZ = "Europe/Warsaw";
const DAYS = 3; // the board shows today and the next two days (the engine plans 3 days ahead)

const TEXT = {
  pl: {
    skip: "Przejdź do kolejki", title: "Konsola dyspozytora", apiKey: "Klucz API",
    signIn: "Zaloguj", signOut: "Wyloguj", queue: "Kolejka", tier: "Poziom",
    voivodeship: "Województwo", state: "Stan", all: "wszystkie", timeLeft: "Pozostało",
    search: "Szukaj", searchHint: "nr, numer seryjny, miejsce, umowa",
    arrivalMargin: "Przyjazd / zapas", siteSku: "Miejsce / SKU", queueEmpty: "Brak otwartych zgłoszeń.",
    ticket: "Zgłoszenie", pickTicket: "Wybierz zgłoszenie z kolejki.", map: "Mapa",
    mapDesc: "Województwa, magazyny ze stanem, inżynierowie i otwarte miejsca serwisu.",
    lgDepot: "magazyn (wolne szt.)", lgEngineer: "inżynier", lgRoute: "trasa", lgCluster: "grupa zgłoszeń",
    engineersDay: "Dzień inżynierów", reason: "Powód", markAndReplan: "Zapisz i przeplanuj",
    cancel: "Anuluj", st_late: "spóźnione", st_at_risk: "zagrożone", st_on_track: "na czas",
    st_new: "nowe", st_blocked: "nie do obsłużenia", st_conflict: "konflikt",
    sg_travel: "dojazd", sg_pickup: "odbiór części", sg_visit: "wizyta",
    sg_idle: "bezczynność", sg_pinned: "w drodze", sg_done: "zakończone", sg_overtime: "nadgodziny",
    shiftEnd: "koniec zmiany", deadline: "Termin",
    countdown: "Do terminu", reactionLeft: "Do reakcji", status: "Status", contract: "Umowa", serial: "Numer seryjny",
    site: "Miejsce", sku: "SKU", service: "Usługa", submitted: "Zgłoszono",
    accept: "Przyjmij (start zegara SLA)", refuse: "Odrzuć zgłoszenie", refuseReason: "Powód odrzucenia (wymagany)",
    refuseSubmit: "Odrzuć", refusedMsg: "Zgłoszenie #{id} odrzucone.",
    plan: "Zaplanuj", replan: "Przeplanuj",
    recommended: "Rekomendacja", alternatives: "Alternatywy", confirm: "Potwierdź rekomendację",
    choose: "Wybierz", mode: "Tryb", depotEngineer: "Magazyn / inżynier", eta: "Przyjazd",
    slack: "Zapas", cost: "Koszt", why: "Dlaczego", history: "Historia", confirmed: "plan potwierdzony",
    proposed: "propozycja", overrideTitle: "Wybór alternatywy nr {rank}",
    overrideReason: "Powód zmiany (wymagany)", overrideSubmit: "Zatwierdź alternatywę",
    overrideLate: "Ta opcja przyjeżdża po terminie (o {late}). Zatwierdzenie oznacza naruszenie SLA.",
    overrideLateSubmit: "Zatwierdź mimo spóźnienia",
    overrideNote: "Zmiana rekomendacji: {reason}", noPlan: "Brak planu. Zaplanuj zgłoszenie.",
    notAccepted: "Zgłoszenie czeka na weryfikację: przyjmij je albo odrzuć.", absent: "Nieobecność",
    absentTitle: "{name}: nieobecność do końca dnia", offDuty: "poza zmianą",
    loading: "Ładowanie…", updated: "Zaktualizowano {time}", badKey: "Nieznany lub cofnięty klucz API.",
    confirmedMsg: "Plan potwierdzony: zarezerwowano {units}.", conflict: "Konflikt: {detail}",
    reserved: "Zarezerwowane", depotStock: "{name}: wolne {n} szt.", engineerOn: "{name} ({skills})",
    siteTitle: "#{id} {site}: {state}", clusterTitle: "{n} · najpilniejsze #{id}", none: "—", rank: "Nr",
    substitute: "zamiennik {sku} za {wanted}", similar: "+{n} podobne", 
    blockedTitle: "Nie do obsłużenia", conflictTitle: "Konflikt przy potwierdzeniu",
    blockedNext: "Co dalej: spróbuj zaplanować ponownie (np. po dostawie części lub zmianie grafiku) albo eskaluj zgłoszenie.",
    conflictNext: "Co dalej: serwer przygotował nowy plan (poniżej): potwierdź go, wybierz alternatywę albo eskaluj zgłoszenie.",
    escalate: "Eskaluj", escalatedMsg: "Zgłoszenie #{id} eskalowane.", tryAgain: "Zaplanuj ponownie",
    offline: "Brak połączenia z serwerem. Dane z {time} mogą być nieaktualne; ponawiam co 4 s.",
    today: "Dziś", tomorrow: "Jutro", dayAfter: "Pojutrze", overtimeOf: "nadgodziny {d}",
    arrival: "przyjazd {time}", margin: "zapas {d}", lateBy: "spóźnienie {d}", reaction: "reakcja",
    m_courier: "kurier", m_dedicated: "transport dedykowany", m_engineer: "inżynier",
    s_submitted: "zgłoszone", s_accepted: "przyjęte", s_planned: "zaplanowane",
    s_dispatched: "wysłane", s_escalated: "eskalowane", s_delivered: "dostarczone",
    s_resolved: "rozwiązane", s_closed: "zamknięte", s_refused: "odrzucone", s_unservable: "bez możliwości obsługi",
    k_submitted: "zgłoszono", k_accepted: "przyjęto", k_planned: "zaplanowano",
    k_confirmed: "potwierdzono plan", k_overridden: "wybrano alternatywę", k_status: "zmiana statusu",
    k_refused: "odrzucono", k_rma_received: "odebrano zwrot RMA", k_escalated: "eskalowano",
    k_delivered: "dostarczono", k_resolved: "rozwiązano", k_closed: "zamknięto", k_replanned: "przeplanowano",
    moveTo: "Przenieś wizytę do", moveCheck: "Sprawdź przeniesienie", moveTitle: "Skutki przeniesienia",
    moveNow: "Teraz", moveAfter: "Po przeniesieniu", moveConfirm: "Potwierdź przeniesienie",
    undo: "Cofnij", undoTitle: "Cofnij przeniesienie #{id}; wizytę wykona znów: {name} (silnik planuje ją od nowa)",
    undone: "Cofnięto przeniesienie #{id}; wizytę wykona: {name}.",
    undoConfirmTitle: "Cofnij zatwierdzenie #{id}: część wraca do magazynu, dzień inżyniera jak przed zatwierdzeniem, plan czeka na ponowne potwierdzenie",
    released: "Cofnięto zatwierdzenie #{id}: zwolniono {units}; plan czeka na potwierdzenie.", undoFailed: "Nie można cofnąć: {detail}",
    moveAt: "od godziny", moveAtHint: "opcjonalnie; dzień z osi czasu: {day}", moveAsked: "Żądany początek",
    moveLate: "Po przeniesieniu wizyta będzie po terminie (o {late}). Potwierdzenie oznacza naruszenie SLA.",
    moveConfirmLate: "Potwierdź mimo spóźnienia", moveAtNow: "najwcześniej, jak się da",
    k_released: "cofnięto zatwierdzenie",
    moveChecked: "Silnik sprawdził przeniesienie #{id}: nic nie zarezerwowano, dopóki go nie potwierdzisz.",
    movesOthers: "przesuwa: {list}", dragHint: "Przeciągnij wizytę na wiersz inżyniera i godzinę, od której ma się zacząć, aby sprawdzić przeniesienie.",
    switchLang: "Switch to English",
    e_forbidden: "Ten klucz nie ma uprawnień do tej czynności.", e_notFound: "Nie znaleziono: {what}.",
    e_busy: "Baza danych zajęta, spróbuj za chwilę.", e_server: "Błąd serwera (HTTP {status}).",
    e_invalid: "Nieprawidłowe dane: {what}.", e_other: "Serwer odrzucił żądanie (HTTP {status}).",
    e_invalidWhy: "Nieprawidłowe dane ({what}): {why}.",
    undoMore: "Cofnij ({n})",
    reopt: "Przeoptymalizuj dzień", reoptTitle: "Przeoptymalizowanie dnia: {day}",
    reoptBusy: "Silnik przelicza cały dzień (do kilku sekund)…", reoptApplying: "Zapisywanie zmian…",
    reoptSummary: "Propozycja nr {id} zmienia {changes}; bez zmian: {unchanged}. Silnik sprawdził {tried} z {total} w {s} s.",
    reoptBudget: "Pozostałe zostają jak są (skończył się czas wyszukiwania).",
    reoptNothing: "Nic do przeplanowania tego dnia: wszystkie wizyty już się zaczęły albo nie ma zgłoszeń.",
    reoptNoGain: "Silnik nie znalazł lepszego planu dnia: nie ma czego zastosować.",
    reoptNotBetter: "Propozycja nie zwiększa liczby zgłoszeń na czas ani nie obniża kosztu; zastosuj ją tylko, jeśli potrzebujesz tych planów.",
    repairNote: "Dotychczasowego planu nie da się już wykonać; to najlepsze, co silnik znalazł dla tych zgłoszeń.",
    repairs: "Propozycje naprawy", repairsTitle: "Propozycje naprawy do decyzji",
    repairsEmpty: "Brak propozycji naprawy do decyzji.", repairsHint: "Silnik proponuje naprawę, gdy inżynier jest niedostępny, wizyta się nie udała albo zgłoszenie spóźni się według raportu z terenu.",
    repairTitle: "Propozycja naprawy nr {id}: {trigger}", repairItem: "Nr {id} · {trigger} · zmienia {changes} · {time}",
    tr_unavailable: "nieobecność: {name} — {reason}", tr_reported: "{name}: {kind}",
    fk_departed: "wyjazd", fk_arrived: "przyjazd", fk_finished: "zakończenie wizyty", fk_failed: "nieudana wizyta", fk_position: "pozycja",
    reoptMoreServed: "Propozycja obsługuje więcej zgłoszeń ({a} → {b}) przy tej samej liczbie na czas; koszt zmienia się o {d}.",
    reoptApply: "Zastosuj wszystkie zmiany", reoptReject: "Odrzuć", reoptAgain: "Zaproponuj ponownie",
    reoptTotals: "Cały dzień", reoptBefore: "Przed", reoptAfter: "Po", reoptOnTime: "Na czas",
    reoptOnTimeTier: "Na czas · {tier}", reoptServed: "Obsłużone", reoptCost: "Koszt", reoptKm: "Kilometry",
    reoptByEngineer: "Zmiany według inżynierów", reoptChange: "Zmiana", reoptGroupFigures: "zmieniane wizyty: na czas {a} → {b} · koszt {x} → {y}",
    rc_in: "przejmuje od: {who}", rc_new: "nowy plan", rc_out: "przekazuje: {who}", rc_gone: "traci obsługę",
    rc_retime: "nowa godzina", src_depot: "część odbiera w magazynie {depot}", src_van: "część z samochodu serwisowego",
    src_meet: "część dowozi kierowca z magazynu {depot}", src_other: "część z magazynu {depot}", rf_late: "spóźni się", rf_still: "nadal spóźnione", rf_saved: "zdąży", rf_ok: "na czas",
    rf_gone: "nie do obsłużenia", noPlanYet: "bez planu", courierFrom: "kurier ({depot})", dedicatedFrom: "transport dedykowany ({depot})",
    reoptApplied: "Zastosowano propozycję nr {id}: zmiany w {tickets}.",
    reoptRejected: "Odrzucono propozycję nr {id}; nic nie zmieniono.",
    reoptStaleTitle: "Dzień zmienił się od przygotowania propozycji",
    reoptStale: "Nic nie zastosowano. Zaproponuj ponownie, aby silnik uwzględnił zmiany.",
    contacted: "Skontaktowano", contactedHint: "Zapisz pierwszy kontakt z klientem: zatrzymuje zegar reakcji.",
    contactedMsg: "#{id}: zapisano kontakt z klientem, na czas.", contactedLateMsg: "#{id}: zapisano kontakt z klientem, po terminie reakcji (o {d}).",
    reactionDue: "Reakcja do {time}", reactionRuns: "pozostało {d}", reactionOver: "przekroczona o {d}, brak kontaktu",
    contactedAt: "Kontakt z klientem {time}", contactOnTime: "na czas", contactLate: "po terminie reakcji (o {d})",
    contactShort: "kontakt {time}", k_contacted: "kontakt z klientem",
    breachesTitle: "Naruszenia czasu reakcji (ostatnie 7 dni)", breachesHint: "Zgłoszenia bez kontaktu z klientem w ciągu godziny (reguła 1): kliknij, aby zobaczyć listę.",
    breachesSummary: "{count}: bez kontaktu {waiting}, kontakt po terminie {late}.", breachesEmpty: "Brak naruszeń czasu reakcji w ostatnich 7 dniach.",
    noContact: "brak kontaktu", lateByCol: "Przekroczenie", reactionDueCol: "Termin reakcji", contactCol: "Kontakt", close: "Zamknij",
  },
  en: {
    skip: "Skip to the queue", title: "Dispatcher console", apiKey: "API key",
    signIn: "Sign in", signOut: "Sign out", queue: "Queue", tier: "Tier",
    voivodeship: "Voivodeship", state: "State", all: "all", timeLeft: "Time left",
    search: "Search", searchHint: "no., serial, site, contract",
    arrivalMargin: "Arrival / margin", siteSku: "Site / SKU", queueEmpty: "No open tickets.",
    ticket: "Ticket", pickTicket: "Pick a ticket from the queue.", map: "Map",
    mapDesc: "Voivodeships, depots with stock, engineers and open service sites.",
    lgDepot: "depot (free units)", lgEngineer: "engineer", lgRoute: "route", lgCluster: "group of tickets",
    engineersDay: "Engineers' day", reason: "Reason", markAndReplan: "Save and replan",
    cancel: "Cancel", st_late: "late", st_at_risk: "at risk", st_on_track: "on track",
    st_new: "new", st_blocked: "unservable", st_conflict: "conflict",
    sg_travel: "travel", sg_pickup: "part pickup", sg_visit: "visit",
    sg_idle: "idle", sg_pinned: "under way", sg_done: "done", sg_overtime: "overtime",
    shiftEnd: "shift end", deadline: "Deadline",
    countdown: "Time left", reactionLeft: "Reaction due in", status: "Status", contract: "Contract", serial: "Serial",
    site: "Site", sku: "SKU", service: "Service", submitted: "Submitted",
    accept: "Accept (start the SLA clock)", refuse: "Refuse ticket", refuseReason: "Reason for refusing (required)",
    refuseSubmit: "Refuse", refusedMsg: "Ticket #{id} refused.",
    plan: "Plan", replan: "Replan",
    recommended: "Recommendation", alternatives: "Alternatives", confirm: "Confirm recommendation",
    choose: "Choose", mode: "Mode", depotEngineer: "Depot / engineer", eta: "Arrival",
    slack: "Slack", cost: "Cost", why: "Why", history: "History", confirmed: "plan confirmed",
    proposed: "proposal", overrideTitle: "Choose alternative no. {rank}",
    overrideReason: "Reason for the change (required)", overrideSubmit: "Confirm alternative",
    overrideLate: "This option arrives after the deadline (by {late}). Confirming it breaks the SLA.",
    overrideLateSubmit: "Confirm although late",
    overrideNote: "Override: {reason}", noPlan: "No plan yet. Plan the ticket.",
    notAccepted: "The ticket awaits verification: accept or refuse it.", absent: "Absence",
    absentTitle: "{name}: absent for the rest of the day", offDuty: "off duty",
    loading: "Loading…", updated: "Updated {time}", badKey: "Unknown or revoked API key.",
    confirmedMsg: "Plan confirmed: reserved {units}.", conflict: "Conflict: {detail}",
    reserved: "Reserved", depotStock: "{name}: {n} free units", engineerOn: "{name} ({skills})",
    siteTitle: "#{id} {site}: {state}", clusterTitle: "{n} · most urgent #{id}", none: "—", rank: "No.",
    substitute: "substitute {sku} for {wanted}", similar: "+{n} similar",
    blockedTitle: "Unservable", conflictTitle: "Conflict on confirm",
    blockedNext: "Next: plan again (e.g. after a part arrives or a shift changes) or escalate the ticket.",
    conflictNext: "Next: the server made a fresh plan (below): confirm it, choose an alternative or escalate the ticket.",
    escalate: "Escalate", escalatedMsg: "Ticket #{id} escalated.", tryAgain: "Plan again",
    offline: "The server is unreachable. Data from {time} may be out of date; retrying every 4 s.",
    today: "Today", tomorrow: "Tomorrow", dayAfter: "Day after", overtimeOf: "overtime {d}",
    arrival: "arrives {time}", margin: "margin {d}", lateBy: "late by {d}", reaction: "reaction",
    m_courier: "courier", m_dedicated: "dedicated car", m_engineer: "engineer",
    s_submitted: "submitted", s_accepted: "accepted", s_planned: "planned",
    s_dispatched: "dispatched", s_escalated: "escalated", s_delivered: "delivered",
    s_resolved: "resolved", s_closed: "closed", s_refused: "refused", s_unservable: "unservable",
    k_submitted: "submitted", k_accepted: "accepted", k_planned: "planned",
    k_confirmed: "plan confirmed", k_overridden: "alternative chosen", k_status: "status change",
    k_refused: "refused", k_rma_received: "RMA return received", k_escalated: "escalated",
    k_delivered: "delivered", k_resolved: "resolved", k_closed: "closed", k_replanned: "replanned",
    moveTo: "Move the visit to", moveCheck: "Check the move", moveTitle: "What the move changes",
    moveNow: "Now", moveAfter: "After the move", moveConfirm: "Confirm the move",
    undo: "Undo", undoTitle: "Undo moving #{id}: back to {name} (planned again by the engine)",
    undone: "Move of #{id} undone: the visit is back with {name}.",
    undoConfirmTitle: "Undo confirming #{id}: the part goes back to stock, the engineer's day as before the confirm, the plan waits to be confirmed again",
    released: "Confirm of #{id} undone: released {units}; the plan waits to be confirmed.", undoFailed: "Cannot undo: {detail}",
    moveAt: "from", moveAtHint: "optional; the timeline's day: {day}", moveAsked: "Asked start",
    moveLate: "After the move the visit is past the deadline (by {late}). Confirming it breaches the SLA.",
    moveConfirmLate: "Confirm despite being late", moveAtNow: "as early as possible",
    k_released: "confirm released",
    moveChecked: "The engine checked moving #{id}: nothing is reserved until you confirm it.",
    movesOthers: "moves: {list}", dragHint: "Drag a visit onto an engineer's row at the time it should start to check the move.",
    switchLang: "Przełącz na polski",
    e_forbidden: "This key may not do that.", e_notFound: "Not found: {what}.",
    e_busy: "The database is busy; try again shortly.", e_server: "Server error (HTTP {status}).",
    e_invalid: "Invalid input: {what}.", e_other: "The server refused the request (HTTP {status}).",
    e_invalidWhy: "Invalid input ({what}): {why}.",
    undoMore: "Undo ({n})",
    reopt: "Re-optimise the day", reoptTitle: "Re-optimising the day: {day}",
    reoptBusy: "The engine is re-planning the whole day (a few seconds)…", reoptApplying: "Booking the changes…",
    reoptSummary: "Proposal no. {id} changes {changes}; unchanged: {unchanged}. The engine tried {tried} of {total} in {s} s.",
    reoptBudget: "The rest stay as booked (the search ran out of time).",
    reoptNothing: "Nothing to re-plan on this day: every visit has started or there are no tickets.",
    reoptNoGain: "The engine found no better plan for the day: nothing to apply.",
    reoptNotBetter: "The proposal neither puts more tickets on time nor costs less; apply it only if you need these plans.",
    repairNote: "The plan as booked can no longer be carried out; this is the best the engine found for these tickets.",
    repairs: "Repair proposals", repairsTitle: "Repair proposals to decide",
    repairsEmpty: "No repair proposal to decide.", repairsHint: "The engine proposes a repair when an engineer is unavailable, a visit failed or a field report makes a ticket late.",
    repairTitle: "Repair proposal no. {id}: {trigger}", repairItem: "No. {id} · {trigger} · changes {changes} · {time}",
    tr_unavailable: "{name} unavailable — {reason}", tr_reported: "{name}: {kind}",
    fk_departed: "departed", fk_arrived: "arrived", fk_finished: "finished", fk_failed: "failed visit", fk_position: "position",
    reoptMoreServed: "The proposal serves more tickets ({a} → {b}) with as many on time; the cost changes by {d}.",
    reoptApply: "Apply all changes", reoptReject: "Discard", reoptAgain: "Propose again",
    reoptTotals: "The whole day", reoptBefore: "Before", reoptAfter: "After", reoptOnTime: "On time",
    reoptOnTimeTier: "On time · {tier}", reoptServed: "Served", reoptCost: "Cost", reoptKm: "Kilometres",
    reoptByEngineer: "Changes by engineer", reoptChange: "Change", reoptGroupFigures: "visits changed: on time {a} → {b} · cost {x} → {y}",
    rc_in: "taken over from: {who}", rc_new: "newly planned", rc_out: "handed to: {who}", rc_gone: "loses its service",
    rc_retime: "new time", src_depot: "picks the part up at depot {depot}", src_van: "part from the van",
    src_meet: "a car brings the part from depot {depot}", src_other: "part from depot {depot}", rf_late: "becomes late", rf_still: "still late", rf_saved: "now on time", rf_ok: "on time",
    rf_gone: "unservable", noPlanYet: "no plan", courierFrom: "courier ({depot})", dedicatedFrom: "dedicated car ({depot})",
    reoptApplied: "Applied proposal no. {id}: changes in {tickets}.",
    reoptRejected: "Discarded proposal no. {id}; nothing changed.",
    reoptStaleTitle: "The day changed since the proposal was made",
    reoptStale: "Nothing was applied. Propose again so the engine sees the changes.",
    contacted: "Contacted", contactedHint: "Record the first contact with the customer: it stops the reaction clock.",
    contactedMsg: "#{id}: contact with the customer recorded, on time.", contactedLateMsg: "#{id}: contact with the customer recorded, after the reaction was due (by {d}).",
    reactionDue: "Reaction due {time}", reactionRuns: "{d} left", reactionOver: "overdue by {d}, no contact",
    contactedAt: "Customer contacted {time}", contactOnTime: "on time", contactLate: "after it was due (by {d})",
    contactShort: "contact {time}", k_contacted: "customer contacted",
    breachesTitle: "Reaction breaches (last 7 days)", breachesHint: "Tickets whose customer was not contacted within the hour (rule 1): click for the list.",
    breachesSummary: "{count}: not contacted {waiting}, contacted late {late}.", breachesEmpty: "No reaction breach in the last 7 days.",
    noContact: "no contact", lateByCol: "Overdue by", reactionDueCol: "Reaction due", contactCol: "Contact", close: "Close",
  },
};

const PLURAL = {
  pl: {
    visits: { one: "{n} wizytę", few: "{n} wizyty", many: "{n} wizyt", other: "{n} wizyty" },
    tickets: { one: "{n} zgłoszenie", few: "{n} zgłoszenia", many: "{n} zgłoszeń", other: "{n} zgłoszenia" },
    units: { one: "{n} szt.", few: "{n} szt.", many: "{n} szt.", other: "{n} szt." },
    replanned: { one: "Przeplanowano {n} wizytę.", few: "Przeplanowano {n} wizyty.", many: "Przeplanowano {n} wizyt.", other: "Przeplanowano {n} wizyty." },
    ticketsIn: { one: "{n} zgłoszeniu", few: "{n} zgłoszeniach", many: "{n} zgłoszeniach", other: "{n} zgłoszeniach" },
    breaches: { one: "{n} naruszenie reakcji", few: "{n} naruszenia reakcji", many: "{n} naruszeń reakcji", other: "{n} naruszenia reakcji" },
  },
  en: {
    visits: { one: "{n} visit", other: "{n} visits" },
    tickets: { one: "{n} ticket", other: "{n} tickets" },
    units: { one: "{n} unit", other: "{n} units" },
    replanned: { one: "Replanned {n} visit.", other: "Replanned {n} visits." },
    ticketsIn: { one: "{n} ticket", other: "{n} tickets" },
    breaches: { one: "{n} reaction breach", other: "{n} reaction breaches" },
  },
};

const state = {
  lang: localStorage.getItem(LANG_STORE) === "en" ? "en" : "pl",
  key: sessionStorage.getItem(KEY_STORE) || "",
  rows: new Map(), order: [], version: null, facets: null, total: 0, scope: "",
  board: null, outlines: null, selected: null, ticket: null, plan: null, shown: "",
  blocked: new Map(), // ticket id -> {kind: "blocked" | "conflict", text}: the server's last word
  offsetMs: 0, override: null, refusing: false, timer: null, absentFor: null, dayOffset: 0,
  offline: false, lastGood: null, polling: false, again: false,
  undos: [], // confirmed moves, last on top: {ticketId, engineerId} (the engineer it came from)
  reopt: null, // the whole day's re-optimisation shown: {day, proposal, busy, stale, error}
  whatIf: null, // {ticketId, before}: a move the engine checked, shown against the plan in force
  breaches: null, // the poll's reaction-breach counts; breachList: the list when its dialog is open
  breachList: null,
};

const $ = (id) => document.getElementById(id);

function t(key, args) {
  let text = TEXT[state.lang][key] ?? TEXT.en[key] ?? key;
  for (const [name, value] of Object.entries(args || {})) text = text.replace(`{${name}}`, value);
  return text;
}

function plural(key, n) {
  const forms = PLURAL[state.lang][key];
  const form = formatter("PluralRules", {}).select(n);
  return (forms[form] || forms.other).replace("{n}", n);
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
    if (child !== null && child !== undefined && child !== "") node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

// ---- formatting -----------------------------------------------------------------------------

const locale = () => (state.lang === "pl" ? "pl-PL" : "en-GB");
const FORMATS = new Map(); // Intl formatters are costly to make: one per locale and options

function formatter(kind, options) {
  const key = `${kind}|${locale()}|${JSON.stringify(options)}`;
  if (!FORMATS.has(key)) FORMATS.set(key, new Intl[kind](locale(), options));
  return FORMATS.get(key);
}
const serverNow = () => Date.now() + state.offsetMs;

function fmtTime(iso, withDay) {
  if (!iso) return t("none");
  const options = { timeZone: TZ, hour: "2-digit", minute: "2-digit" };
  if (withDay) Object.assign(options, { day: "numeric", month: "short" });
  return formatter("DateTimeFormat", options).format(new Date(iso));
}

function fmtDay(iso) {
  return formatter("DateTimeFormat", { timeZone: TZ, weekday: "long", day: "numeric", month: "long" }).format(new Date(iso));
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

function fmtSpan(seconds) {
  // "1 h 05 min" or "35 min": a margin or a difference as dispatchers read it
  const minutes = Math.round(Math.abs(seconds) / 60);
  const h = Math.floor(minutes / 60), m = minutes % 60;
  return h ? `${h} h ${String(m).padStart(2, "0")} min` : `${m} min`;
}

function fmtMoney(grosze) {
  return formatter("NumberFormat", { style: "currency", currency: "PLN" }).format(grosze / 100);
}

// An alternative's reason from the numbers both options show (cost and arrival against the
// recommendation), so the text never contradicts the table; the engine's own words otherwise.
const ENGINE_REASONS = {
  "no stock of the part or a substitute": "brak części ani zamiennika",
  "engineer not certified for this product family": "inżynier bez certyfikatu na tę rodzinę produktów",
  "no dedicated driver at the depot": "brak kierowcy transportu dedykowanego w magazynie",
  "outside the engineer's shift": "poza zmianą inżyniera",
  "no courier service": "brak usługi kurierskiej",
  "ties with the recommendation in time and cost": "równa rekomendacji czasem i kosztem",
  "ties in time and cost, but its depot has fewer units of the part left": "równa czasem i kosztem, ale w jej magazynie zostaje mniej sztuk części",
  "better on its own; the day's plan as a whole prefers the recommendation": "lepsza osobno; plan całego dnia wybiera rekomendację",
};

function whyText(option, best) {
  if (option.rank === 0) {
    return option.slack_s >= 0
      ? (state.lang === "pl" ? `rekomendacja: na czas, ${fmtSpan(option.slack_s)} przed terminem` : `recommended: on time, ${fmtSpan(option.slack_s)} before the deadline`)
      : (state.lang === "pl" ? `rekomendacja: najszybsza możliwa, ${fmtSpan(-option.slack_s)} po terminie` : `recommended: fastest possible, ${fmtSpan(-option.slack_s)} late`);
  }
  if (ENGINE_REASONS[option.reason]) return state.lang === "pl" ? ENGINE_REASONS[option.reason] : option.reason;
  const parts = [];
  const pl = state.lang === "pl";
  if (option.slack_s < 0 && best.slack_s >= 0) parts.push(pl ? `spóźniona o ${fmtSpan(-option.slack_s)}` : `late by ${fmtSpan(-option.slack_s)}`);
  const dearer = option.cost_gr - best.cost_gr;
  if (dearer > 0) parts.push(pl ? `droższa o ${fmtMoney(dearer)}` : `dearer by ${fmtMoney(dearer)}`);
  const later = (new Date(option.arrival_at) - new Date(best.arrival_at)) / 1000;
  if (later >= 60) parts.push(pl ? `przyjazd później o ${fmtSpan(later)}` : `arrives ${fmtSpan(later)} later`);
  if (option.moves.length > best.moves.length) parts.push(pl ? `przesuwa ${plural("visits", option.moves.length)}` : `moves ${plural("visits", option.moves.length)}`);
  if (parts.length) return parts.join(", ");
  return pl ? "równa rekomendacji czasem i kosztem; plan dnia wybiera rekomendację" : option.reason;
}

// Server messages in Polish: the known phrasings are rewritten, anything else gets a Polish
// sentence by status (the English detail stays in the English page).
const SERVER_PL = [
  [/^the planner found no way to serve ticket (\d+)$/, (m) => `silnik nie znalazł żadnego sposobu obsługi zgłoszenia #${m[1]} (brak części, inżyniera lub transportu)`],
  [/^depot (\S+) has (\d+) free unit\(s\) of (\S+), (\d+) needed$/, (m) => `magazyn ${m[1]} ma ${m[2]} wolnych szt. ${m[3]}, potrzeba ${m[4]}`],
  [/^engineer (\S+)'s van has no (\S+) left$/, (m) => `w samochodzie (${engineerName(m[1])}) nie ma już ${m[2]}`],
  [/^engineer (\S+)'s day changed since this plan was made$/, (m) => `plan dnia (${engineerName(m[1])}) zmienił się od przygotowania planu`],
  [/^choose from the fresh plan (\d+)$/, (m) => `wybierz z nowego planu nr ${m[1]}`],
  [/^no feasible plan$/, () => "brak wykonalnego planu"],
  [/^ticket (\d+) is (\w+); only (.+) tickets are planned$/, (m) => `zgłoszenie #${m[1]} ma status „${t(`s_${m[2]}`)}”; planuje się tylko zgłoszenia przyjęte lub zaplanowane`],
  [/^plan (\d+) was superseded by a newer plan$/, (m) => `plan nr ${m[1]} zastąpiono nowszym`],
  [/^confirm that one$/, () => "potwierdź nowszy"],
  [/^ticket (\d+) is (\w+); it cannot become (\w+).*$/, (m) => `zgłoszenie #${m[1]} ma status „${t(`s_${m[2]}`)}” i nie może przejść w „${t(`s_${m[3]}`)}”`],
  [/^database busy, retry shortly$/, () => t("e_busy")],
  [/^proposal (\d+) is stale: (.+)$/, (m) => `propozycja nr ${m[1]} jest nieaktualna: ${serverText(m[2]) || "dzień się zmienił"}`],
  [/^tickets or engineers' days it re-plans changed since$/, () => "zgłoszenia lub dni inżynierów, które przeplanowuje, zmieniły się od tego czasu"],
  [/^propose again$/, () => "przygotuj nową propozycję"],
  [/^(\S+ \d\d:\d\d) is in the past \(now (\S+ \d\d:\d\d)\)$/, (m) => `${m[1]} już minęła (teraz ${m[2]})`],
  [/^(\S+ \d\d:\d\d) is outside engineer (\S+)'s shifts \((?:shifts that day: (.+)|no shift that day)\)$/,
    (m) => `${m[1]} jest poza zmianą (${engineerName(m[2])}): ${m[3] ? `zmiany tego dnia ${m[3]}` : "tego dnia brak zmiany"}`],
  [/^(\S+ \d\d:\d\d) is outside every engineer's shifts$/, (m) => `${m[1]} jest poza zmianą każdego inżyniera`],
  [/^engineer (\S+) cannot serve ticket (\d+)(?: from (.+))?$/, (m) => `${engineerName(m[1])} nie może obsłużyć zgłoszenia #${m[2]}${m[3] ? ` od ${m[3]}` : ""}`],
  [/^ticket (\d+) is a delivery \(AHB\): there is no visit to time$/, (m) => `zgłoszenie #${m[1]} to dostawa części (AHB): nie ma wizyty, której godzinę można ustawić`],
  [/^plan (\d+) is not confirmed$/, (m) => `plan nr ${m[1]} nie jest zatwierdzony`],
  [/^there is nothing to release$/, () => "nie ma czego cofać"],
  [/^ticket (\d+)'s visit has started: (\S+) reported (\w+) at (.+)$/, (m) => `wizyta zgłoszenia #${m[1]} już się zaczęła (raport z terenu: ${engineerName(m[2])}, ${m[3]}, ${fmtTime(m[4])})`],
  [/^ticket (\d+) is under way: (\S+)'s (\w+) leg left at (.+)$/, (m) => `zgłoszenie #${m[1]} jest w realizacji (${engineerName(m[2])} wyrusza od ${fmtTime(m[4])})`],
  [/^engineer (\S+)'s day has moved on since the confirm \((.+)\)$/, (m) => `dzień (${engineerName(m[1])}) zmienił się od zatwierdzenia`],
  [/^plan it again instead$/, () => "zaplanuj zgłoszenie ponownie"],
  [/^ticket (\d+) is (\w+); its plan can no longer be released$/, (m) => `zgłoszenie #${m[1]} ma status „${t(`s_${m[2]}`)}”; planu nie można już cofnąć`],
  [/^proposal (\d+) is (applied|stale)$/, (m) => `propozycja nr ${m[1]} jest już ${m[2] === "applied" ? "zastosowana" : "nieaktualna"}`],
];

function serverText(detail) {
  if (state.lang !== "pl") return detail;
  const parts = String(detail).split("; ").map((part) => {
    for (const [pattern, rewrite] of SERVER_PL) {
      const m = part.match(pattern);
      if (m) return rewrite(m);
    }
    return null;
  });
  return parts.every((p) => p !== null) ? parts.join("; ") : null;
}

function describe(status, data) {
  if (data && Array.isArray(data.reasons) && data.reasons.length) {
    const texts = data.reasons.map((r) => serverText(r));
    if (texts.every((x) => x)) return texts.join("; ");
  }
  if (data && typeof data.detail === "string") {
    const text = serverText(data.detail);
    if (text) return text;
    if (status === 404) return t("e_notFound", { what: data.kind || "" });
  }
  if (data && Array.isArray(data.detail)) {
    const what = data.detail.map((d) => (d.loc || []).join(".")).join(", ");
    const why = data.detail.map((d) => (d.type === "invalid_input" ? serverText(d.msg || "") : null));
    return why.every((x) => x) ? t("e_invalidWhy", { what, why: why.join("; ") }) : t("e_invalid", { what });
  }
  if (status === 403) return t("e_forbidden");
  if (status === 503) return t("e_busy");
  if (status >= 500) return t("e_server", { status });
  return t("e_other", { status });
}

function engineerName(id) {
  const found = state.board?.engineers.find((e) => e.id === id);
  return found ? `${found.name} (${id})` : id;
}

function leftNow(deadline) {
  return deadline ? (new Date(deadline).getTime() - serverNow()) / 1000 : null;
}

function liveState(row) {
  // The server's state, with "late" and "at risk" re-evaluated as the countdown runs; a ticket
  // the engine could not serve, or whose confirm was refused, shows that first.
  const blocked = state.blocked.get(row.id);
  if (blocked) return blocked.kind;
  if (row.status === "unservable") return "blocked";  // the server's decision, for every page
  if (row.state === "new") return "new";
  const left = leftNow(row.deadline);
  if (left < 0 || row.state === "late") return "late";
  return left < 3600 ? "at_risk" : row.state;
}

// ---- API ------------------------------------------------------------------------------------

async function call(method, path, body) {
  const headers = { "X-API-Key": state.key };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let reply;
  try {
    reply = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (network) {
    goOffline();
    const error = new Error(t("offline", { time: state.lastGood ? fmtTime(state.lastGood) : t("none") }));
    error.offline = true;
    throw error;
  }
  const data = reply.headers.get("content-type")?.includes("json") ? await reply.json() : null;
  if (reply.status === 401) { signOut(t("badKey")); throw new Error(t("badKey")); }
  if (!reply.ok) {
    const error = new Error(describe(reply.status, data));
    error.status = reply.status; error.data = data;
    throw error;
  }
  return data;
}

function say(message, isError) {
  const status = $("status");
  status.textContent = message;
  status.title = message;
  status.classList.toggle("error", Boolean(isError));
}

function goOffline() {
  state.offline = true;
  $("offline").hidden = false;
  $("offline").textContent = t("offline", { time: state.lastGood ? fmtTime(state.lastGood) : t("none") });
  $("app").classList.add("stale");
}

function backOnline() {
  if (!state.offline) return;
  state.offline = false;
  $("offline").hidden = true;
  $("app").classList.remove("stale");
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

function queueQuery() {
  const params = new URLSearchParams();
  const filters = { q: $("f-q").value.trim(), tier: $("f-tier").value, voivodeship: $("f-voiv").value, state: $("f-state").value };
  for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
  const scope = params.toString();
  if (scope !== state.scope) { state.scope = scope; state.version = null; }
  if (state.version) params.set("since", state.version);
  return params.toString();
}

function boardDay() {
  const day = new Date(serverNow() + state.dayOffset * 86400000);
  return new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit" }).format(day);
}

function mergeQueue(queue) {
  state.offsetMs = new Date(queue.now).getTime() - Date.now();
  if (!state.version) state.rows = new Map();
  for (const row of queue.tickets) state.rows.set(row.id, row);
  const keep = new Set(queue.order);
  for (const id of [...state.rows.keys()]) if (!keep.has(id)) state.rows.delete(id);
  state.order = queue.order; state.version = queue.version; state.facets = queue.facets; state.total = queue.total;
  state.breaches = queue.breaches;
}

async function refresh() {
  if (state.polling) { state.again = true; return; }  // a filter changed mid-poll: poll again after
  state.polling = true; state.again = false;
  try {
    const [queue, board] = await Promise.all([
      call("GET", `/console/api/queue?${queueQuery()}`),
      call("GET", `/console/api/board${state.dayOffset ? `?day=${boardDay()}` : ""}`),
    ]);
    mergeQueue(queue);
    state.board = board;
    if (!state.outlines) state.outlines = await (await fetch("/console/outlines.json")).json();
    if (state.selected !== null) await loadTicket(state.selected, true);
    backOnline();
    state.lastGood = queue.now;
    renderAll(false);
    $("updated").textContent = t("updated", { time: fmtTime(queue.now) });
  } catch (error) {
    if (state.key && !error.offline) say(error.message, true);
  } finally {
    state.polling = false;
    if (state.again) refresh();
  }
}

async function loadTicket(id, quiet) {
  const ticket = await call("GET", `/v1/tickets/${id}`);
  // a checked move is a proposal beside the confirmed plan: shown until confirmed or dropped
  const moving = state.whatIf?.ticketId === id && state.whatIf.planId;
  const planId = moving || ticket.plan_id;
  const plan = planId ? await call("GET", `/v1/plans/${planId}`) : null;
  state.ticket = ticket; state.plan = plan;
  if (plan && plan.status === "confirmed" && state.blocked.get(id)?.kind === "conflict") state.blocked.delete(id);
  if (!quiet) renderAll(false);
}

async function select(id) {
  state.selected = id; state.override = null; state.refusing = false;
  try { await loadTicket(id); } catch (error) { say(error.message, true); }
  $("ticket-title").focus();
}

const SUPERSEDED = /^plan \d+ was superseded by a newer plan/;

async function act(ticketId, work, okMessage, failedKey) {
  const buttons = document.querySelectorAll("#ticket-body button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const result = await work();
    say(okMessage ? okMessage(result) : "");
    state.override = null; state.refusing = false;
    // a plan or a confirm that went through ends the red state; escalating does not serve it
    if (result && result.recommendation) state.blocked.delete(ticketId);
  } catch (error) {
    if (failedKey) {  // an undo the server refused: the ticket itself is as it was
      say(t(failedKey, { detail: error.message }), true);
    } else if (error.status === 422 && error.data && error.data.reasons) {
      state.blocked.set(ticketId, { kind: "blocked", text: error.message });
      say(`#${ticketId}: ${error.message}`, true);
    } else if (error.status === 409 && error.data && ("plan" in error.data || SUPERSEDED.test(error.data.detail))) {
      // a lost stock race carries the fresh plan; a plan another desk replaced has one too (the
      // ticket's newest, read again below): both are conflicts to settle from the fresh plan
      const fresh = error.data.plan || !("plan" in error.data);
      state.blocked.set(ticketId, { kind: fresh ? "conflict" : "blocked", text: error.message });
      say(t("conflict", { detail: error.message }), true);
    } else {
      say(error.message, true);
    }
  }
  state.shown = "";
  await refresh();
}

// ---- rendering ------------------------------------------------------------------------------

function renderAll(force) {
  renderFilters(); renderQueue(); renderBreachCount(); renderMap(force); renderDay(force);
  const typing = ["TEXTAREA", "INPUT", "SELECT"].includes(document.activeElement?.tagName) && $("ticket-body").contains(document.activeElement);
  if (!typing) renderTicket(force);  // a poll must not take a form field from under the dispatcher
}

function fillSelect(id, counts, label) {
  const select = $(id);
  const current = select.value;
  const values = Object.keys(counts || {});
  if (current && !values.includes(current)) values.push(current);
  const wanted = ["", ...values];
  const texts = wanted.map((v) => (v ? `${label(v)} (${counts?.[v] || 0})` : t("all")));
  const have = [...select.options].map((o) => `${o.value}=${o.textContent}`);
  if (wanted.map((v, i) => `${v}=${texts[i]}`).join("|") !== have.join("|")) {
    select.replaceChildren(...wanted.map((v, i) => el("option", { value: v }, texts[i])));
    select.value = current;
  }
}

function renderFilters() {
  const facets = state.facets || {};
  fillSelect("f-tier", facets.tier, (v) => v);
  fillSelect("f-voiv", facets.voivodeship, (v) => v);
  const states = Object.fromEntries(["late", "at_risk", "on_track", "new"].map((s) => [s, facets.state?.[s] || 0]));
  fillSelect("f-state", states, (v) => t(`st_${v}`));
}

function displayOrder() {
  // Tickets the server refused to serve or confirm first, then the server's order.
  const isBlocked = (id) => state.blocked.has(id) || state.rows.get(id)?.status === "unservable";
  return [...state.order.filter(isBlocked), ...state.order.filter((id) => !isBlocked(id))];
}

const rowCache = new Map(); // ticket id -> {key, tr}

function clockCell(r, live) {
  if (r.deadline) {
    return [el("div", { class: "left", "data-left": r.id }, fmtDuration(leftNow(r.deadline))), el("span", { class: `chip ${live}` }, t(`st_${live}`))];
  }
  // not accepted yet: the reaction clock runs instead of the SLA clock (stopped by a contact)
  if (r.contacted_at) {
    const late = r.reaction_due && r.contacted_at > r.reaction_due;
    return [el("div", { class: "tag" }, t("reaction")),
      el("div", { class: `sub${late ? " bad" : ""}`, "data-contacted": r.id }, t("contactShort", { time: fmtTime(r.contacted_at) })),
      el("span", { class: `chip ${live}` }, t(`st_${live}`))];
  }
  const due = r.reaction_due ? leftNow(r.reaction_due) : null;
  return [el("div", { class: "tag" }, t("reaction")),
    el("div", { class: `left${due !== null && due < 0 ? " bad" : ""}`, "data-react": r.id, title: t("reactionLeft") },
      due === null ? t("none") : fmtDuration(due)),
    el("span", { class: `chip ${live}` }, t(`st_${live}`))];
}

function arrivalCell(r) {
  if (!r.plan) return [el("div", { class: "sub" }, t("none"))];
  const p = r.plan;
  const who = p.engineer_name || t(`m_${p.mode}`);
  const margin = p.slack_s < 0 ? t("lateBy", { d: fmtSpan(-p.slack_s) }) : t("margin", { d: fmtSpan(p.slack_s) });
  return [el("div", {}, fmtTime(p.arrival_at, leftNow(p.arrival_at) > 20 * 3600)),
    el("div", { class: `sub ${p.slack_s < 0 ? "bad" : ""}` }, margin),
    el("div", { class: "sub ellipsis", title: who }, who)];
}

function queueRow(r, live) {
  const blocked = state.blocked.get(r.id);
  const cell = { role: "cell" };  // the rows are laid out as grids: the roles keep the table
  return el("tr", { role: "row", class: `${live}${r.id === state.selected ? " selected" : ""}`, "data-id": r.id, onclick: () => select(r.id) },
    el("td", cell, el("button", { type: "button", class: "id", "data-ticket": r.id,
      "aria-label": `${t("ticket")} ${r.id}, ${t(`st_${live}`)}` }, r.id)),
    el("td", cell, clockCell(r, live)),
    el("td", cell, arrivalCell(r)),
    el("td", cell, el("div", { class: "ellipsis", title: r.site }, r.site),
      el("div", { class: "sub ellipsis" }, `${t(`s_${r.status}`)} · ${r.sku} · ${r.tier} · ${r.voivodeship}`),
      blocked ? el("div", { class: "sub bad ellipsis", title: blocked.text }, blocked.text) : ""));
}

function renderQueue() {
  const ids = displayOrder();
  $("queue-count").textContent = `(${ids.length}/${state.total})`;
  $("queue-empty").hidden = ids.length > 0;
  const body = $("queue-rows");
  const focused = document.activeElement?.closest?.("#queue-rows tr")?.dataset.id;
  const trs = [];
  for (const id of ids) {
    const r = state.rows.get(id);
    if (!r) continue;
    const live = liveState(r);
    const key = `${JSON.stringify(r)}|${live}|${id === state.selected}|${state.lang}|${state.blocked.get(id)?.text || ""}`;
    let cached = rowCache.get(id);
    if (!cached || cached.key !== key) {
      const tr = queueRow(r, live);
      if (cached && cached.tr.parentNode === body) body.replaceChild(tr, cached.tr);
      cached = { key, tr };
      rowCache.set(id, cached);
    }
    trs.push(cached.tr);
  }
  const wanted = new Set(trs);
  for (const [id, cached] of rowCache) {
    if (!wanted.has(cached.tr)) { cached.tr.remove(); rowCache.delete(id); }
  }
  // move rows only where the order differs, so the focused row's button keeps its focus
  let cursor = body.firstElementChild;
  for (const tr of trs) {
    if (cursor === tr) { cursor = cursor.nextElementSibling; continue; }
    body.insertBefore(tr, cursor);
  }
  if (focused && document.activeElement === document.body) body.querySelector(`button[data-ticket="${focused}"]`)?.focus();
}

function sameChoice(a, b) {
  return a.mode === b.mode && a.depot_id === b.depot_id && a.engineer_id === b.engineer_id && a.sku === b.sku && a.source === b.source;
}

function merged(options) {
  // The same depot, engineer, mode and part offered twice: one row (the better), with a count.
  const out = [];
  for (const o of options) {
    const twin = out.find((x) => sameChoice(x.option, o));
    if (twin) twin.more += 1; else out.push({ option: o, more: 0 });
  }
  return out;
}

function optionRows(entry, plan, chosenRank) {
  const o = entry.option;
  const slackClass = o.slack_s < 0 ? "late" : o.slack_s < 3600 ? "at_risk" : "on_track";
  const canChoose = o.rank !== 0 && plan.status !== "superseded";
  const chosen = o.rank === chosenRank ? " chosen" : "";
  const ticket = state.ticket;
  const who = o.engineer_id ? [o.depot_id, " · ", el("span", { title: o.engineer_id }, engineerName(o.engineer_id))] : [o.depot_id];
  const notes = [];
  if (ticket && o.sku !== ticket.sku) notes.push(el("div", { class: "note" }, t("substitute", { sku: o.sku, wanted: ticket.sku })));
  if (entry.more) notes.push(el("div", { class: "sub" }, t("similar", { n: entry.more })));
  if (o.moves.length) {
    const list = o.moves.map((m) => `#${m.ticket_id} ${fmtTime(m.before)}→${fmtTime(m.after)}`).join(", ");
    notes.push(el("div", { class: "sub" }, t("movesOthers", { list })));
  }
  return [
    el("tr", { class: `main${chosen}`, "data-option": o.rank, "data-depot": o.depot_id, "data-engineer": o.engineer_id || "", "data-sku": o.sku },
      el("td", {}, o.rank),
      el("td", {}, t(`m_${o.mode}`)),
      el("td", {}, who, notes),
      el("td", {}, fmtTime(o.arrival_at, true)),
      el("td", {}, el("span", { class: `chip ${slackClass}` }, o.slack_s < 0 ? `−${fmtSpan(o.slack_s)}` : fmtSpan(o.slack_s))),
      el("td", {}, fmtMoney(o.cost_gr)),
      el("td", {}, canChoose ? el("button", { type: "button", "data-rank": o.rank,
        "aria-label": `${t("choose")} ${o.rank}: ${t(`m_${o.mode}`)} ${o.depot_id}`,
        onclick: () => { state.override = o.rank; renderTicket(true); $("override-reason")?.focus(); } }, t("choose")) : "")),
    el("tr", { class: `why${chosen}` }, el("td", {}), el("td", { class: "reason", colspan: 6 }, `${t("why")}: ${whyText(o, plan.recommendation)}`)),
  ];
}

function optionsTable(entries, plan, chosenRank) {
  return el("table", { class: "opts" },
    el("thead", {}, el("tr", {}, ...["rank", "mode", "depotEngineer", "eta", "slack", "cost", ""]
      .map((k) => (k ? el("th", { scope: "col" }, t(k)) : el("td", {}))))),
    el("tbody", {}, entries.map((e) => optionRows(e, plan, chosenRank))));
}

function planButton(ticket, plan, label, id) {
  return el("button", { type: "button", id: id || "replan", class: plan ? null : "primary",
    onclick: () => act(ticket.id, () => call("POST", `/v1/tickets/${ticket.id}/plan`)) }, label || (plan ? t("replan") : t("plan")));
}

function blockedCard(ticket) {
  // What this page was refused, else the server's standing decision (an unservable ticket).
  const decided = ticket.status === "unservable" && ticket.decision
    ? { kind: "blocked", text: serverText(ticket.decision.reasons.join("; ")) } : null;
  const blocked = state.blocked.get(ticket.id) || decided;
  if (!blocked) return "";
  return el("div", { class: "card blocked", role: "alert", id: "blocked" },
    el("h3", {}, blocked.kind === "conflict" ? t("conflictTitle") : t("blockedTitle")),
    el("p", {}, blocked.text),
    el("p", { class: "reason" }, blocked.kind === "conflict" && state.plan ? t("conflictNext") : t("blockedNext")),
    el("div", { class: "actions" }, planButton(ticket, null, t("tryAgain"), "retry"),
      ["accepted", "planned", "dispatched", "unservable"].includes(ticket.status)
        ? el("button", { type: "button", id: "escalate", onclick: () => act(ticket.id,
          () => call("POST", `/v1/tickets/${ticket.id}/status`, { status: "escalated", note: blocked.text }),
          () => t("escalatedMsg", { id: ticket.id })) }, t("escalate")) : ""));
}

function overrideForm(plan) {
  const option = [plan.recommendation, ...plan.alternatives].find((o) => o.rank === state.override);
  const late = option && option.slack_s < 0;
  return el("form", { class: `override${late ? " late" : ""}`, id: "override-form", onsubmit: (e) => {
    e.preventDefault();
    const reason = $("override-reason").value.trim();
    if (!reason) { $("override-reason").reportValidity(); return; }
    act(plan.ticket_id, () => call("POST", `/v1/plans/${plan.id}/override`, { rank: state.override, reason }),
      (p) => {
        offerUndo({ kind: "confirm", ticketId: plan.ticket_id, planId: p.id, units: p.reserved_units });
        return t("confirmedMsg", { units: p.reserved_units.join(", ") || t("none") });
      });
  } },
  el("strong", {}, t("overrideTitle", { rank: state.override })),
  late ? el("p", { class: "warn", role: "alert", id: "late-warning" }, t("overrideLate", { late: fmtSpan(-option.slack_s) })) : "",
  el("label", { for: "override-reason" }, t("overrideReason")),
  el("textarea", { id: "override-reason", required: true, rows: 2, maxlength: 2000 }),
  el("div", { class: "actions" },
    el("button", { type: "submit", class: "primary", id: "override-submit" }, late ? t("overrideLateSubmit") : t("overrideSubmit")),
    el("button", { type: "button", onclick: () => { state.override = null; renderTicket(true); } }, t("cancel"))));
}

function planInForce(ticketId) {
  // The ticket's confirmed option as the ticket panel read it (fresher than a queue row not yet
  // polled since the confirm), else the queue row's plan.
  const plan = state.plan;
  if (plan?.ticket_id === ticketId && plan.status === "confirmed") {
    const o = [plan.recommendation, ...plan.alternatives].find((x) => x.rank === plan.confirmed_rank);
    if (o) return { ...o, engineer_name: o.engineer_id ? engineerName(o.engineer_id) : null };
  }
  return state.rows.get(ticketId)?.plan || null;
}

async function proposeMove(ticketId, engineerId, at) {
  // ``at``: the visit's earliest start as Warsaw wall time (YYYY-MM-DDTHH:MM), or none (the
  // engine chooses the time)
  if (state.selected !== ticketId) await select(ticketId);
  state.whatIf = { ticketId, before: planInForce(ticketId), planId: null, at: at || null };
  await act(ticketId, async () => {
    const plan = await call("POST", `/console/api/tickets/${ticketId}/move`, at ? { engineer_id: engineerId, at } : { engineer_id: engineerId });
    state.whatIf.planId = plan.id;
    return plan;
  }, () => t("moveChecked", { id: ticketId }));
}

const SNAP_MIN = 15; // a visit dropped on the timeline starts on a quarter of an hour

function dropTime(track, clientX) {
  // The Warsaw wall time under the pointer on the board's day, to the quarter hour (never before
  // now); a drop on the time already past means "as early as possible" (null).
  const box = track.getBoundingClientRect(), from = +track.dataset.start, to = +track.dataset.end;
  const hour = from + Math.max(0, Math.min(1, (clientX - box.left) / box.width)) * (to - from);
  const now = +track.dataset.now * 60;
  if (hour * 60 < now) return null;
  let minutes = Math.round((hour * 60) / SNAP_MIN) * SNAP_MIN;
  if (minutes < now) minutes = Math.ceil(now / SNAP_MIN) * SNAP_MIN;
  minutes = Math.min(24 * 60 - SNAP_MIN, minutes);
  const two = (n) => String(n).padStart(2, "0");
  return `${state.board.day}T${two(Math.floor(minutes / 60))}:${two(minutes % 60)}`;
}

const UNDO_DEPTH = 20;

function offerUndo(undo) {
  // Confirmed actions stack up and are taken back last first. A move ({kind: "move", ticketId,
  // engineerId}) goes back to the engineer it came from (the engine plans it anew, so the times
  // are today's, not necessarily the old ones); a confirm or an override ({kind: "confirm",
  // ticketId, planId}) is released: the unit back in stock, the day as before, the plan proposed.
  state.undos = [...state.undos, undo].slice(-UNDO_DEPTH);
  renderUndo();
}

function renderUndo() {
  const button = $("undo"), top = state.undos.at(-1);
  button.hidden = !top;
  if (!top) return;
  button.textContent = state.undos.length > 1 ? t("undoMore", { n: state.undos.length }) : t("undo");
  button.setAttribute("aria-label", top.kind === "confirm" ? t("undoConfirmTitle", { id: top.ticketId })
    : t("undoTitle", { id: top.ticketId, name: engineerName(top.engineerId) }));
  button.title = button.getAttribute("aria-label");
}

async function undoLast() {
  const undo = state.undos.at(-1);
  if (!undo) return;
  state.undos = state.undos.slice(0, -1);
  renderUndo();
  if (undo.kind === "confirm") {
    await act(undo.ticketId, () => call("POST", `/v1/plans/${undo.planId}/release`),
      () => t("released", { id: undo.ticketId, units: undo.units.join(", ") || t("none") }), "undoFailed");
    return;
  }
  await act(undo.ticketId, async () => {
    const plan = await call("POST", `/console/api/tickets/${undo.ticketId}/move`, { engineer_id: undo.engineerId });
    return call("POST", `/v1/plans/${plan.id}/confirm`);
  }, () => t("undone", { id: undo.ticketId, name: engineerName(undo.engineerId) }));
}

function whatIfCard(plan) {
  const whatIf = state.whatIf;
  if (!whatIf || whatIf.ticketId !== plan.ticket_id || plan.status !== "proposed" || !whatIf.before) return "";
  const before = whatIf.before, after = plan.recommendation;
  const line = (label, who, arrival, slack) => el("tr", {}, el("th", { scope: "row" }, label), el("td", {}, who),
    el("td", {}, fmtTime(arrival, true)), el("td", {}, el("span", { class: `chip ${slack < 0 ? "late" : "on_track"}` }, `${slack < 0 ? "−" : ""}${fmtSpan(slack)}`)));
  return el("div", { class: "card whatif", id: "whatif" },
    el("h3", {}, t("moveTitle")),
    el("table", { class: "opts" },
      el("thead", {}, el("tr", {}, el("td", {}), ...["depotEngineer", "eta", "slack"].map((k) => el("th", { scope: "col" }, t(k))))),
      el("tbody", {},
        line(t("moveNow"), before.engineer_name || t(`m_${before.mode}`), before.arrival_at, before.slack_s),
        line(t("moveAfter"), engineerName(after.engineer_id), after.arrival_at, after.slack_s))),
    el("p", { class: "reason", id: "move-asked" }, `${t("moveAsked")}: ${whatIf.at ? `${whatIf.at.slice(11, 16)}, ${fmtDay(`${whatIf.at.slice(0, 10)}T12:00:00Z`)}` : t("moveAtNow")}`),
    after.slack_s < 0 ? el("p", { class: "warn", role: "alert", id: "move-late" }, t("moveLate", { late: fmtSpan(-after.slack_s) })) : "",
    after.moves.length ? el("p", { class: "reason" }, t("movesOthers", { list: after.moves.map((m) => `#${m.ticket_id} ${fmtTime(m.before)}→${fmtTime(m.after)}`).join(", ") })) : "",
    el("button", { type: "button", id: "move-drop", onclick: async () => { state.whatIf = null; state.shown = ""; await loadTicket(plan.ticket_id); } }, t("cancel")));
}

function moveForm(ticket) {
  // The keyboard's way to drag: an engineer (the one in force first chosen) and, optionally, the
  // time of the timeline's day the visit should start from
  const engineers = (state.board?.engineers || []).filter((e) => e.available);
  if (!engineers.length) return "";
  const current = planInForce(ticket.id)?.engineer_id;
  return el("form", { class: "move", id: "move-form", onsubmit: (e) => {
    e.preventDefault();
    const time = $("move-at").value;
    proposeMove(ticket.id, $("move-engineer").value, time ? `${state.board.day}T${time}` : null);
  } },
  el("label", { for: "move-engineer" }, t("moveTo")),
  el("select", { id: "move-engineer" }, engineers.map((e) => el("option", { value: e.id, selected: e.id === current ? true : null }, `${e.name} (${e.id})`))),
  el("label", { for: "move-at" }, t("moveAt")),
  el("input", { type: "time", id: "move-at", step: 60 * SNAP_MIN, title: t("moveAtHint", { day: fmtDay(`${state.board.day}T12:00:00Z`) }),
    "aria-describedby": "move-at-hint" }),
  el("small", { id: "move-at-hint" }, t("moveAtHint", { day: fmtDay(`${state.board.day}T12:00:00Z`) })),
  el("button", { type: "submit", id: "move-check" }, t("moveCheck")));
}

function renderPlan(ticket, plan) {
  if (!plan) return [el("p", { class: "empty" }, t("noPlan")), el("div", { class: "actions" }, planButton(ticket, null))];
  const chosen = plan.status === "confirmed" ? plan.confirmed_rank : null;
  const out = [
    el("div", { class: "card recommended" },
      el("h3", {}, `${t("recommended")} `, el("span", { class: "badge" }, plan.status === "confirmed" ? t("confirmed") : t("proposed")),
        plan.reserved_units.length ? el("span", { class: "reason" }, ` ${t("reserved")}: ${plan.reserved_units.join(", ")}`) : ""),
      optionsTable([{ option: plan.recommendation, more: 0 }], plan, chosen),
      plan.override_reason ? el("p", { class: "reason" }, t("overrideNote", { reason: plan.override_reason })) : ""),
  ];
  const actions = el("div", { class: "actions" });
  const card = whatIfCard(plan);
  if (plan.status === "proposed") {
    actions.append(el("button", { type: "button", class: "primary", id: "confirm",
      onclick: () => act(ticket.id, () => call("POST", `/v1/plans/${plan.id}/confirm`),
        (p) => {
          if (card && state.whatIf.before?.engineer_id) offerUndo({ kind: "move", ticketId: ticket.id, engineerId: state.whatIf.before.engineer_id });
          else offerUndo({ kind: "confirm", ticketId: ticket.id, planId: p.id, units: p.reserved_units });
          state.whatIf = null;
          return t("confirmedMsg", { units: p.reserved_units.join(", ") || t("none") });
        }) },
    card ? t(plan.recommendation.slack_s < 0 ? "moveConfirmLate" : "moveConfirm") : t("confirm")));
  }
  actions.append(planButton(ticket, plan));
  if (card) out.unshift(card);
  out.push(actions, moveForm(ticket));
  const alternatives = merged(plan.alternatives.filter((o) => !sameChoice(o, plan.recommendation)));
  if (alternatives.length) {
    out.push(el("div", { class: "card" }, el("h3", {}, t("alternatives")), optionsTable(alternatives, plan, chosen)));
  }
  if (state.override !== null) out.push(overrideForm(plan));
  return out;
}

function newTicketActions(ticket) {
  const actions = el("div", { class: "actions" },
    el("button", { type: "button", class: "primary", id: "accept",
      onclick: () => act(ticket.id, () => call("POST", `/v1/tickets/${ticket.id}/accept`, {})) }, t("accept")),
    el("button", { type: "button", id: "refuse", onclick: () => { state.refusing = true; renderTicket(true); $("refuse-reason").focus(); } }, t("refuse")));
  if (!state.refusing) return [actions];
  const form = el("form", { class: "override", id: "refuse-form", onsubmit: (e) => {
    e.preventDefault();
    const reason = $("refuse-reason").value.trim();
    if (!reason) { $("refuse-reason").reportValidity(); return; }
    act(ticket.id, () => call("POST", `/v1/tickets/${ticket.id}/refuse`, { reason }), () => t("refusedMsg", { id: ticket.id }));
    state.selected = null;
  } },
  el("label", { for: "refuse-reason" }, t("refuseReason")),
  el("textarea", { id: "refuse-reason", required: true, rows: 2, maxlength: 2000 }),
  el("div", { class: "actions" },
    el("button", { type: "submit", class: "primary", id: "refuse-submit" }, t("refuseSubmit")),
    el("button", { type: "button", onclick: () => { state.refusing = false; renderTicket(true); } }, t("cancel"))));
  return [actions, form];
}

function focusKey() {
  const a = document.activeElement;
  if (!a || !$("ticket-body").contains(a)) return null;
  return a.id ? `#${a.id}` : a.dataset.rank ? `button[data-rank="${a.dataset.rank}"]` : null;
}

function renderTicket(force) {
  const body = $("ticket-body");
  const ticket = state.ticket;
  if (!ticket || ticket.id !== state.selected) {
    if (state.shown !== "none") body.replaceChildren(el("p", { class: "empty" }, t("pickTicket")));
    state.shown = "none";
    $("ticket-title").textContent = t("ticket");
    return;
  }
  const row = state.rows.get(ticket.id);
  const live = row ? liveState(row) : ticket.status === "submitted" ? "new" : "on_track";
  const key = JSON.stringify([ticket, state.plan, row, live, state.blocked.get(ticket.id), state.override, state.refusing, state.lang, state.board?.engineers.length]);
  if (!force && key === state.shown) return;  // nothing new: the DOM (and the focus) stay
  state.shown = key;
  const keepFocus = focusKey();
  const clock = headClock(ticket);
  $("ticket-title").textContent = `${t("ticket")} #${ticket.id}`;
  $("ticket-title").setAttribute("tabindex", "-1");
  const parts = [
    blockedCard(ticket),
    el("div", { class: "head-line" },
      el("span", { class: `chip ${live}` }, t(`st_${live}`)),
      clock ? [el("span", {}, `${ticket.deadline ? t("deadline") : t("reactionLeft")}: `, el("strong", {}, fmtTime(clock, true))),
        el("span", { class: `countdown ${live}`, id: "countdown", "aria-label": ticket.deadline ? t("countdown") : t("reactionLeft") },
          fmtDuration(leftNow(clock)))] : ""),
    reactionLine(ticket),
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
    parts.push(el("p", { class: "empty" }, t("notAccepted")), ...newTicketActions(ticket));
  } else if (state.plan || !state.blocked.has(ticket.id)) {
    parts.push(...renderPlan(ticket, state.plan));  // (the red card already offers to plan again)
  }
  parts.push(el("h3", {}, t("history")), el("ol", { class: "history" }, ticket.history.slice().reverse().map((e) =>
    el("li", {}, el("time", { datetime: e.at }, fmtTime(e.at, true)), `${TEXT[state.lang][`k_${e.kind}`] || t(`s_${e.status}`)} · ${t(`s_${e.status}`)} · ${e.actor}`,
      e.data && e.data.reason ? el("span", { class: "reason" }, ` — ${e.data.reason}`) : ""))));
  const keep = { override: $("override-reason")?.value, refuse: $("refuse-reason")?.value, move: $("move-engineer")?.value, at: $("move-at")?.value };
  const scroll = body.scrollTop;
  body.replaceChildren(...parts);
  body.scrollTop = scroll;
  if (keep.override && $("override-reason")) $("override-reason").value = keep.override;
  if (keep.refuse && $("refuse-reason")) $("refuse-reason").value = keep.refuse;
  if (keep.move && $("move-engineer")) $("move-engineer").value = keep.move;
  if (keep.at && $("move-at")) $("move-at").value = keep.at;
  if (keepFocus) body.querySelector(keepFocus)?.focus();
}

// ---- map ------------------------------------------------------------------------------------

const MAP = { west: 14.0, east: 24.3, north: 55.0, south: 48.9, width: 400, height: 380 };
const KX = Math.cos((52 * Math.PI) / 180);
const CLUSTER_PX = 11; // sites closer than this on the map are drawn as one numbered marker
const SEVERITY = { new: 0, on_track: 1, at_risk: 2, late: 3, conflict: 4, blocked: 5 };

function project(lon, lat) {
  const spanX = (MAP.east - MAP.west) * KX, spanY = MAP.north - MAP.south;
  const scale = Math.min(MAP.width / spanX, MAP.height / spanY);
  const x = (lon - MAP.west) * KX * scale + (MAP.width - spanX * scale) / 2;
  const y = (MAP.north - lat) * scale + (MAP.height - spanY * scale) / 2;
  return [+x.toFixed(1), +y.toFixed(1)];
}

function ringPath(ring) {
  return ring.map(([lon, lat], i) => `${i ? "L" : "M"}${project(lon, lat).join(",")}`).join("") + "Z";
}

function decodePolyline(text) {
  // An encoded polyline (precision 5, as OSRM gives the road a leg drives): [[lat, lon], ...]
  const points = [];
  let index = 0, lat = 0, lon = 0;
  const next = () => {
    let result = 0, shift = 0, byte;
    do { byte = text.charCodeAt(index++) - 63; result |= (byte & 0x1f) << shift; shift += 5; } while (byte >= 0x20);
    return result & 1 ? ~(result >> 1) : result >> 1;
  };
  while (index < text.length) {
    lat += next(); lon += next();
    points.push([lat / 1e5, lon / 1e5]);
  }
  return points;
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

function clusters(ids) {
  // Sites binned on a grid of CLUSTER_PX; each bin drawn once, coloured by its worst state.
  const bins = new Map();
  ids.forEach((id, index) => {
    const r = state.rows.get(id);
    if (!r) return;
    const [x, y] = project(r.lon, r.lat);
    const key = `${Math.round(x / CLUSTER_PX)}:${Math.round(y / CLUSTER_PX)}`;
    const live = liveState(r);
    const bin = bins.get(key) || { rows: [], x: 0, y: 0, live, first: index };
    bin.rows.push(r); bin.x += x; bin.y += y;
    if (SEVERITY[live] > SEVERITY[bin.live]) bin.live = live;
    bins.set(key, bin);
  });
  return [...bins.values()].sort((a, b) => SEVERITY[a.live] - SEVERITY[b.live]); // late drawn last: on top
}

let mapShown = "";

function renderMap(force) {
  renderLand();
  const board = state.board;
  if (!board) return;
  const ids = displayOrder();
  const key = JSON.stringify([board.depots, board.engineers.map((e) => [e.id, e.available]), ids.map((id) => [id, liveState(state.rows.get(id))]),
    state.selected, state.plan?.id, state.plan?.status, state.plan?.confirmed_rank, state.lang]);
  if (!force && key === mapShown) return;  // nothing moved: the markers stay as they are
  mapShown = key;
  const depots = $("map-depots"), engineers = $("map-engineers"), sites = $("map-sites"), route = $("map-route");
  depots.replaceChildren(...board.depots.map((d) => {
    const [x, y] = project(d.lon, d.lat);
    return svg("g", { class: `depot${d.available ? "" : " empty"}`, "data-depot": d.id },
      svg("title", {}, t("depotStock", { name: d.name, n: d.available })),
      svg("rect", { x: x - 4.5, y: y - 4.5, width: 9, height: 9 }),
      svg("text", { x: x + 6, y: y - 4 }, `${d.id} ${d.available}`));
  }));
  engineers.replaceChildren(...board.engineers.map((e) => {
    const [x, y] = project(e.lon, e.lat);
    return svg("g", { class: `eng${e.available ? "" : " off"}` },
      svg("title", {}, t("engineerOn", { name: e.name, skills: e.skills.join(", ") })),
      svg("path", { d: `M${x},${y - 5}L${x + 4},${y + 2.5}L${x - 4},${y + 2.5}Z` }));
  }));
  sites.replaceChildren(...clusters(ids).map((bin) => {
    const x = (bin.x / bin.rows.length).toFixed(1), y = (bin.y / bin.rows.length).toFixed(1);
    const urgent = bin.rows.find((r) => liveState(r) === bin.live) || bin.rows[0];
    const selected = bin.rows.some((r) => r.id === state.selected) ? " selected" : "";
    const open = () => select(urgent.id);
    if (bin.rows.length === 1) {
      return svg("circle", { class: `site ${bin.live}${selected}`, cx: x, cy: y, r: 4.5, "data-site": urgent.id, onclick: open },
        svg("title", {}, t("siteTitle", { id: urgent.id, site: urgent.site, state: t(`st_${bin.live}`) })));
    }
    return svg("g", { class: `cluster ${bin.live}${selected}`, "data-cluster": bin.rows.map((r) => r.id).join(" "), onclick: open },
      svg("title", {}, t("clusterTitle", { n: plural("tickets", bin.rows.length), id: urgent.id })),
      svg("circle", { class: `site ${bin.live}`, cx: x, cy: y, r: 7 }),
      svg("text", { x, y: +y + 3 }, String(bin.rows.length)));
  }));
  route.replaceChildren();
  const plan = state.plan;
  if (state.selected !== null && plan && plan.ticket_id === state.selected) {
    const option = plan.status === "confirmed" && plan.confirmed_rank
      ? plan.alternatives.find((o) => o.rank === plan.confirmed_rank) : plan.recommendation;
    // Only what the engine planned: its legs, on the road's shape when it has one.
    const points = [];
    for (const leg of option?.legs || []) {
      const path = leg.shape ? decodePolyline(leg.shape) : [[leg.origin.lat, leg.origin.lon], [leg.destination.lat, leg.destination.lon]];
      for (const [lat, lon] of path) points.push(project(lon, lat).join(","));
    }
    if (points.length > 1) {
      route.append(svg("polyline", { class: `route${option.legs.some((l) => l.shape) ? " roads" : ""}`, points: points.join(" "), "data-route": state.selected }));
    }
  }
}

// ---- engineers' day -------------------------------------------------------------------------

const WARSAW_PARTS = new Intl.DateTimeFormat("en-CA", { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit",
  hour: "numeric", minute: "numeric", hourCycle: "h23" });

function dayRange(board) {
  // Hours of the board's Warsaw day; instants on other days clamp to 0 or 24.
  const hours = new Map();
  const hourOf = (iso) => {
    if (!hours.has(iso)) {
      const parts = Object.fromEntries(WARSAW_PARTS.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
      const day = `${parts.year}-${parts.month}-${parts.day}`;
      hours.set(iso, day < board.day ? 0 : day > board.day ? 24 : +parts.hour + +parts.minute / 60);
    }
    return hours.get(iso);
  };
  let start = 7, end = 19;
  for (const e of board.engineers) {
    for (const [s, f] of e.shifts) { start = Math.min(start, Math.floor(hourOf(s))); end = Math.max(end, Math.ceil(hourOf(f))); }
    for (const seg of e.segments) { start = Math.min(start, Math.floor(hourOf(seg.start))); end = Math.max(end, Math.ceil(hourOf(seg.end))); }
  }
  return { start, end, hourOf };
}

function segmentLabel(s) {
  const flags = [s.phase === "under_way" && s.pinned ? t("sg_pinned") : "", s.phase === "done" ? t("sg_done") : "", s.overtime ? t("sg_overtime") : ""].filter(Boolean);
  return `${t(`sg_${s.kind}`)}${s.ticket_id ? ` #${s.ticket_id}` : ""}${s.place ? ` ${s.place}` : ""} ${fmtTime(s.start)}–${fmtTime(s.end)}${flags.length ? ` (${flags.join(", ")})` : ""}`;
}

function renderDayNav() {
  const nav = $("day-nav");
  const labels = ["today", "tomorrow", "dayAfter"];
  if (nav.childElementCount !== DAYS || nav.dataset.lang !== state.lang) {
    nav.dataset.lang = state.lang;
    nav.replaceChildren(...labels.map((label, offset) => el("button", { type: "button", "data-day": offset,
      onclick: () => { state.dayOffset = offset; refresh(); } }, t(label))));
  }
  for (const button of nav.children) button.setAttribute("aria-pressed", String(+button.dataset.day === state.dayOffset));
}

let dayShown = "";

function renderDay(force) {
  const board = state.board, gantt = $("gantt");
  if (!board) return;
  renderDayNav();
  // the "now" line and the phases move with the clock: redrawn once a minute at most
  const key = JSON.stringify([{ ...board, now: board.now.slice(0, 16) }, state.selected, state.lang, state.dayOffset, $("f-voiv").value]);
  if (!force && key === dayShown) return;  // same day, same bookings: nothing to redraw
  dayShown = key;
  $("day-date").textContent = fmtDay(`${board.day}T12:00:00Z`);
  const { start, end, hourOf } = dayRange(board);
  const hours = end - start;
  const pos = (iso) => Math.max(0, Math.min(100, ((hourOf(iso) - start) / hours) * 100));
  const axis = el("div", { class: "g-axis", "aria-hidden": "true" }, el("span", {}),
    el("div", { class: "g-scale" }, Array.from({ length: hours + 1 }, (_, i) => el("span", { style: `left:${(i / hours) * 100}%` }, `${start + i}:00`))));
  const selected = state.selected;
  const busy = (e) => e.segments.some((s) => s.kind !== "idle");
  // the voivodeship filter narrows the engineers too (by home), so a region's day is one screen
  const region = $("f-voiv").value;
  const engineers = board.engineers.filter((e) => !region || e.voivodeship === region)
    .sort((a, b) => busy(b) - busy(a) || b.available - a.available || a.id.localeCompare(b.id));
  const rows = engineers.map((e) => {
    const track = el("div", { class: "g-track", style: `--hours:${hours}`, role: "group", "aria-label": e.name,
      "data-drop": e.id, "data-start": start, "data-end": end, "data-now": hourOf(board.now), title: t("dragHint"),
      ondragover: (event) => { if (e.available) { event.preventDefault(); track.classList.add("drop"); } },
      ondragleave: () => track.classList.remove("drop"),
      ondrop: (event) => {  // a visit dropped on this engineer at a time: the engine checks the move
        event.preventDefault(); track.classList.remove("drop");
        const ticketId = +event.dataTransfer.getData("text/plain");
        if (ticketId) proposeMove(ticketId, e.id, dropTime(track, event.clientX));
      } });
    for (const s of e.segments) {
      const left = pos(s.start), width = Math.max(0.4, pos(s.end) - left);
      const label = segmentLabel(s);
      const classes = `seg ${s.kind} ${s.phase}${s.pinned && s.phase === "under_way" ? " pinned" : ""}${s.overtime ? " overtime" : ""}${s.ticket_id && s.ticket_id === selected ? " hl" : ""}`;
      const attrs = { class: classes, style: `left:${left}%;width:${width}%`, title: label,
        "data-kind": s.kind, "data-ticket": s.ticket_id || "", "data-phase": s.phase, "data-overtime": s.overtime ? "1" : null };
      const text = s.kind === "visit" || s.kind === "pickup" ? (s.ticket_id ? `#${s.ticket_id}` : "") : "";
      // a stretch of a ticket opens it (a button, so the keyboard reaches it); idle time is a picture
      track.append(s.ticket_id
        ? el("button", { type: "button", ...attrs, "aria-label": label, onclick: () => select(s.ticket_id),
          draggable: s.kind === "visit" && s.phase === "planned" ? "true" : null,
          ondragstart: (event) => { event.dataTransfer.setData("text/plain", String(s.ticket_id)); event.dataTransfer.effectAllowed = "move"; } }, text)
        : el("div", attrs, text));
    }
    for (const [, shiftEnd] of e.shifts) {
      const at = hourOf(shiftEnd);
      if (at > start && at < end) track.append(el("div", { class: "g-shift-end", style: `left:${((at - start) / hours) * 100}%`, title: `${t("shiftEnd")} ${fmtTime(shiftEnd)}` }));
    }
    const now = hourOf(board.now);
    if (now > 0 && now < 24 && now >= start && now <= end) track.append(el("div", { class: "g-now", style: `left:${((now - start) / hours) * 100}%` }));
    return el("div", { class: `g-row${e.available ? "" : " off"}${e.overtime_s ? " over" : ""}`, "data-engineer": e.id },
      el("div", { class: "g-who" },
        el("span", { class: "name", title: e.skills.join(", ") }, e.name, " ",
          el("small", {}, e.available ? e.id : `${e.id} · ${t("offDuty")}`),
          e.overtime_s ? el("span", { class: "ot" }, ` ${t("overtimeOf", { d: fmtSpan(e.overtime_s) })}`) : ""),
        el("button", { type: "button", "data-unavailable": e.id, disabled: e.available && state.dayOffset === 0 ? null : true,
          "aria-label": `${t("absent")}: ${e.name}`, onclick: () => openAbsent(e) }, t("absent"))),
      track);
  });
  const scroll = gantt.scrollTop;
  const focused = document.activeElement && gantt.contains(document.activeElement)
    ? { engineer: document.activeElement.closest(".g-row")?.dataset.engineer, ticket: document.activeElement.dataset.ticket, absent: document.activeElement.dataset.unavailable } : null;
  gantt.replaceChildren(axis, ...rows);
  gantt.scrollTop = scroll;
  if (focused) {
    const selector = focused.absent ? `button[data-unavailable="${focused.absent}"]` : `.g-row[data-engineer="${focused.engineer}"] button[data-ticket="${focused.ticket}"]`;
    gantt.querySelector(selector)?.focus();
  }
}

function openAbsent(engineer) {
  state.absentFor = engineer;
  $("unavailable-title").textContent = t("absentTitle", { name: engineer.name });
  $("unavailable-reason").value = "";
  $("unavailable-dialog").showModal();
  $("unavailable-reason").focus();
}

async function submitAbsent(event) {
  event.preventDefault();
  const reason = $("unavailable-reason").value.trim();
  if (!reason) { $("unavailable-reason").reportValidity(); return; }
  const engineer = state.absentFor;
  $("unavailable-dialog").close();
  try {
    const report = await call("POST", `/console/api/engineers/${encodeURIComponent(engineer.id)}/unavailable`, { reason });
    const failed = report.tickets.filter((r) => r.error);
    say(plural("replanned", report.tickets.length - failed.length) + failed.map((r) => ` #${r.ticket_id}: ${serverText(r.error) || r.error}`).join(""), failed.length > 0);
  } catch (error) {
    say(error.message, true);
  }
  await refresh();
}

// ---- whole-day re-optimisation ----------------------------------------------------------------

// The engine plans the shown day again (POST /v1/days/reoptimise); the proposal is read as a
// diff per engineer and applied whole (POST /v1/proposals/{id}/apply) or discarded (nothing is
// booked until it is applied). A 409 means the day changed since: the page says so and offers
// to propose again.

function warsawDay(iso) {
  const parts = Object.fromEntries(WARSAW_PARTS.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

function servingWho(s) {
  if (!s) return t("noPlanYet");
  if (s.engineer_id) return engineerName(s.engineer_id);
  return t(s.mode === "courier" ? "courierFrom" : "dedicatedFrom", { depot: s.depot_id });
}

const servingKey = (s) => (s.engineer_id ? `e:${s.engineer_id}` : `${s.mode}:${s.depot_id}`);

function changeFlag(c) {
  // What the change does to the ticket's promise: the red ones are what a dispatcher must see
  if (!c.after) return { cls: "blocked", text: t("rf_gone"), worse: true };
  if (!c.after.on_time) {
    const still = c.before && !c.before.on_time;
    return { cls: "late", text: t(still ? "rf_still" : "rf_late"), worse: !still };
  }
  if (c.before && !c.before.on_time) return { cls: "on_track", text: t("rf_saved"), worse: false };
  return { cls: "on_track", text: t("rf_ok"), worse: false };
}

function changeGroups(changes) {
  // Each change under the engineer (or courier / dedicated car) it leaves and the one it goes
  // to: moved out, moved in, or re-timed when both are the same.
  const groups = new Map();
  const group = (s) => {
    const key = servingKey(s);
    if (!groups.has(key)) groups.set(key, { key, who: servingWho(s), rows: [], before: [], after: [] });
    return groups.get(key);
  };
  for (const c of changes) {
    const from = c.before && servingKey(c.before), to = c.after && servingKey(c.after);
    if (c.before) {
      const g = group(c.before);
      g.before.push(c.before);
      if (from !== to) g.rows.push({ c, kind: c.after ? "out" : "gone" });
    }
    if (c.after) {
      const g = group(c.after);
      g.after.push(c.after);
      g.rows.push({ c, kind: from === to ? "retime" : c.before ? "in" : "new" });
    }
  }
  const worse = (g) => g.rows.some((r) => changeFlag(r.c).worse);
  return [...groups.values()].sort((a, b) => worse(b) - worse(a) || a.who.localeCompare(b.who, locale()));
}

function whenCell(serving, day, missing) {
  if (!serving) return el("td", {}, t(missing));
  return el("td", {}, fmtTime(serving.eta, warsawDay(serving.eta) !== day), " ",
    el("span", { class: `chip ${serving.on_time ? "on_track" : "late"}` }, serving.on_time ? t("st_on_track") : t("st_late")));
}

function retimeText(before, after) {
  // Same engineer (or carrier): a new time, and / or the part fetched another way
  const parts = [];
  if (Math.abs(new Date(after.eta) - new Date(before.eta)) >= 60000) parts.push(t("rc_retime"));
  if (before.source !== after.source || before.depot_id !== after.depot_id) {
    const key = ["depot", "van", "meet"].includes(after.source) ? `src_${after.source}` : "src_other";
    parts.push(t(key, { depot: after.depot_id }));
  }
  return parts.length ? parts.join("; ") : t("rc_retime");
}

function changeRow(row, day) {
  const c = row.c, flag = changeFlag(c);
  const what = row.kind === "in" ? t("rc_in", { who: servingWho(c.before) })
    : row.kind === "out" ? t("rc_out", { who: servingWho(c.after) })
      : row.kind === "retime" ? retimeText(c.before, c.after) : t(`rc_${row.kind}`);
  return el("tr", { class: `${row.kind}${flag.worse ? " worse" : ""}`, "data-ticket": c.ticket_id, "data-kind": row.kind },
    el("th", { scope: "row" }, `#${c.ticket_id}`),
    el("td", {}, what, el("div", { class: "sub" }, `${c.tier} · ${t("deadline")} ${fmtTime(c.deadline, warsawDay(c.deadline) !== day)}`)),
    whenCell(c.before, day, "noPlanYet"), whenCell(c.after, day, "rf_gone"),
    el("td", {}, el("span", { class: `chip ${flag.cls}` }, flag.text)));
}

function groupSection(g, day, index) {
  const onTime = (list) => list.filter((s) => s.on_time).length;
  const cost = (list) => fmtMoney(list.reduce((sum, s) => sum + s.cost_gr, 0));
  const id = `reopt-g${index}`;
  return el("section", { class: "reopt-group", "aria-labelledby": id, "data-group": g.key },
    el("h4", { id }, g.who, " ", el("span", { class: "sub" }, t("reoptGroupFigures",
      { a: `${onTime(g.before)}/${g.before.length}`, b: `${onTime(g.after)}/${g.after.length}`, x: cost(g.before), y: cost(g.after) }))),
    el("table", { class: "opts diff" },
      el("thead", {}, el("tr", {}, ...["rank", "reoptChange", "reoptBefore", "reoptAfter", "state"].map((k) => el("th", { scope: "col" }, t(k))))),
      el("tbody", {}, g.rows.map((r) => changeRow(r, day)))));
}

function totalsTable(p) {
  const b = p.before, a = p.after;
  const line = (label, before, after, better) => el("tr", { class: better === null ? "" : better ? "better" : "worse" },
    el("th", { scope: "row" }, label), el("td", {}, before), el("td", {}, after));
  const tiers = [...new Set([...Object.keys(b.on_time_by_tier), ...Object.keys(a.on_time_by_tier)])].sort();
  const cmp = (x, y, more) => (x === y ? null : more ? y > x : y < x);
  return el("table", { class: "opts totals", id: "reopt-totals" },
    el("caption", {}, t("reoptTotals")),
    el("thead", {}, el("tr", {}, el("td", {}), el("th", { scope: "col" }, t("reoptBefore")), el("th", { scope: "col" }, t("reoptAfter")))),
    el("tbody", {},
      line(t("reoptOnTime"), `${b.on_time}/${b.tickets}`, `${a.on_time}/${a.tickets}`, cmp(b.on_time, a.on_time, true)),
      tiers.map((tier) => line(t("reoptOnTimeTier", { tier }), b.on_time_by_tier[tier] || 0, a.on_time_by_tier[tier] || 0,
        cmp(b.on_time_by_tier[tier] || 0, a.on_time_by_tier[tier] || 0, true))),
      line(t("reoptServed"), `${b.served}/${b.tickets}`, `${a.served}/${a.tickets}`, cmp(b.served, a.served, true)),
      line(t("reoptCost"), fmtMoney(b.cost_gr), fmtMoney(a.cost_gr), cmp(b.cost_gr, a.cost_gr, false)),
      line(t("reoptKm"), formatter("NumberFormat", { maximumFractionDigits: 1 }).format(b.km),
        formatter("NumberFormat", { maximumFractionDigits: 1 }).format(a.km), cmp(b.km, a.km, false))));
}

function triggerText(trigger) {
  // What made the engine propose a repair, from the server's words (api/repairs.py, field reports)
  let m = trigger.match(/^engineer (\S+) unavailable: (.*)$/s);
  if (m) return t("tr_unavailable", { name: engineerName(m[1]), reason: m[2] });
  m = trigger.match(/^(\S+) reported (\w+)(?: \((.*)\))?$/s);
  if (m) return t("tr_reported", { name: engineerName(m[1]), kind: `${t(`fk_${m[2]}`)}${m[3] ? ` (${m[3]})` : ""}` });
  return trigger;
}

function repairList(list) {
  if (!list.length) return [el("p", { class: "empty", id: "repairs-empty" }, t("repairsEmpty")), el("p", { class: "reason" }, t("repairsHint"))];
  return [el("ul", { class: "repairs", id: "repairs-list" }, list.map((p) => el("li", {},
    el("button", { type: "button", "data-proposal": p.id, onclick: () => openProposal(p) }, t("repairItem",
      { id: p.id, trigger: triggerText(p.trigger), changes: plural("tickets", p.changes.length), time: fmtTime(p.created_at, true) })))))];
}

function renderReopt() {
  const r = state.reopt;
  if (!r) return;
  const p = r.proposal;
  $("reopt-title").textContent = r.list ? t("repairsTitle")
    : p?.kind === "repair" ? t("repairTitle", { id: p.id, trigger: triggerText(p.trigger) })
      : t("reoptTitle", { day: fmtDay(`${r.day}T12:00:00Z`) });
  const body = $("reopt-body");
  $("reopt-dialog").setAttribute("aria-busy", String(r.busy));
  let summary = "";
  const parts = [];
  if (r.busy) summary = r.list ? t("loading") : r.applying ? t("reoptApplying") : t("reoptBusy");
  else if (r.error) summary = r.error;
  else if (p && p.note) summary = t("reoptNothing");
  else if (p) {
    summary = t("reoptSummary", { id: p.id, changes: plural("tickets", p.changes.length), unchanged: p.unchanged,
      tried: plural("tickets", p.tried), total: p.before.tickets,
      s: formatter("NumberFormat", { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(p.runtime_ms / 1000) });
    if (p.tried < p.before.tickets) summary += ` ${t("reoptBudget")}`;
  }
  if (r.stale) {
    parts.push(el("div", { class: "card blocked", role: "alert", id: "reopt-stale" },
      el("h3", {}, t("reoptStaleTitle")), el("p", {}, t("reoptStale")),
      r.staleDetail ? el("p", { class: "reason" }, r.staleDetail) : "",
      el("div", { class: "actions" }, el("button", { type: "button", class: "primary", id: "reopt-again", onclick: () => proposeDay(r.day) },
        p?.kind === "repair" ? t("reopt") : t("reoptAgain")))));
  }
  if (r.list && !r.busy) parts.push(...repairList(r.list));
  if (p && !p.note && !r.busy) {
    if (!p.changes.length) parts.push(el("p", { class: "empty", id: "reopt-nogain" }, t("reoptNoGain")));
    else if (p.kind === "repair") parts.push(el("p", { class: "reason", id: "reopt-note" }, t("repairNote")));
    else if (!p.improves && p.after.served > p.before.served) {
      const d = p.after.cost_gr - p.before.cost_gr;
      parts.push(el("p", { class: "reason", id: "reopt-note" }, t("reoptMoreServed",
        { a: p.before.served, b: p.after.served, d: `${d > 0 ? "+" : ""}${fmtMoney(d)}` })));
    } else if (!p.improves) parts.push(el("p", { class: "warn", id: "reopt-note" }, t("reoptNotBetter")));
    parts.push(totalsTable(p));
    if (p.changes.length) {
      parts.push(el("h3", {}, t("reoptByEngineer")), ...changeGroups(p.changes).map((g, i) => groupSection(g, r.day, i)));
    }
  }
  $("reopt-summary").textContent = summary;
  body.replaceChildren(...parts);
  $("reopt-apply").disabled = r.busy || r.stale || !p || Boolean(p.note) || !p.changes.length || p.status !== "proposed";
  $("reopt-reject").textContent = p && !r.stale ? t("reoptReject") : t("cancel");
}

function showReopt(r) {
  state.reopt = r;
  renderReopt();
  if (!$("reopt-dialog").open) $("reopt-dialog").showModal();
  $("reopt-title").focus();
}

async function listRepairs() {
  // Repairs the engine proposed on its own (an engineer gone, a failed visit, a late report):
  // read when asked, so the 4 s poll stays as it was.
  const mine = { day: boardDay(), proposal: null, list: [], busy: true, stale: false, error: null };
  showReopt(mine);
  try {
    const open = await call("GET", "/v1/proposals?status=proposed&limit=50");
    mine.list = open.filter((p) => p.kind === "repair");
  } catch (error) {
    mine.error = error.message;
  }
  mine.busy = false;
  if (state.reopt === mine) renderReopt();
}

function openProposal(p) {
  showReopt({ day: warsawDay(p.created_at), proposal: p, busy: false, stale: false, error: null });
}

async function proposeDay(day) {
  const mine = { day, proposal: null, busy: true, stale: false, error: null };
  showReopt(mine);
  try {
    mine.proposal = await call("POST", "/v1/days/reoptimise", { day });
  } catch (error) {
    mine.error = error.message;
  }
  mine.busy = false;
  if (state.reopt !== mine) return;  // closed (or proposed again) meanwhile
  renderReopt();
  $("reopt-title").focus();
}

async function applyReopt() {
  const r = state.reopt;
  if (!r || !r.proposal) return;
  const p = r.proposal;
  r.busy = true; r.applying = true; renderReopt();
  try {
    await call("POST", `/v1/proposals/${p.id}/apply`);
  } catch (error) {
    r.busy = false; r.applying = false;
    if (state.reopt !== r) return;  // closed meanwhile: the status line has the error
    if (error.status === 409) {
      r.stale = true; r.staleDetail = error.message;
      renderReopt();
      $("reopt-again").focus();
      await refresh();  // the day that changed is what the board shows now
    } else {
      r.error = error.message; renderReopt();
    }
    return;
  }
  if (state.reopt === r) { state.reopt = null; $("reopt-dialog").close(); }
  // moves confirmed before belong to a day that was re-planned as a whole: nothing to undo
  state.undos = []; renderUndo();
  say(t("reoptApplied", { id: p.id, tickets: plural("ticketsIn", p.changes.length) }));
  state.shown = "";
  await refresh();
  renderAll(true);
  $("reopt").focus();
}

function closeReopt() {
  const r = state.reopt;
  if (r?.proposal && !r.stale && !r.proposal.note && !r.busy) say(t("reoptRejected", { id: r.proposal.id }));
  state.reopt = null;
  if ($("reopt-dialog").open) $("reopt-dialog").close();
  $("reopt").focus();
}

// ---- reaction clock: contact and breaches ------------------------------------------------------

// The first contact with the customer stops the reaction clock (rule 1): recorded with the
// public POST /v1/tickets/{id}/status {"status": "contacted"}. Breaches (no contact by the due
// time, or a late one) are counted by every queue poll and listed from GET /v1/reaction/breaches.

function headClock(ticket) {
  // The clock the ticket's head counts down: the deadline, else the reaction until a contact
  return ticket.deadline || (ticket.contacted_at ? null : ticket.reaction_due);
}

function reactionLeft(ticket) {
  const left = leftNow(ticket.reaction_due);
  return left >= 0 ? t("reactionRuns", { d: fmtDuration(left) }) : t("reactionOver", { d: fmtDuration(-left) });
}

function contactMessage(ticket) {
  const late = (new Date(ticket.contacted_at) - new Date(ticket.reaction_due)) / 1000;
  return late > 0 ? t("contactedLateMsg", { id: ticket.id, d: fmtSpan(late) }) : t("contactedMsg", { id: ticket.id });
}

function contactButton(ticketId, onDone) {
  return el("button", { type: "button", class: "contact", "data-contact": ticketId, title: t("contactedHint"),
    "aria-label": `${t("contacted")}: #${ticketId}`, onclick: onDone }, t("contacted"));
}

function reactionLine(ticket) {
  // The reaction clock of any ticket that has one: running (with the contact button), overdue,
  // or stopped by the first contact (on time or late)
  if (!ticket.reaction_due) return "";
  if (ticket.contacted_at) {
    const late = (new Date(ticket.contacted_at) - new Date(ticket.reaction_due)) / 1000;
    return el("div", { class: `reaction-line${late > 0 ? " bad" : ""}`, id: "reaction" },
      `${t("contactedAt", { time: fmtTime(ticket.contacted_at, true) })}: `,
      late > 0 ? t("contactLate", { d: fmtSpan(late) }) : t("contactOnTime"));
  }
  if (ticket.status === "refused") return "";
  const over = leftNow(ticket.reaction_due) < 0;
  return el("div", { class: `reaction-line${over ? " bad" : ""}`, id: "reaction" },
    `${t("reactionDue", { time: fmtTime(ticket.reaction_due, true) })}: `,
    el("span", { id: "reaction-left" }, reactionLeft(ticket)), " ",
    contactButton(ticket.id, () => act(ticket.id, () => contact(ticket.id), contactMessage)));
}

function contact(ticketId) {
  return call("POST", `/v1/tickets/${ticketId}/status`, { status: "contacted" });
}

function renderBreachCount() {
  const button = $("breaches"), counts = state.breaches;
  button.hidden = !counts;
  if (!counts) return;
  button.textContent = plural("breaches", counts.count);
  button.classList.toggle("bad", counts.not_contacted > 0);
  button.title = t("breachesHint");
}

async function openBreaches() {
  state.breachList = { busy: true, error: null, rows: [] };
  renderBreaches();
  $("breaches-dialog").showModal();
  $("breaches-title").focus();
  await readBreaches();
}

async function readBreaches() {
  const mine = state.breachList;
  try {
    const found = await call("GET", "/v1/reaction/breaches");
    Object.assign(mine, { busy: false, error: null, counts: found, rows: found.tickets });
  } catch (error) {
    Object.assign(mine, { busy: false, error: error.message });
  }
  if (state.breachList === mine) renderBreaches();
}

function breachRow(b) {
  const contactCell = b.contacted_at ? fmtTime(b.contacted_at, true)
    : [el("span", { class: "bad" }, t("noContact")), " ", contactButton(b.ticket_id, async () => {
      try { say(contactMessage(await contact(b.ticket_id))); } catch (error) { say(error.message, true); }
      await Promise.all([readBreaches(), refresh()]);
      $("breaches-title").focus();
    })];
  const open = state.rows.has(b.ticket_id);
  return el("tr", { "data-breach": b.ticket_id },
    el("th", { scope: "row" }, open
      ? el("button", { type: "button", class: "id", onclick: () => { $("breaches-dialog").close(); select(b.ticket_id); } }, `#${b.ticket_id}`)
      : `#${b.ticket_id}`),
    el("td", {}, `${b.tier} · ${t(`s_${b.status}`)}`),
    el("td", {}, fmtTime(b.reaction_due, true)),
    el("td", {}, contactCell),
    el("td", {}, fmtSpan(b.late_by_s)));
}

function renderBreaches() {
  const list = state.breachList;
  if (!list) return;
  $("breaches-title").textContent = t("breachesTitle");
  $("breaches-close").textContent = t("close");
  $("breaches-dialog").setAttribute("aria-busy", String(list.busy));
  const c = list.counts;
  $("breaches-summary").textContent = list.busy ? t("loading") : list.error ? list.error
    : c.count ? t("breachesSummary", { count: plural("breaches", c.count), waiting: c.not_contacted, late: c.contacted_late }) : t("breachesEmpty");
  const body = $("breaches-body");
  if (list.busy || list.error || !list.rows.length) { body.replaceChildren(); return; }
  body.replaceChildren(el("table", { class: "opts breaches", id: "breaches-table" },
    el("thead", {}, el("tr", {}, ...[t("ticket"), `${t("tier")} · ${t("status")}`, t("reactionDueCol"), t("contactCol"), t("lateByCol")]
      .map((text) => el("th", { scope: "col" }, text)))),
    el("tbody", {}, list.rows.map(breachRow))));
}

// ---- static texts, language, countdowns ------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = state.lang;
  document.title = `${t("title")} · dispatch-pl`;
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  $("f-q").placeholder = t("searchHint");
  const other = state.lang === "pl" ? "en" : "pl";
  $("lang").textContent = other.toUpperCase();
  $("lang").setAttribute("lang", other);
  $("lang").setAttribute("aria-label", t("switchLang"));
  state.shown = "";
  renderUndo();
  if (state.reopt) renderReopt();
  if (state.breachList) renderBreaches();
  if (state.key) renderAll(true);
}

function tick() {
  const now = new Date(serverNow());
  $("clock").textContent = formatter("DateTimeFormat", { timeZone: TZ, weekday: "short", hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(now);
  for (const node of document.querySelectorAll("[data-left]")) {
    const row = state.rows.get(+node.dataset.left);
    if (row && row.deadline) node.textContent = fmtDuration(leftNow(row.deadline));
  }
  for (const node of document.querySelectorAll("[data-react]")) {
    const row = state.rows.get(+node.dataset.react);
    if (row && row.reaction_due) {
      const due = leftNow(row.reaction_due);
      node.textContent = fmtDuration(due);
      node.classList.toggle("bad", due < 0);  // the reaction is overdue
    }
  }
  if ($("reaction-left") && state.ticket) {
    $("reaction-left").textContent = reactionLeft(state.ticket);
    $("reaction").classList.toggle("bad", leftNow(state.ticket.reaction_due) < 0);
  }
  const countdown = $("countdown");
  const clock = state.ticket && headClock(state.ticket);
  if (countdown && clock) countdown.textContent = fmtDuration(leftNow(clock));
}

let searchTimer = null;

function init() {
  $("login").addEventListener("submit", (e) => { e.preventDefault(); signIn($("api-key").value.trim()); $("api-key").value = ""; });
  $("logout").addEventListener("click", () => signOut());
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "pl" ? "en" : "pl";
    localStorage.setItem(LANG_STORE, state.lang);
    applyLanguage();
  });
  for (const id of ["f-tier", "f-voiv", "f-state"]) $(id).addEventListener("change", () => refresh());
  $("f-q").addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(refresh, 250); });
  $("unavailable-form").addEventListener("submit", submitAbsent);
  $("undo").addEventListener("click", undoLast);
  $("reopt").addEventListener("click", () => proposeDay(boardDay()));
  $("repairs").addEventListener("click", listRepairs);
  $("reopt-apply").addEventListener("click", applyReopt);
  $("reopt-reject").addEventListener("click", closeReopt);
  $("reopt-dialog").addEventListener("cancel", (event) => { event.preventDefault(); closeReopt(); });
  $("unavailable-cancel").addEventListener("click", () => $("unavailable-dialog").close());
  $("breaches").addEventListener("click", openBreaches);
  $("breaches-close").addEventListener("click", () => $("breaches-dialog").close());
  $("breaches-dialog").addEventListener("close", () => { state.breachList = null; $("breaches").focus(); });
  applyLanguage();
  setInterval(tick, 1000);
  if (state.key) signIn(state.key); else $("api-key").focus();
}

init();
