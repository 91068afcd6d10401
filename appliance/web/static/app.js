// Admin console: small helpers and the live / knowledge-base pages. No external libraries.
"use strict";
const csrfToken = () => document.querySelector('meta[name="csrf-token"]').content;

async function api(method, url, body) {
  const opts = { method, headers: { "X-CSRF-Token": csrfToken() }, credentials: "same-origin" };
  if (body instanceof FormData) opts.body = body;
  else if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
  const resp = await fetch(url, opts);
  let data = {};
  try { data = await resp.json(); } catch (e) { data = { error: `HTTP ${resp.status}` }; }
  if (resp.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname); }
  if (!resp.ok) throw new Error(data.error || `HTTP ${resp.status}`);
  return data;
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return e;
}

const fmtTime = (ts) => ts ? new Date(ts * 1000).toLocaleString() : "";

// -- live calls ---------------------------------------------------------------------------
async function refreshLive() {
  const table = document.querySelector("#live-calls tbody");
  if (!table) return;
  try {
    const data = await api("GET", "/api/live");
    table.replaceChildren(...(data.calls.length ? data.calls.map((c) => el("tr", {},
      el("td", {}, el("a", { href: "/calls/" + encodeURIComponent(c.call_id) }, c.call_id)),
      el("td", {}, c.caller + (c.caller_name ? ` (${c.caller_name})` : "")),
      el("td", {}, fmtTime(c.started_at)),
      el("td", {}, c.duration_s == null ? "" : `${Math.round(c.duration_s)} s`),
      el("td", {}, c.turns))) : [el("tr", {}, el("td", { colspan: 5, class: "muted" }, "No calls in progress."))]));
    document.getElementById("live-updated").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (e) {
    table.replaceChildren(el("tr", {}, el("td", { colspan: 5, class: "error" }, e.message)));
  }
}

// -- knowledge base -----------------------------------------------------------------------
function kbStatus(text, bad) {
  const s = document.getElementById("kb-status");
  s.textContent = text; s.className = bad ? "error" : "ok";
}

async function loadDocuments() {
  const body = document.querySelector("#kb-documents tbody");
  try {
    const data = await api("GET", "/api/kb/documents");
    body.replaceChildren(...(data.documents.length ? data.documents.map((d) => el("tr", {},
      el("td", {}, d.source), el("td", {}, d.tag), el("td", {}, d.chunks),
      el("td", { class: "muted" }, d.uploaded ? "uploaded" : d.root),
      el("td", {}, el("button", { type: "button", class: "danger", onclick: () => deleteDocument(d) }, "Delete")))) :
      [el("tr", {}, el("td", { colspan: 5, class: "muted" }, "The knowledge base is empty."))]));
  } catch (e) { body.replaceChildren(el("tr", {}, el("td", { colspan: 5, class: "error" }, e.message))); }
}

function setBusy(busy) {
  for (const id of ["kb-upload-button", "kb-reindex"]) document.getElementById(id).disabled = busy;
  document.querySelectorAll("#kb-documents button").forEach((b) => { b.disabled = busy; });
}

async function followJob(job) {
  const box = document.getElementById("kb-job"), bar = document.getElementById("kb-progress");
  const msg = document.getElementById("kb-job-message");
  box.hidden = false; setBusy(true);
  while (job.state === "running") {
    bar.value = job.progress; msg.textContent = `${job.kind}: ${Math.round(job.progress * 100)} % ${job.message || ""}`;
    await new Promise((r) => setTimeout(r, 400));
    job = (await api("GET", "/api/kb/jobs/" + job.id)).job;
  }
  bar.value = 1; setBusy(false);
  msg.textContent = `${job.kind} ${job.state}`;
  if (job.state === "done") kbStatus(`${job.kind} finished: ${job.message}`, false);
  else kbStatus(`${job.kind} failed: ${job.message}`, true);
  await loadDocuments();
  return job;
}

async function deleteDocument(d) {
  if (!confirm(`Delete ${d.source} from the knowledge base?`)) return;
  try { await followJob((await api("POST", "/api/kb/delete", { doc_id: d.doc_id })).job); }
  catch (e) { kbStatus(e.message, true); }
}

function initKb() {
  if (!document.getElementById("kb-upload")) return;
  loadDocuments();
  document.getElementById("kb-upload").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = document.getElementById("kb-file").files[0];
    if (!file) { kbStatus("Choose a file first.", true); return; }
    const form = new FormData();
    form.append("tag", document.getElementById("kb-tag").value);
    form.append("file", file, file.name);
    kbStatus(`Uploading ${file.name}…`, false);
    try { await followJob((await api("POST", "/api/kb/upload", form)).job); ev.target.reset(); }
    catch (e) { kbStatus(e.message, true); setBusy(false); }
  });
  document.getElementById("kb-reindex").addEventListener("click", async () => {
    try { await followJob((await api("POST", "/api/kb/reindex")).job); } catch (e) { kbStatus(e.message, true); setBusy(false); }
  });
  document.getElementById("kb-search").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const list = document.getElementById("kb-results");
    const q = document.getElementById("kb-q").value;
    try {
      const data = await api("GET", "/api/kb/search?q=" + encodeURIComponent(q));
      list.replaceChildren(...(data.results.length ? data.results.map((r) => el("li", { class: r.relevant ? "" : "muted" },
        el("b", {}, r.title || r.source), " ", el("span", { class: "muted" }, `${r.source} · score ${r.score}${r.relevant ? "" : " (not relevant)"}`),
        el("br"), r.text)) : [el("li", { class: "muted" }, "Nothing found.")]));
    } catch (e) { list.replaceChildren(el("li", { class: "error" }, e.message)); }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.getElementById("live-calls")) { refreshLive(); setInterval(refreshLive, 2000); }
  initKb();
});
