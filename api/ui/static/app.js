// Kennel's dashboard: renders the scheduler's view (GET ui/events, Server-
// Sent Events) and posts the operator's actions to the API (v1/...). Every
// URL is relative, so the page works at /ui and at /service/<name>/ui.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const ESC = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ESC[c]);
  const ident = (s) => String(s).replace(/[^A-Za-z0-9_-]/g, "_");
  const TOKEN = "kennel-api-token"; // sessionStorage: this tab only
  let events = null;

  const CLASSES = {
    COMPLETE: "s-ok", RUNNING: "s-ok", FINISHED: "s-ok", healthy: "s-ok",
    IN_PROGRESS: "s-run", STARTING: "s-run", STARTED: "s-run", PREPARED: "s-run", STAGING: "s-run",
    WAITING: "s-wait", PAUSED: "s-wait", PAUSING: "s-wait",
    DELAYED: "s-warn", DECOMMISSIONING: "s-warn", KILLING: "s-warn",
    ERROR: "s-bad", FAILED: "s-bad", LOST: "s-bad", KILLED: "s-bad", unhealthy: "s-bad", DECOMMISSIONED: "s-bad",
  };
  const badge = (s, label) => s ? `<span class="st ${CLASSES[s] || ""}"${label ? ` aria-label="${esc(label)}: ${esc(s)}"` : ""}>${esc(s)}</span>` : "";
  const time = (t) => { const d = new Date(t); return isNaN(d) ? esc(t) : `<time datetime="${esc(t)}">${d.toLocaleTimeString()}</time>`; };
  const btn = (id, label, data, danger) =>
    `<button type="button" id="${ident(id)}"${danger ? ' class="danger"' : ""} ${Object.entries(data).map(([k, v]) => `data-${k}="${esc(v)}"`).join(" ")}>${esc(label)}</button>`;

  const PLAN_ACTIONS = [
    ["start", "Start", false], ["interrupt", "Pause", false], ["continue", "Resume", false],
    ["stop", "Stop", true], ["restart", "Restart", true], ["forceComplete", "Force complete", true],
  ];
  const POD_ACTIONS = [["restart", "Restart", true], ["replace", "Replace", true]];

  function renderPlan(p) {
    const errors = (p.errors || []).map((e) => `<li>${esc(e)}</li>`).join("");
    const phases = (p.phases || []).map((ph) => {
      const steps = (ph.steps || []).map((st) => {
        const extra = [];
        if (st.message) extra.push(esc(st.message));
        if (st["delayed-until"]) extra.push(`next attempt at ${time(st["delayed-until"])}`);
        return `<li class="step" data-status="${esc(st.status)}"><span class="name">${esc(st.name)}</span> ${badge(st.status, "step " + st.name)}` +
          (extra.length ? `<span class="msg">${extra.join(" · ")}</span>` : "") + "</li>";
      }).join("");
      return `<li class="phase"><div class="head"><h4 class="name">${esc(ph.name)}</h4>${badge(ph.status, "phase " + ph.name)}` +
        `<span class="meta">${esc(ph.strategy)}</span></div><ol class="steps" aria-label="steps of ${esc(ph.name)}">${steps}</ol></li>`;
    }).join("");
    const actions = PLAN_ACTIONS.map(([verb, label, danger]) =>
      btn(`a-plan-${p.name}-${verb}`, label, { kind: "plan", name: p.name, verb, label }, danger)).join("");
    return `<section class="card plan" id="plan-${ident(p.name)}" data-status="${esc(p.status)}" aria-labelledby="ph-${ident(p.name)}">` +
      `<div class="head"><h3 id="ph-${ident(p.name)}">Plan ${esc(p.name)}</h3>${badge(p.status, "plan " + p.name)}<span class="meta">strategy ${esc(p.strategy)}</span></div>` +
      (errors ? `<ul class="error">${errors}</ul>` : "") +
      `<div class="actions" role="group" aria-label="actions on plan ${esc(p.name)}">${actions}</div>` +
      `<ol class="phases">${phases}</ol></section>`;
  }

  function renderWaiting(v) {
    if (!v.waiting.length) return "<p>No step is waiting for an offer.</p>";
    return v.waiting.map((w) => {
      const rows = (w.refusals || []).map((r) =>
        `<tr><td><code>${esc(r.offer_id)}</code></td><td>${esc(r.hostname)}</td><td><ul class="reasons">${(r.reasons || []).map((x) => `<li>${esc(x)}</li>`).join("")}</ul></td></tr>`).join("");
      return `<div class="card waiting" data-step="${esc(w.step)}"><div class="head"><h3>${esc(w.step)}</h3><span class="meta">plan ${esc(w.plan)} · evaluated at ${time(w.time)}</span></div>` +
        `<table><caption class="meta">Why each offer was refused</caption><thead><tr><th scope="col">Offer</th><th scope="col">Agent</th><th scope="col">Reasons</th></tr></thead><tbody>${rows}</tbody></table></div>`;
    }).join("");
  }

  function renderPods(v) {
    if (!v.pods.length) return "<p>No task has been launched yet.</p>";
    return `<div class="grid">${v.pods.map((p) => {
      const rows = p.tasks.map((t) => {
        const cfg = t.config ? `<code title="${esc(t.config)}">${esc(t.config.slice(0, 8))}</code>${t.config === v.target_config ? "" : ' <span class="st s-warn">old</span>'}` : "";
        return `<tr><th scope="row">${esc(t.name.slice(p.instance.length + 1) || t.name)}</th><td>${badge(t.status, "task " + t.name) || '<span class="meta">no status yet</span>'}` +
          `${t.health ? " " + badge(t.health, "health of " + t.name) : ""}${t.message ? `<span class="msg">${esc(t.message)}</span>` : ""}</td>` +
          `<td>${esc(t.hostname || t.agent)}</td><td>${cfg}</td></tr>`;
      }).join("");
      const actions = POD_ACTIONS.map(([verb, label, danger]) =>
        btn(`a-pod-${p.instance}-${verb}`, label, { kind: "pod", name: p.instance, verb, label }, danger)).join("");
      return `<section class="card pod" id="pod-${ident(p.instance)}" aria-labelledby="pd-${ident(p.instance)}"><div class="head"><h3 id="pd-${ident(p.instance)}">${esc(p.instance)}</h3><span class="meta">pod ${esc(p.type)}</span></div>` +
        `<table><thead><tr><th scope="col">Task</th><th scope="col">Status</th><th scope="col">Agent</th><th scope="col">Config</th></tr></thead><tbody>${rows}</tbody></table>` +
        `<div class="actions" role="group" aria-label="actions on pod ${esc(p.instance)}">${actions}</div></section>`;
    }).join("")}</div>`;
  }

  function renderEndpoints(v) {
    if (!v.endpoints.length) return "<p>No endpoint is advertised yet.</p>";
    return `<table><thead><tr><th scope="col">Name</th><th scope="col">Addresses</th><th scope="col">DNS</th><th scope="col">VIP</th></tr></thead><tbody>${v.endpoints.map((e) =>
      `<tr><th scope="row">${esc(e.name)}</th><td>${e.address.map((a) => `<code>${esc(a)}</code>`).join("<br>")}</td><td>${e.dns.map((a) => `<code>${esc(a)}</code>`).join("<br>")}</td><td>${e.vip ? `<code>${esc(e.vip)}</code>` : ""}</td></tr>`).join("")}</tbody></table>`;
  }

  // renderSections renders the service's own sections (Kafka's brokers,
  // topics and under-replicated partitions): a text status and tables.
  function renderSections(v) {
    return (v.sections || []).map((s) => {
      const tables = s.tables.map((t) =>
        `<table><caption>${esc(t.caption)}</caption><thead><tr>${t.columns.map((c) => `<th scope="col">${esc(c)}</th>`).join("")}</tr></thead><tbody>` +
        (t.rows.length ? t.rows.map((r) => `<tr>${r.map((c, i) => i ? `<td>${esc(c)}</td>` : `<th scope="row">${esc(c)}</th>`).join("")}</tr>`).join("")
          : `<tr><td colspan="${t.columns.length}">None</td></tr>`) + "</tbody></table>").join("");
      return `<section class="extra" id="section-${ident(s.name)}" aria-labelledby="hs-${ident(s.name)}"><h2 id="hs-${ident(s.name)}">${esc(s.title)}</h2>` +
        `<p class="${s.error ? "error" : "meta"}">${esc(s.status)}</p>${tables}</section>`;
    }).join("");
  }

  function renderConfig(v) {
    const tasks = v.pods.flatMap((p) => p.tasks);
    const current = [...new Set(tasks.map((t) => t.config).filter(Boolean))];
    const onTarget = tasks.filter((t) => t.config === v.target_config).length;
    return `<p>Target <code id="target-config">${esc(v.target_config || "none yet")}</code> · ${onTarget} of ${tasks.length} tasks run it` +
      (current.length ? ` · running ${current.map((c) => `<code>${esc(c)}</code>`).join(", ")}` : "") + "</p>" +
      `<p class="meta">${v.configs.length} stored configuration${v.configs.length === 1 ? "" : "s"}${v.framework_id ? ` · framework <code>${esc(v.framework_id)}</code>` : ""}</p>`;
  }

  // replace sets a section's HTML when it changed, keeping the focus on the
  // element of the same id.
  function replace(id, html) {
    const el = $(id);
    if (el.dataset.html === html) return;
    const focused = document.activeElement && el.contains(document.activeElement) ? document.activeElement.id : "";
    el.innerHTML = html;
    el.dataset.html = html;
    if (focused && $(focused)) $(focused).focus({ preventScroll: true });
  }

  function render(v) {
    document.title = `${v.service} · Kennel`;
    $("service").textContent = v.service;
    const h = $("health");
    h.textContent = `Health ${v.health}: ${v.health_reason}`;
    h.className = "badge " + (v.health === 200 ? "s-ok" : v.health >= 500 ? "s-bad" : v.health === 207 ? "s-wait" : "s-run");
    replace("config", renderConfig(v));
    replace("plans", v.plans.length ? v.plans.map(renderPlan).join("") : "<p>No plan yet.</p>");
    replace("waiting", renderWaiting(v));
    replace("pods", renderPods(v));
    replace("endpoints", renderEndpoints(v));
    replace("sections", renderSections(v));
    $("live").textContent = `Live · updated ${new Date().toLocaleTimeString()}`;
    document.body.dataset.live = "true";
  }

  function connect() {
    if (events) events.close();
    $("signout").hidden = !sessionStorage.getItem(TOKEN);
    events = new EventSource("ui/events");
    events.addEventListener("view", (e) => render(JSON.parse(e.data)));
    events.addEventListener("failure", (e) => { $("live").textContent = "The scheduler could not build the view: " + e.data; });
    events.onerror = () => {
      document.body.dataset.live = "false";
      $("live").textContent = "Reconnecting to the scheduler…";
      if (events.readyState === EventSource.CLOSED) session();
    };
  }

  function showLogin(msg) {
    if (events) { events.close(); events = null; }
    $("signout").hidden = true;
    $("login").hidden = false;
    $("main").hidden = true;
    $("login-error").textContent = msg || "";
    $("live").textContent = "Signed out";
    $("token").focus();
  }

  async function session() {
    try {
      const r = await fetch("ui/session", { credentials: "same-origin" });
      if (!r.ok) throw new Error(`${r.status} ${r.statusText}`);
      if (!(await r.json()).authorized) return showLogin("");
      $("login").hidden = true;
      $("main").hidden = false;
      connect();
    } catch (err) {
      $("live").textContent = "The scheduler cannot be reached: " + err.message;
    }
  }

  $("login").addEventListener("submit", async (e) => {
    e.preventDefault();
    const token = $("token").value.trim();
    const r = await fetch("ui/session", { method: "POST", credentials: "same-origin", body: new URLSearchParams({ token }) });
    if (r.ok) {
      sessionStorage.setItem(TOKEN, token);
      $("token").value = "";
      $("login-error").textContent = "";
      $("login").hidden = true;
      $("main").hidden = false;
      $("main").focus();
      connect();
      return;
    }
    $("login-error").textContent = (await r.text()).trim() || `Refused (${r.status})`;
    $("token").select();
  });

  function confirmAction(text) {
    const d = $("confirm");
    $("confirm-text").textContent = text;
    return new Promise((resolve) => {
      d.addEventListener("close", () => resolve(d.returnValue === "ok"), { once: true });
      d.returnValue = "";
      d.showModal();
      $("confirm-cancel").focus();
    });
  }

  async function act(b) {
    const { kind, name, verb, label } = b.dataset;
    const what = kind === "plan" ? `plan ${name}` : `pod ${name}`;
    if (!(await confirmAction(`${label} ${what}?`))) return;
    const url = kind === "plan" ? `v1/plans/${encodeURIComponent(name)}/${verb}` : `v1/pod/${encodeURIComponent(name)}/${verb}`;
    const headers = { "Content-Type": "application/json" };
    const token = sessionStorage.getItem(TOKEN);
    if (token) headers.Authorization = "Bearer " + token;
    const out = $("result");
    try {
      const r = await fetch(url, { method: "POST", headers, body: kind === "plan" && verb === "start" ? "{}" : null, credentials: "same-origin" });
      const body = (await r.text()).trim();
      let msg = body;
      try {
        const j = JSON.parse(body);
        msg = j.message || (j.tasks ? `tasks ${j.tasks.join(", ")}` : body);
      } catch (_) { /* plain text */ }
      out.className = "result" + (r.ok ? "" : " error");
      out.textContent = `${label} ${what}: ${r.ok ? "" : `refused (${r.status}): `}${msg}`;
      if (r.status === 401) showLogin("The scheduler refused the token; sign in again.");
    } catch (err) {
      out.className = "result error";
      out.textContent = `${label} ${what}: ${err.message}`;
    }
  }

  $("signout").addEventListener("click", async () => {
    sessionStorage.removeItem(TOKEN);
    await fetch("ui/session", { method: "DELETE", credentials: "same-origin" });
    showLogin("Signed out.");
  });

  $("main").addEventListener("click", (e) => {
    const b = e.target.closest("button[data-verb]");
    if (b) act(b);
  });

  session();
})();
