// The dashboard: plain browser JavaScript against the compliance API, no
// build step. Everything the page shows comes from /api/v1; the live parts
// come from the server-sent event stream, read with fetch (so that an API key
// can be sent as a header, which EventSource cannot do).
const API = "/api/v1";
const $ = (id) => document.getElementById(id);
const keyInput = $("api-key");
keyInput.value = localStorage.getItem("papertrail.apiKey") ?? "";
keyInput.addEventListener("change", () => {
  localStorage.setItem("papertrail.apiKey", keyInput.value);
  refreshAll();
  restartStream();
});

function headers(extra = {}) {
  const key = keyInput.value.trim();
  return key === "" ? extra : { ...extra, authorization: `Bearer ${key}` };
}

async function api(path, init = {}) {
  const response = await fetch(`${API}${path}`, { ...init, headers: headers(init.headers ?? {}) });
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error(body?.errors?.[0]?.message ?? body?.detail ?? `${response.status}`);
  return body;
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.append(td);
  return td;
}

const format = new Intl.NumberFormat("en-US");
let metrics = { distinct: [], top: [], frequency: [], stats: [] };
let systems = [];

async function refreshSystems() {
  const answer = await api("/compliance/systems");
  systems = answer.systems;
  metrics = answer.metrics;
  const select = $("top-system");
  const chosen = select.value;
  select.replaceChildren(...systems.map((name) => new Option(name, name)));
  if (systems.includes(chosen)) select.value = chosen;
}

async function refreshDistinct() {
  // One row per system, one column per distinct metric: the estimate and its 95 % half-width.
  const head = document.createElement("tr");
  cell(head, "system");
  for (const metric of metrics.distinct) cell(head, metric, "num");
  $("distinct-head").replaceChildren(head);
  const rows = [];
  for (const system of systems) {
    const row = document.createElement("tr");
    row.dataset.system = system;
    cell(row, system);
    for (const metric of metrics.distinct) {
      const answer = await api(`/compliance/distinct/${encodeURIComponent(metric)}?system=${encodeURIComponent(system)}&window=24h`);
      const halfWidth = Math.round((answer.accuracy.upper - answer.accuracy.lower) / 2);
      const td = cell(row, halfWidth > 0 ? `${format.format(answer.count)} ±${format.format(halfWidth)}` : format.format(answer.count), "num count");
      td.dataset.metric = metric;
      td.dataset.count = String(answer.count);
    }
    rows.push(row);
  }
  $("distinct-rows").replaceChildren(...rows);
}

async function refreshTop() {
  const system = $("top-system").value;
  if (!system) return $("top-tables").replaceChildren();
  const tables = [];
  for (const metric of metrics.top) {
    const answer = await api(`/compliance/top/${encodeURIComponent(metric)}?system=${encodeURIComponent(system)}&k=5&window=24h`);
    const table = document.createElement("table");
    table.dataset.metric = metric;
    const head = table.createTHead().insertRow();
    cell(head, metric);
    cell(head, "count", "num");
    const body = table.createTBody();
    for (const entry of answer.items) {
      const row = body.insertRow();
      cell(row, entry.item);
      cell(row, format.format(entry.count), "num");
    }
    tables.push(table);
  }
  $("top-tables").replaceChildren(...tables);
}

