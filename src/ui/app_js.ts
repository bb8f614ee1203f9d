/**
 * The UI's script: one vanilla ES module, no framework and no build step. Kept as a string so the
 * binary and `deno run` carry it; written without backticks or dollar-braces so `String.raw`
 * holds it byte for byte.
 */
export const APP_JS = String
  .raw`// mocksmtp web UI: reads Mailpit's API v1 (plus mocksmtp's extension fields) and its event
// stream. Every value from a message is inserted with textContent or as an attribute value,
// never as markup; a message's HTML goes only into the sandboxed frame.
const PAGE_SIZE = 200;
const $ = (id) => document.getElementById(id);
const list = $("list");
const search = $("search");
const state = { messages: [], total: 0, query: "", openId: null, focusId: null, panel: "text" };

function api(path) {
  return new URL(path, document.baseURI).href;
}

async function getJson(path) {
  // no-store: the answers change with every arrival, and a cached request would make an
  // identical one wait behind it (chromium's cache lock holds it up to 20 s).
  const res = await fetch(api(path), { headers: { accept: "application/json" }, cache: "no-store" });
  if (!res.ok) throw new Error(path + ": HTTP " + res.status);
  return res.json();
}

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function address(a) {
  if (!a) return "";
  if (typeof a === "string") return a;
  return a.Name ? a.Name + " <" + a.Address + ">" : a.Address || "";
}

function addresses(list) {
  return (list || []).map(address).join(", ");
}

function when(iso) {
  const d = new Date(iso);
  return isNaN(d) ? String(iso || "") : d.toLocaleString();
}

function size(n) {
  if (typeof n !== "number") return "";
  if (n < 1024) return n + " B";
  if (n < 1048576) return (n / 1024).toFixed(1) + " KiB";
  return (n / 1048576).toFixed(1) + " MiB";
}

let connection = "Connecting…";

function setStatus(text) {
  $("status").textContent = text;
}

function setConnection(text) {
  connection = text;
  setStatus(text);
}

// ---- the list ----

// Mail announced while a list request is on its way may be missing from its answer: it is
// kept here and put back on top when the answer comes.
let loading = 0;
let arrivedWhileLoading = [];

async function loadList() {
  loading++;
  list.setAttribute("aria-busy", "true");
  try {
    await fetchList();
  } finally {
    if (--loading === 0) {
      arrivedWhileLoading = [];
      list.setAttribute("aria-busy", "false");
    }
  }
}

async function fetchList() {
  const q = state.query;
  const path = q
    ? "api/v1/search?query=" + encodeURIComponent(q) + "&limit=" + PAGE_SIZE
    : "api/v1/messages?limit=" + PAGE_SIZE;
  let data;
  try {
    data = await getJson(path);
  } catch (e) {
    return setStatus("Error: " + e.message);
  }
  if (q !== state.query) return; // a newer search is on its way
  const messages = data.messages || [];
  let total = typeof data.messages_count === "number" ? data.messages_count : (data.total ?? messages.length);
  if (!q) {
    const listed = new Set(messages.map((m) => m.ID));
    const missing = arrivedWhileLoading.filter((m) => !listed.has(m.ID));
    messages.unshift(...missing);
    total += missing.length;
  }
  state.messages = messages.slice(0, PAGE_SIZE);
  state.total = total;
  setStatus(connection); // clears an earlier error
  renderList();
}

let reloadTimer = 0;
function scheduleReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(loadList, 50);
}

function renderList() {
  const hadFocus = list.contains(document.activeElement);
  list.replaceChildren();
  const ids = state.messages.map((m) => m.ID);
  if (!ids.includes(state.focusId)) state.focusId = ids[0] ?? null;
  for (const m of state.messages) list.append(listItem(m));
  $("empty").hidden = state.messages.length > 0;
  const shown = state.messages.length;
  $("count").textContent = state.query
    ? shown + " of " + state.total + " found"
    : shown < state.total ? shown + " of " + state.total + " messages" : shown === 1 ? "1 message" : shown + " messages";
  $("delete-all").textContent = state.query ? "Delete found" : "Delete all";
  $("delete-all").disabled = shown === 0;
  if (hadFocus) focusItem(state.focusId);
}

function listItem(m) {
  const tags = (m.Tags || []).map((t) => el("span", { class: "tag", text: t }));
  const attach = m.Attachments
    ? el("span", { class: "tag attach", text: m.Attachments === 1 ? "1 attachment" : m.Attachments + " attachments" })
    : null;
  const li = el(
    "li",
    {
      role: "option",
      tabindex: m.ID === state.focusId ? "0" : "-1",
      "data-id": m.ID,
      "aria-selected": String(m.ID === state.openId),
      class: m.Read ? "" : "unread",
    },
    el("div", { class: "meta" }, el("span", { class: "from", text: address(m.From) || "(no sender)" }), el("time", { text: when(m.Created) })),
    el("div", { class: "subject" }, m.Subject || "(no subject)", attach, ...tags),
    el("div", { class: "snippet", text: m.Snippet || "" }),
  );
  li.addEventListener("click", () => {
    focusItem(m.ID);
    open(m.ID);
  });
  return li;
}

function items() {
  return [...list.querySelectorAll("li[data-id]")];
}

function focusItem(id) {
  if (id == null) return;
  state.focusId = id;
  for (const li of items()) {
    const here = li.dataset.id === id;
    li.tabIndex = here ? 0 : -1;
    if (here) li.focus();
  }
}

function move(step) {
  const all = items();
  if (all.length === 0) return;
  let i = all.findIndex((li) => li.dataset.id === state.focusId);
  i = i < 0 ? 0 : Math.min(all.length - 1, Math.max(0, i + step));
  focusItem(all[i].dataset.id);
}

// ---- one message ----

let openSeq = 0;
async function open(id) {
  const seq = ++openSeq;
  let m;
  try {
    m = await getJson("api/v1/message/" + encodeURIComponent(id));
  } catch (e) {
    setStatus("Error: " + e.message);
    return;
  }
  if (seq !== openSeq) return;
  state.openId = id;
  for (const li of items()) {
    li.setAttribute("aria-selected", String(li.dataset.id === id));
    if (li.dataset.id === id) li.classList.remove("unread");
  }
  const summary = state.messages.find((s) => s.ID === id);
  if (summary) summary.Read = true;
  renderMessage(m);
  $("view").hidden = false;
  // Headers and raw source are fetched when their tab is opened, not for every message; the
  // previous message's are cleared so they never show under this one's subject.
  loaded.headers = loaded.raw = false;
  $("v-headers").replaceChildren();
  $("v-raw").textContent = "";
  showPanel(state.panel, false); // the same tab as before, when this message has it
}

const loaded = { headers: false, raw: false };

function renderMessage(m) {
  const base = "api/v1/message/" + encodeURIComponent(m.ID);
  $("v-subject").textContent = m.Subject || "(no subject)";
  $("v-download").href = api(base + "/raw");
  $("v-download").setAttribute("download", m.ID + ".eml");
  facts($("v-summary"), [
    ["From", address(m.From)],
    ["To", addresses(m.To)],
    ["Cc", addresses(m.Cc)],
    ["Bcc", addresses(m.Bcc)],
    ["Reply-To", addresses(m.ReplyTo)],
    ["Date", m.Date ? when(m.Date) : ""],
    ["Tags", (m.Tags || []).join(", ")],
    ["Size", size(m.Size)],
  ]);
  $("v-text").textContent = m.Text || "(no text part)";
  const frame = $("v-html");
  $("tab-html").disabled = !m.HTML;
  // The HTML comes from the API's view route, whose Content-Security-Policy header (sandbox,
  // nothing but data: and cid: images) is in force before a byte is parsed. A frame given the
  // markup inline is not that safe: Chromium's preload scanner fetched a message's image
  // before the frame's meta policy, or the policy it inherits, applied (seen in CI).
  frame.src = m.HTML ? api(base.replace("api/v1/message/", "view/") + ".html") : "about:blank";
  const parts = [...(m.Attachments || []), ...(m.Inline || [])];
  $("attachments-count").textContent = parts.length ? String(parts.length) : "";
  $("v-attachments").replaceChildren(
    ...parts.map((p) => {
      const link = el("a", {
        href: api(base + "/part/" + encodeURIComponent(p.PartID)),
        download: p.FileName || "part-" + p.PartID,
        text: p.FileName || "(unnamed part " + p.PartID + ")",
      });
      const sum = p.Checksums && p.Checksums.SHA256 ? " sha256 " + p.Checksums.SHA256 : "";
      return el("li", {}, link, " " + (p.ContentType || "") + ", " + size(p.Size) + sum);
    }),
  );
  if (parts.length === 0) $("v-attachments").append(el("li", { class: "muted", text: "No attachments." }));
  renderDetails(m);
  renderTranscript(m);
  renderLint(m);
}

function renderDetails(m) {
  const rows = [
    ["Envelope from", m.MailFrom != null ? "<" + m.MailFrom + ">" : ""],
    ["Envelope to", (m.RcptTo || []).map((r) => "<" + (typeof r === "string" ? r : address(r)) + ">").join(", ")],
    ["Message-ID", m.MessageID || ""],
    ["Return-Path", m.ReturnPath || ""],
    ["AUTH user", m.Session ? "" : m.Username || ""],
  ];
  const session = m.Session;
  if (session && typeof session === "object") {
    for (const [key, value] of Object.entries(session)) rows.push([sessionLabel(key), sessionValue(key, value)]);
  }
  rows.push(["Links", (m.Links || []).join("\n")]);
  rows.push(["Codes", (m.Codes || []).join(", ")]);
  facts($("v-details"), rows);
}

const SESSION_LABELS = {
  SessionID: "Session",
  ClientAddress: "Client address",
  ClientPort: "Client port",
  ServerAddress: "Server address",
  ServerPort: "Server port",
  Helo: "HELO/EHLO",
  StartedAt: "Session started",
  AuthUser: "AUTH user",
  AuthMechanism: "AUTH mechanism",
};

function sessionLabel(key) {
  return SESSION_LABELS[key] || key;
}

// Session facts as one line each: nested objects (TLS) as "Key value" pairs, empty ones left out.
function sessionValue(key, value) {
  if (key === "TLS") {
    if (!value) return "no";
    const parts = Object.entries(value).filter(([, v]) => v !== "" && v != null);
    return parts.length ? parts.map(([k, v]) => k + " " + v).join(", ") : "yes";
  }
  if (key === "StartedAt" && value) return when(value);
  if (value == null) return "";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function renderTranscript(m) {
  const lines = Array.isArray(m.Transcript) ? m.Transcript : null;
  $("tab-transcript").hidden = !lines;
  $("v-transcript").textContent = lines ? lines.join("\n") : "";
}

function renderLint(m) {
  const findings = Array.isArray(m.Lint) ? m.Lint : null;
  $("tab-lint").hidden = !findings;
  const badge = $("lint-count");
  badge.textContent = findings && findings.length ? String(findings.length) : "";
  badge.classList.toggle("error", !!findings && findings.some((f) => f.severity === "error"));
  const body = $("v-lint").tBodies[0];
  body.replaceChildren();
  for (const f of findings || []) {
    body.append(el(
      "tr",
      {},
      el("td", { class: "sev-" + f.severity, text: f.severity || "" }),
      el("td", { text: f.id || "" }),
      el("td", { text: f.rfc || "" }),
      el("td", {}, el("pre", { text: (f.line != null ? "line " + f.line + ": " : "") + (f.evidence || "") })),
      el("td", { text: f.advice || "" }),
    ));
  }
  if (findings && findings.length === 0) {
    body.append(el("tr", {}, el("td", { colspan: "5", class: "muted", text: "No findings." })));
  }
}

function facts(dl, rows) {
  dl.replaceChildren();
  for (const [name, value] of rows) {
    if (value === "" || value == null) continue;
    dl.append(el("dt", { text: name }), el("dd", { text: value }));
  }
}

async function showPanel(name, focusTab) {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const tab = tabs.find((t) => t.dataset.panel === name);
  if (!tab || tab.hidden || tab.disabled) name = "text";
  state.panel = name;
  for (const t of tabs) {
    const on = t.dataset.panel === name;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $("panel-" + t.dataset.panel).hidden = !on;
    if (on && focusTab) t.focus();
  }
  const id = state.openId;
  if (id == null) return;
  const base = "api/v1/message/" + encodeURIComponent(id);
  try {
    if (name === "headers" && !loaded.headers) {
      loaded.headers = true;
      const headers = await getJson(base + "/headers");
      if (id !== state.openId) return;
      const rows = [];
      for (const [key, values] of Object.entries(headers)) {
        for (const v of [].concat(values)) rows.push([key, v]);
      }
      facts($("v-headers"), rows);
    }
    if (name === "raw" && !loaded.raw) {
      loaded.raw = true;
      const res = await fetch(api(base + "/raw"), { cache: "no-store" });
      if (!res.ok) throw new Error("raw: HTTP " + res.status);
      const text = await res.text();
      if (id === state.openId) $("v-raw").textContent = text;
    }
  } catch (e) {
    setStatus("Error: " + e.message);
  }
}

// ---- deleting ----

async function remove(id) {
  const all = items();
  const i = all.findIndex((li) => li.dataset.id === id);
  const next = all[i + 1] || all[i - 1];
  const res = await fetch(api("api/v1/messages"), {
    method: "DELETE",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ IDs: [id] }),
  });
  if (!res.ok) return setStatus("Delete failed: HTTP " + res.status);
  state.messages = state.messages.filter((m) => m.ID !== id);
  state.total = Math.max(0, state.total - 1);
  if (state.openId === id) closeView();
  if (state.focusId === id) state.focusId = next ? next.dataset.id : null;
  const focused = list.contains(document.activeElement) || document.activeElement === document.body;
  renderList();
  if (focused) focusItem(state.focusId);
}

async function removeAll() {
  const q = state.query;
  const what = q ? "the " + state.total + " messages found" : "all " + state.total + " messages";
  if (!confirm("Delete " + what + "?")) return;
  const res = q
    ? await fetch(api("api/v1/search?query=" + encodeURIComponent(q)), { method: "DELETE" })
    : await fetch(api("api/v1/messages"), {
      method: "DELETE",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ IDs: [] }),
    });
  if (!res.ok) return setStatus("Delete failed: HTTP " + res.status);
  closeView();
  await loadList();
}

function closeView() {
  state.openId = null;
  $("view").hidden = true;
  $("v-html").src = "about:blank";
}

// ---- live updates: Mailpit's websocket, else the SSE stream ----

function onEvent(event) {
  const type = event && event.Type;
  if (type === "new" && event.Data && event.Data.ID && !state.query) {
    if (loading) arrivedWhileLoading.unshift(event.Data);
    if (state.messages.some((m) => m.ID === event.Data.ID)) return;
    state.messages.unshift(event.Data);
    if (state.messages.length > PAGE_SIZE) state.messages.length = PAGE_SIZE;
    state.total++;
    renderList();
  } else if (type === "stats" || type === "update" || type === "error") {
    // counters, read flags, server-side errors: the list is unaffected
  } else {
    const gone = type === "delete" && event.Data && event.Data.ID;
    if (gone) arrivedWhileLoading = arrivedWhileLoading.filter((m) => m.ID !== gone);
    scheduleReload(); // a search result, a deletion, a prune, or anything new to us
  }
}

let retry = 500;
function connect() {
  let opened = false;
  const url = new URL("api/events", document.baseURI);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  let ws;
  try {
    ws = new WebSocket(url);
  } catch {
    return connectSse();
  }
  ws.onopen = () => {
    opened = true;
    retry = 500;
    setConnection("Live");
    loadList(); // whatever arrived while (re)connecting
  };
  ws.onmessage = (e) => {
    try {
      onEvent(JSON.parse(e.data));
    } catch {
      scheduleReload();
    }
  };
  ws.onclose = () => {
    if (!opened) return connectSse(); // no websocket here: try Server-Sent Events
    setConnection("Reconnecting…");
    setTimeout(connect, retry);
    retry = Math.min(retry * 2, 10000);
  };
}

function connectSse() {
  if (typeof EventSource === "undefined") return setConnection("No live updates");
  const source = new EventSource(api("api/v1/events"));
  source.onopen = () => {
    setConnection("Live");
    loadList();
  };
  const handle = (e) => {
    let data = null;
    try {
      data = JSON.parse(e.data);
    } catch { /* not JSON: reload below */ }
    if (data && data.Type) onEvent(data);
    else if (data && data.ID && e.type !== "delete") onEvent({ Type: "new", Data: data });
    else scheduleReload();
  };
  source.onmessage = handle;
  for (const name of ["new", "delete", "truncate", "prune"]) source.addEventListener(name, handle);
  source.onerror = () => setConnection(source.readyState === EventSource.CLOSED ? "No live updates" : "Reconnecting…");
}

// ---- the keyboard ----

function typing(target) {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target.isContentEditable;
}

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target;
  if (t === search) {
    if (e.key === "Escape") {
      search.blur();
      focusItem(state.focusId);
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      focusItem(state.focusId);
    }
    return;
  }
  if (typing(t)) return;
  if (e.key === "/") {
    e.preventDefault();
    search.focus();
    search.select();
    return;
  }
  const inList = list.contains(t);
  if (t.getAttribute && t.getAttribute("role") === "tab" && (e.key === "ArrowRight" || e.key === "ArrowLeft")) {
    e.preventDefault();
    const tabs = [...document.querySelectorAll('[role="tab"]')].filter((x) => !x.hidden && !x.disabled);
    const i = tabs.indexOf(t) + (e.key === "ArrowRight" ? 1 : -1);
    showPanel(tabs[(i + tabs.length) % tabs.length].dataset.panel, true);
    return;
  }
  if (e.key === "j" || (inList && e.key === "ArrowDown")) {
    e.preventDefault();
    move(1);
  } else if (e.key === "k" || (inList && e.key === "ArrowUp")) {
    e.preventDefault();
    move(-1);
  } else if (inList && (e.key === "Home" || e.key === "End")) {
    e.preventDefault();
    const all = items();
    if (all.length) focusItem(all[e.key === "Home" ? 0 : all.length - 1].dataset.id);
  } else if (inList && e.key === "Enter") {
    e.preventDefault();
    open(t.dataset.id);
  } else if (e.key === "Delete" && (inList || state.openId)) {
    e.preventDefault();
    remove(inList ? t.dataset.id : state.openId);
  } else if (e.key === "Escape" && state.openId) {
    focusItem(state.openId);
  }
});

// ---- start ----

$("search-form").addEventListener("submit", (e) => {
  e.preventDefault();
  state.query = search.value.trim();
  loadList();
});
search.addEventListener("search", () => { // the clear button of type=search
  if (search.value === "" && state.query) {
    state.query = "";
    loadList();
  }
});
$("delete-all").addEventListener("click", removeAll);
$("delete-one").addEventListener("click", () => state.openId && remove(state.openId));
for (const tab of document.querySelectorAll('[role="tab"]')) {
  tab.addEventListener("click", () => showPanel(tab.dataset.panel, false));
}
showPanel("text", false);
loadList();
connect();
`;
