// Inline-SVG charts for the dashboard: calls per hour (bars) and latency per stage (lines).
"use strict";
const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}
const W = 900, H = 220, L = 48, R = 10, T = 10, B = 28;
const hourLabel = (ts) => { const d = new Date(ts * 1000); return `${d.getHours()}:00`; };
const niceMax = (v) => { if (v <= 0) return 1; const p = 10 ** Math.floor(Math.log10(v)); return Math.ceil(v / p) * p; };

function frame(svg, maxY, unit) {
  for (let i = 0; i <= 4; i++) {
    const y = T + (H - T - B) * (1 - i / 4);
    svg.append(s("line", { x1: L, x2: W - R, y1: y, y2: y, class: "grid" }));
    svg.append(s("text", { x: L - 4, y: y + 4, "text-anchor": "end" }, `${Math.round(maxY * i / 4)}${unit}`));
  }
  svg.append(s("line", { x1: L, x2: L, y1: T, y2: H - B, class: "axis" }));
  svg.append(s("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
}

function callsChart(box, data) {
  const rows = data.calls_per_hour, svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "calls per hour" });
  const maxY = Math.max(4, niceMax(Math.max(...rows.map((r) => r.total))));
  frame(svg, maxY, "");
  const bw = (W - L - R) / rows.length;
  rows.forEach((r, i) => {
    const bad = (r.by_outcome.error || 0) + (r.by_outcome.abandoned || 0);
    const h = (H - T - B) * r.total / maxY, hb = (H - T - B) * bad / maxY, x = L + i * bw + 1;
    if (r.total) {
      const bar = s("rect", { x, y: H - B - h, width: Math.max(1, bw - 2), height: h, class: "bar" });
      bar.append(s("title", {}, `${hourLabel(r.hour)}: ${r.total} calls (${bad} abandoned/error)`));
      svg.append(bar);
      if (hb) svg.append(s("rect", { x, y: H - B - hb, width: Math.max(1, bw - 2), height: hb, class: "bar bad" }));
    }
    if (i % Math.ceil(rows.length / 12) === 0) svg.append(s("text", { x: x + bw / 2, y: H - B + 14, "text-anchor": "middle" }, hourLabel(r.hour)));
  });
  box.replaceChildren(svg);
}

function latencyChart(box, data) {
  const pts = data.turn_latency;
  if (!pts.length) { box.replaceChildren(Object.assign(document.createElement("p"), { className: "muted", textContent: "No turns with timings in this window." })); return; }
  const preferred = ["transcript", "retrieval", "first_token", "first_sentence", "first_audio_chunk", "first_rtp"];
  const seen = new Set(); pts.forEach((p) => Object.keys(p.ms).forEach((k) => seen.add(k)));
  const stages = [...preferred.filter((k) => seen.has(k)), ...[...seen].filter((k) => !preferred.includes(k)).sort()];
  const x0 = data.from, x1 = Math.max(data.to, x0 + 1);
  const maxY = niceMax(Math.max(...pts.flatMap((p) => Object.values(p.ms))));
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": "latency per stage" });
  frame(svg, maxY, "");
  const X = (t) => L + (W - L - R) * (t - x0) / (x1 - x0), Y = (v) => H - B - (H - T - B) * v / maxY;
  for (let i = 0; i <= 6; i++) { const t = x0 + (x1 - x0) * i / 6; svg.append(s("text", { x: X(t), y: H - B + 14, "text-anchor": i === 0 ? "start" : i === 6 ? "end" : "middle" }, new Date(t * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }))); }
  stages.forEach((st, i) => {
    const series = pts.filter((p) => p.ms[st] != null);
    const cls = `s${i % 7}`;
    svg.append(s("polyline", { class: `line ${cls}`, points: series.map((p) => `${X(p.at).toFixed(1)},${Y(p.ms[st]).toFixed(1)}`).join(" ") }));
    series.forEach((p) => { const c = s("circle", { cx: X(p.at), cy: Y(p.ms[st]), r: 2.5, class: `dot ${cls}` }); c.append(s("title", {}, `${st}: ${Math.round(p.ms[st])} ms (call ${p.call_id})`)); svg.append(c); });
  });
  const legend = document.createElement("div"); legend.className = "legend";
  stages.forEach((st, i) => { const sp = document.createElement("span"); const sw = document.createElement("span"); sw.className = `swatch s${i % 7}`; sp.append(sw, st.replaceAll("_", " ")); legend.append(sp); });
  box.replaceChildren(svg, legend);
}

async function drawCharts() {
  const hours = document.getElementById("chart-hours").value;
  try {
    const data = await api("GET", "/api/stats?hours=" + hours);
    callsChart(document.getElementById("chart-calls"), data);
    latencyChart(document.getElementById("chart-latency"), data);
  } catch (e) { document.getElementById("chart-calls").textContent = e.message; }
}
document.addEventListener("DOMContentLoaded", () => {
  if (!document.getElementById("chart-calls")) return;
  document.getElementById("chart-hours").addEventListener("change", drawCharts);
  drawCharts(); setInterval(drawCharts, 30000);
});