async function refreshAlerts() {
  const status = $("alert-status").value;
  const page = await api(`/alerts?limit=50${status ? `&status=${status}` : ""}`);
  const rows = page.items.map((alert) => {
    const row = document.createElement("tr");
    row.dataset.id = alert.id;
    row.dataset.status = alert.status;
    cell(row, new Date(alert.lastTime).toISOString().replace("T", " ").slice(0, 19));
    cell(row, alert.severity, `sev-${alert.severity}`);
    cell(row, alert.title);
    cell(row, alert.groupKey);
    cell(row, alert.message);
    cell(row, alert.status, "status");
    const actions = cell(row, "");
    for (const next of alert.status === "new" ? ["acknowledged", "resolved"] : alert.status === "acknowledged" ? ["resolved"] : []) {
      const button = document.createElement("button");
      button.textContent = next === "acknowledged" ? "Acknowledge" : "Resolve";
      button.dataset.action = next;
      button.addEventListener("click", async () => {
        button.disabled = true;
        await api(`/alerts/${encodeURIComponent(alert.id)}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ status: next }) });
        await refreshAlerts();
        await refreshChart();
      });
      actions.append(button);
    }
    return row;
  });
  $("alert-rows").replaceChildren(...rows);
}

async function refreshAllowList() {
  const { entries } = await api("/allowlist");
  $("allow-list").replaceChildren(
    ...entries.map((entry) => {
      const item = document.createElement("li");
      item.textContent = `${entry} `;
      const button = document.createElement("button");
      button.textContent = "Remove";
      button.addEventListener("click", async () => {
        await api(`/allowlist?entry=${encodeURIComponent(entry)}`, { method: "DELETE" });
        await refreshAllowList();
      });
      item.append(button);
      return item;
    }),
  );
}

async function refreshChart() {
  const { points } = await api("/compliance/timeline?minutes=60");
  const canvas = $("chart");
  const context = canvas.getContext("2d");
  const width = canvas.width;
  const height = canvas.height;
  context.clearRect(0, 0, width, height);
  const max = Math.max(1, ...points.map((p) => p.events));
  const maxAlerts = Math.max(1, ...points.map((p) => p.alerts));
  const step = width / points.length;
  const style = getComputedStyle(document.documentElement);
  context.fillStyle = style.getPropertyValue("--accent");
  points.forEach((p, i) => {
    const h = (p.events / max) * (height - 20);
    context.fillRect(i * step + 1, height - h, Math.max(1, step - 2), h);
  });
  context.strokeStyle = style.getPropertyValue("--alert");
  context.lineWidth = 2;
  context.beginPath();
  points.forEach((p, i) => {
    const y = height - (p.alerts / maxAlerts) * (height - 20) - 1;
    if (i === 0) context.moveTo(i * step + step / 2, y);
    else context.lineTo(i * step + step / 2, y);
  });
  context.stroke();
  const events = points.reduce((sum, p) => sum + p.events, 0);
  const alerts = points.reduce((sum, p) => sum + p.alerts, 0);
  const total = $("chart-total");
  total.textContent = `— ${format.format(events)} events, ${format.format(alerts)} alerts`;
  total.dataset.events = String(events);
  total.dataset.alerts = String(alerts);
}

$("top-system").addEventListener("change", () => refreshTop().catch(report));
$("alert-status").addEventListener("change", () => refreshAlerts().catch(report));

$("activity-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const user = $("activity-user").value.trim();
  const system = $("activity-system").value.trim();
  const window = $("activity-window").value;
  const answer = await api(`/compliance/activity/check?user_id=${encodeURIComponent(user)}&system=${encodeURIComponent(system)}&window=${window}`);
  const out = $("activity-answer");
  out.dataset.accessed = String(answer.accessed);
  out.textContent = answer.accessed
    ? `Yes: ${user} touched ${system} in the last ${window} (chance this yes is false: ${answer.probability.toExponential(1)}).`
    : `No: ${user} did not touch ${system} in the last ${window}.`;
});

$("allow-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const entry = $("allow-entry").value.trim();
  $("allow-error").textContent = "";
  try {
    await api("/allowlist", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ entry }) });
    $("allow-entry").value = "";
    await refreshAllowList();
  } catch (error) {
    $("allow-error").textContent = error.message;
  }
});

// --- the live stream ---------------------------------------------------------
let received = 0;
let lastEventId = "";
let streamAbort;
let refreshPending = false;

function scheduleRefresh() {
  // Coalesce bursts of messages into one refresh a second.
  if (refreshPending) return;
  refreshPending = true;
  setTimeout(() => {
    refreshPending = false;
    refreshAll();
  }, 1000);
}

function onMessage(type, data) {
  if (type === "events") {
    received += data.accepted;
    $("event-count").textContent = `${format.format(received)} received`;
    const list = $("events");
    for (const event of data.latest) {
      const item = document.createElement("li");
      item.textContent = `${new Date(event.time).toISOString().slice(11, 19)} ${event.kind} ${event.user ?? "-"} → ${event.system ?? "-"} ${event.ip ?? ""} ${event.outcome ?? ""}`;
      list.prepend(item);
    }
    while (list.children.length > 100) list.lastElementChild.remove();
  }
  scheduleRefresh();
}

async function stream() {
  const connection = $("connection");
  for (;;) {
    streamAbort = new AbortController();
    try {
      const response = await fetch(`${API}/stream`, { headers: headers(lastEventId ? { "last-event-id": lastEventId } : {}), signal: streamAbort.signal });
      if (!response.ok) throw new Error(`stream: ${response.status}`);
      connection.textContent = "live";
      connection.className = "badge live";
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let type = "message";
          let data = "";
          for (const line of block.split("\n")) {
            if (line.startsWith("id: ")) lastEventId = line.slice(4);
            else if (line.startsWith("event: ")) type = line.slice(7);
            else if (line.startsWith("data: ")) data += line.slice(6);
          }
          if (data) onMessage(type, JSON.parse(data));
        }
      }
    } catch (error) {
      if (error.name === "AbortError") return;
    }
    connection.textContent = "reconnecting…";
    connection.className = "badge down";
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function restartStream() {
  streamAbort?.abort();
  stream();
}

function report(error) {
  const connection = $("connection");
  connection.textContent = `error: ${error.message}`;
  connection.className = "badge down";
}

async function refreshAll() {
  try {
    await refreshSystems();
    await Promise.all([refreshDistinct(), refreshTop(), refreshAlerts(), refreshAllowList(), refreshChart()]);
  } catch (error) {
    report(error);
  }
}

refreshAll();
stream();
setInterval(refreshAll, 10_000);
