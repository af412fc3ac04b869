/* Registries list: live sync status and chart counts. */

import { api, el, formatTime } from "./dom.js";

const ACTIVE = new Set(["Pending", "InProgress"]);
const LABELS = { Pending: "Pending", InProgress: "Syncing", Completed: "Completed", Failed: "Failed" };

function renderStatus(row, status) {
  row.dataset.status = status.status;
  const badge = row.querySelector('[data-role="status-badge"]');
  badge.className = `badge badge-${status.status.toLowerCase()}`;
  badge.replaceChildren();
  if (status.status === "InProgress") badge.append(el("span", { class: "spinner", "aria-hidden": "true" }));
  badge.append(LABELS[status.status] || status.status);
  const progress = row.querySelector('[data-role="progress"]');
  const text = row.querySelector('[data-role="progress-text"]');
  const p = status.progress || {};
  if (status.status === "InProgress") {
    progress.hidden = false;
    progress.max = Math.max(1, p.repositoriesTotal || 0);
    progress.value = p.repositoriesDone || 0;
    text.textContent = `${p.repositoriesDone || 0}/${p.repositoriesTotal || 0} repositories · ${p.chartVersions || 0} versions`;
  } else {
    progress.hidden = true;
    text.textContent = "";
  }
  const last = row.querySelector('[data-role="last-synced"]');
  last.setAttribute("datetime", status.lastSyncedTime || "");
  last.textContent = formatTime(status.lastSyncedTime);
  const message = row.querySelector('[data-role="message"]');
  message.textContent = status.status === "Failed" ? status.message : "";
  message.classList.toggle("text-error", status.status === "Failed");
}

async function refreshCounts(rows, url) {
  const { ok, data } = await api(url || "/v1/registries/oci/summary");
  if (!ok) return;
  for (const item of data.items) {
    const row = rows.find((r) => r.dataset.registry === item.metadata.uid);
    if (row) row.querySelector('[data-role="chart-count"]').textContent = item.spec.chartCount;
  }
}

export function initRegistryList() {
  const table = document.getElementById("registries-table");
  if (!table) return;
  const rows = [...table.querySelectorAll("tr[data-registry]")];
  let timer = null;
  const poll = async () => {
    timer = null;
    const active = rows.filter((r) => ACTIVE.has(r.dataset.status));
    let finished = false;
    await Promise.all(active.map(async (row) => {
      const { ok, data } = await api(row.dataset.statusUrl || `/v1/registries/oci/${row.dataset.registry}/${row.dataset.kind}/sync/status`);
      if (!ok) return;
      renderStatus(row, data);
      if (!ACTIVE.has(data.status)) finished = true;
    }));
    if (finished) await refreshCounts(rows, table.dataset.summaryUrl);
    schedule();
  };
  const schedule = () => {
    if (!timer && rows.some((r) => ACTIVE.has(r.dataset.status))) timer = setTimeout(poll, 1200);
  };
  schedule();

  table.querySelectorAll("form[data-sync-form]").forEach((form) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const row = form.closest("tr");
      form.closest("details")?.removeAttribute("open");
      const { ok, data } = await api(form.getAttribute("action"), { method: "POST" });
      if (ok) { renderStatus(row, data); schedule(); }
      else row.querySelector('[data-role="message"]').textContent = `${data.code}: ${data.message}`;
    });
  });
  // Close other row menus when one opens; Escape closes.
  table.querySelectorAll("details.menu").forEach((menu) => {
    menu.addEventListener("toggle", () => {
      if (menu.open) table.querySelectorAll("details.menu[open]").forEach((m) => { if (m !== menu) m.open = false; });
    });
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menu.open) { menu.open = false; menu.querySelector("summary").focus(); }
    });
  });
}
