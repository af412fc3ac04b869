/* chartyard UI behaviour: small, dependency-free, progressive enhancement. */
"use strict";

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

async function api(url, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (options.method && options.method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  const response = await fetch(url, { credentials: "same-origin", ...options, headers });
  let data = null;
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) data = await response.json();
  else data = await response.text();
  return { ok: response.ok, status: response.status, data };
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function formatTime(iso) {
  if (!iso) return "never";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function localTimes(root = document) {
  root.querySelectorAll("time[datetime]").forEach((t) => {
    if (t.getAttribute("datetime")) t.textContent = formatTime(t.getAttribute("datetime"));
  });
}

/* ---------- copy buttons ---------- */
function initCopy(root = document) {
  root.querySelectorAll("[data-copy]").forEach((button) => {
    if (button.dataset.bound) return;
    button.dataset.bound = "1";
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      const text = source ? (source.value ?? source.textContent) : "";
      try {
        await navigator.clipboard.writeText(text);
      } catch {
        const range = document.createRange();
        range.selectNodeContents(source);
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
      }
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 1500);
    });
  });
}

/* ---------- drawers (side panels) ---------- */
let drawerReturnFocus = null;
function openDrawer(id, opener) {
  const drawer = document.getElementById(id);
  if (!drawer) return;
  drawerReturnFocus = opener || document.activeElement;
  drawer.hidden = false;
  const backdrop = document.querySelector('[data-role="drawer-backdrop"]');
  if (backdrop) backdrop.hidden = false;
  drawer.dispatchEvent(new CustomEvent("drawer:open"));
  const focusable = drawer.querySelector("input, select, textarea, button:not([data-close-drawer]), [tabindex='0']")
    || drawer.querySelector("button");
  focusable?.focus();
}
function closeDrawer(drawer) {
  drawer.hidden = true;
  const backdrop = document.querySelector('[data-role="drawer-backdrop"]');
  if (backdrop && !document.querySelector(".drawer:not([hidden])")) backdrop.hidden = true;
  drawerReturnFocus?.focus();
}
function initDrawers() {
  document.querySelectorAll("[data-open-drawer]").forEach((button) => {
    button.addEventListener("click", () => openDrawer(button.dataset.openDrawer, button));
  });
  document.querySelectorAll("[data-close-drawer]").forEach((button) => {
    button.addEventListener("click", () => closeDrawer(button.closest(".drawer")));
  });
  document.querySelector('[data-role="drawer-backdrop"]')?.addEventListener("click", () => {
    document.querySelectorAll(".drawer:not([hidden])").forEach(closeDrawer);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const open = document.querySelector(".drawer:not([hidden])");
    if (open) { event.preventDefault(); closeDrawer(open); }
  });
  // Keep Tab inside an open drawer.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Tab") return;
    const open = document.querySelector(".drawer:not([hidden])");
    if (!open) return;
    const items = [...open.querySelectorAll("a[href], button, input, select, textarea, [tabindex='0']")]
      .filter((n) => !n.disabled && n.offsetParent !== null);
    if (!items.length) return;
    const first = items[0], last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
  });
}

/* ---------- confirm dialogs for destructive forms ---------- */
function initConfirm() {
  const dialog = document.getElementById("confirm-dialog");
  if (!dialog) return;
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      dialog.querySelector('[data-role="confirm-text"]').textContent = form.dataset.confirm;
      dialog.returnValue = "";
      dialog.showModal();
      dialog.addEventListener("close", () => {
        if (dialog.returnValue === "confirm") form.submit();
      }, { once: true });
    });
  });
}

/* ---------- registries list: live sync status ---------- */
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

function initRegistryList() {
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

/* ---------- registry form ---------- */
function controlValue(form, name) {
  const controls = form.querySelectorAll(`[name="${name}"]`);
  if (!controls.length) return "";
  const first = controls[0];
  if (first.type === "radio") {
    const checked = [...controls].find((c) => c.checked);
    return checked ? checked.value : "";
  }
  if (first.type === "checkbox") return first.checked ? "on" : "off";
  return first.value;
}

function applyVisibility(form) {
  form.ownerDocument.querySelectorAll("[data-show-when]").forEach((node) => {
    const conditions = node.dataset.showWhen.split(";").map((c) => c.trim()).filter(Boolean);
    node.hidden = !conditions.every((c) => {
      const [name, value] = c.split(":");
      return controlValue(form, name) === value;
    });
  });
}

function addChip(container, value) {
  const name = container.dataset.chips;
  const list = container.querySelector(".chips");
  const existing = [...list.querySelectorAll("input")].map((i) => i.value);
  if (!value || existing.includes(value)) return;
  const chip = el("li", { class: "chip" },
    el("span", { text: value }),
    el("input", { type: "hidden", name, value }),
    el("button", { type: "button", class: "chip-remove", "aria-label": `Remove ${value}` }, "×"));
  list.append(chip);
}

function initChips(form) {
  form.querySelectorAll("[data-chips]").forEach((container) => {
    const entry = container.querySelector("input:not([type=hidden])");
    entry.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        entry.value.split(",").map((v) => v.trim()).filter(Boolean).forEach((v) => addChip(container, v));
        entry.value = "";
      } else if (event.key === "Backspace" && !entry.value) {
        container.querySelector(".chips li:last-child")?.remove();
      }
    });
    container.addEventListener("click", (event) => {
      const button = event.target.closest(".chip-remove");
      if (button) { button.closest("li").remove(); entry.focus(); }
      else if (event.target === container) entry.focus();
    });
  });
}

function showCertificates(form, items) {
  const box = form.querySelector('[data-role="cert-info"]');
  const list = box.querySelector('[data-role="cert-list"]');
  list.replaceChildren(...items.map((c) => el("li", { class: "cert" }, el("dl", {},
    el("dt", { text: "Subject" }), el("dd", { text: c.subject }),
    el("dt", { text: "Issuer" }), el("dd", { text: c.issuer }),
    el("dt", { text: "Expires" }), el("dd", { text: formatTime(c.notAfter) })))));
  box.hidden = items.length === 0;
}

function setFieldError(form, field, html) {
  const slot = form.querySelector(`[data-error-for="${field}"]`);
  const input = document.getElementById(field) || document.getElementById(`${field}Entry`);
  if (!slot) return false;
  slot.replaceChildren(...html);
  slot.hidden = false;
  input?.setAttribute("aria-invalid", "true");
  return true;
}

function clearErrors(form) {
  form.querySelectorAll("[data-error-for]").forEach((slot) => { slot.hidden = true; slot.replaceChildren(); });
  form.querySelectorAll('[aria-invalid="true"]').forEach((n) => n.removeAttribute("aria-invalid"));
}

function errorParts(data) {
  const parts = [el("code", { class: "code", text: data.code }), " ", el("span", { "data-role": "message", text: data.message })];
  if (data.advice) parts.push(el("span", { class: "advice", text: data.advice }));
  return parts;
}

function initCertificate(form) {
  const file = form.querySelector("#caFile");
  const text = form.querySelector("#caCertificate");
  if (!file) return;
  const describe = async (pem) => {
    clearErrors(form);
    if (!pem.trim()) { showCertificates(form, []); return; }
    const { ok, data } = await api("/ui/certificates/parse", { method: "POST", body: pem, headers: { "Content-Type": "text/plain" } });
    if (ok) showCertificates(form, data.items);
    else { showCertificates(form, []); setFieldError(form, "caCertificate", errorParts(data)); }
  };
  file.addEventListener("change", async () => {
    const chosen = file.files[0];
    if (!chosen) return;
    text.value = await chosen.text();
    await describe(text.value);
  });
  text.addEventListener("change", () => { file.value = ""; describe(text.value); });
  form.querySelector('[data-role="cert-remove"]')?.addEventListener("click", () => {
    file.value = "";
    text.value = "";
    showCertificates(form, []);
    file.focus();
  });
}

// The chosen kind's radio declares its endpoint behaviour (from the server's kinds registry):
// data-placeholder, data-strip-scheme, data-requirements (an API path for setup hints).
function initKindEndpoint(form) {
  const endpoint = form.querySelector("#endpoint");
  const notice = form.querySelector('[data-role="endpoint-notice"]');
  const s3 = form.querySelector('[data-role="s3-hint"]');
  const drawer = document.getElementById("sts-drawer");
  let lastChecked = "";
  const chosen = () => form.querySelector('[name="kind"]:checked');
  const requirementsUrl = () => chosen()?.dataset.requirements || "";
  const loadRequirements = async () => {
    const value = endpoint.value.trim();
    if (!requirementsUrl() || !s3 || !value || value === lastChecked) return null;
    lastChecked = value;
    const { ok, data } = await api(`${requirementsUrl()}?endpoint=${encodeURIComponent(value)}`);
    if (!ok) { s3.textContent = ""; return null; }
    s3.replaceChildren("Air-gapped? Image layers come from S3: allow ", el("code", { text: data.s3LayerEndpoint }), ` (region ${data.region}).`);
    applyVisibility(form);
    return data;
  };
  const strip = () => {
    if (chosen()?.dataset.stripScheme !== "true") { notice.hidden = true; return; }
    const match = endpoint.value.trim().match(/^(https?):\/\//i);
    if (match) {
      endpoint.value = endpoint.value.trim().slice(match[0].length).replace(/\/+$/, "");
      notice.textContent = `${match[1].toLowerCase()}:// was removed: ${chosen().labels[0]?.textContent || "these"} endpoints are written without a scheme.`;
      notice.hidden = false;
    }
  };
  endpoint.addEventListener("change", () => { strip(); loadRequirements(); });
  endpoint.addEventListener("blur", strip);
  form.querySelectorAll('[name="kind"]').forEach((r) => r.addEventListener("change", () => {
    endpoint.placeholder = chosen()?.dataset.placeholder || "";
    strip();
    loadRequirements();
  }));
  if (requirementsUrl()) loadRequirements();

  if (!drawer) return;
  drawer.addEventListener("drawer:open", async () => {
    const error = drawer.querySelector('[data-role="sts-error"]');
    error.hidden = true;
    const account = await api("/v1/clouds/aws/account/sts");
    if (account.ok) {
      drawer.querySelector('[data-role="sts-account"]').textContent = account.data.accountId;
      drawer.querySelector('[data-role="sts-external-id"]').textContent = account.data.externalId;
    } else {
      error.replaceChildren(el("code", { class: "code", text: account.data.code }), " ", account.data.message,
        el("span", { class: "advice", text: "The policies below use a placeholder for the account; replace it with chartyard's AWS account ID." }));
      error.hidden = false;
      drawer.querySelector('[data-role="sts-account"]').textContent = "unknown";
    }
    lastChecked = "";
    const value = endpoint.value.trim();
    const url = drawer.dataset.requirements || requirementsUrl();
    const req = value && url ? await api(`${url}?endpoint=${encodeURIComponent(value)}`) : null;
    const trust = drawer.querySelector("#trust-policy");
    const iam = drawer.querySelector("#iam-policy");
    if (req && req.ok) {
      trust.textContent = JSON.stringify(req.data.trustPolicy, null, 2);
      iam.textContent = JSON.stringify(req.data.iamPolicy, null, 2);
      drawer.querySelector('[data-role="sts-external-id"]').textContent = req.data.externalId;
      drawer.querySelector('[data-role="s3-drawer"]').replaceChildren(
        "Image layers are served from S3; in air-gapped networks allow ", el("code", { text: req.data.s3LayerEndpoint }), ".");
    } else {
      trust.textContent = req ? `${req.data.code}: ${req.data.message}` : "Enter the ECR endpoint first: the policy names its region and partition.";
      iam.textContent = "…";
    }
  });
}

function initRegistryForm() {
  const form = document.querySelector("form[data-registry-form]");
  if (!form) return;
  form.addEventListener("change", () => applyVisibility(form));
  applyVisibility(form);
  initChips(form);
  initCertificate(form);
  initKindEndpoint(form);
  const result = document.getElementById("form-result");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submitter = event.submitter;
    const body = new FormData(form, submitter && submitter.name ? submitter : null);
    const buttons = form.querySelectorAll(".form-actions button");
    buttons.forEach((b) => { b.disabled = true; });
    const label = submitter ? submitter.textContent : "";
    if (submitter) submitter.textContent = submitter.value === "validate" ? "Validating…" : "Saving…";
    clearErrors(form);
    result.replaceChildren();
    try {
      const { ok, data } = await api(form.getAttribute("action"), { method: "POST", body });
      if (ok && data.redirect) { window.location.assign(data.redirect); return; }
      if (ok) {
        result.replaceChildren(el("div", { class: "alert alert-success", role: "status", "data-role": "validate-ok" }, `✓ ${data.message}`));
        return;
      }
      if (typeof data !== "object" || !data) {
        result.replaceChildren(el("div", { class: "alert alert-error", role: "alert" }, "The server did not answer as expected; try again."));
        return;
      }
      const placed = data.field && setFieldError(form, data.field, errorParts(data));
      const banner = placed
        ? el("div", { class: "alert alert-error", role: "alert" }, "Validation failed: ", el("code", { class: "code", text: data.code }), " — see the highlighted field.")
        : el("div", { class: "alert alert-error", role: "alert" }, ...errorParts(data));
      result.replaceChildren(banner);
      if (placed) {
        const input = document.getElementById(data.field) || document.getElementById(`${data.field}Entry`);
        if (input && input.offsetParent !== null) input.focus();
      }
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      if (submitter) submitter.textContent = label;
    }
  });
}


/* ---------- profile wizard ---------- */
function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

function initTabs(tablist) {
  const tabs = [...tablist.querySelectorAll('[role="tab"]')];
  const select = (tab) => {
    tabs.forEach((t) => {
      const on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    });
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      const next = tabs[(i + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });
  return { selected: () => tabs.find((t) => t.getAttribute("aria-selected") === "true").id };
}

function initProfileWizard() {
  const root = document.querySelector("[data-profile-wizard]");
  if (!root) return;
  const layers = [];
  const result = document.getElementById("wizard-result");
  const list = document.getElementById("wizard-layers");
  const steps = [...root.querySelectorAll("[data-step]")];
  const labels = [...document.querySelectorAll("[data-step-label]")];
  initChips(root);

  const showStep = (n) => {
    steps.forEach((s) => { s.hidden = s.dataset.step !== String(n); });
    labels.forEach((l) => {
      if (l.dataset.stepLabel === String(n)) l.setAttribute("aria-current", "step");
      else l.removeAttribute("aria-current");
    });
    const first = root.querySelector(`[data-step="${n}"] input, [data-step="${n}"] button`);
    first?.focus();
  };
  const clear = () => {
    root.querySelectorAll("[data-error-for]").forEach((slot) => { slot.hidden = true; slot.replaceChildren(); });
    root.querySelectorAll('[aria-invalid="true"]').forEach((n) => n.removeAttribute("aria-invalid"));
    result.replaceChildren();
  };
  const fieldError = (slotName, data, inputId) => {
    const slot = root.querySelector(`[data-error-for="${slotName}"]`);
    slot.replaceChildren(...errorParts(data));
    slot.hidden = false;
    if (inputId) document.getElementById(inputId)?.setAttribute("aria-invalid", "true");
  };

  const renderLayers = () => {
    list.replaceChildren(...layers.map((layer, i) => {
      const up = el("button", { type: "button", class: "btn btn-ghost btn-sm", "aria-label": `Move ${layer.name} up`, disabled: i === 0 }, "↑");
      const down = el("button", { type: "button", class: "btn btn-ghost btn-sm", "aria-label": `Move ${layer.name} down`, disabled: i === layers.length - 1 }, "↓");
      const remove = el("button", { type: "button", class: "btn btn-ghost btn-sm", "aria-label": `Remove ${layer.name}` }, "Remove");
      up.addEventListener("click", () => { layers.splice(i - 1, 0, layers.splice(i, 1)[0]); renderLayers(); });
      down.addEventListener("click", () => { layers.splice(i + 1, 0, layers.splice(i, 1)[0]); renderLayers(); });
      remove.addEventListener("click", () => { layers.splice(i, 1); renderLayers(); });
      return el("li", { class: "layer", "data-layer": layer.name },
        el("span", { class: "layer-order", "aria-hidden": "true" }, String(i + 1)),
        el("div", { class: "layer-main" },
          el("div", {}, el("strong", { text: layer.name }), el("span", { class: "badge badge-neutral", text: layer.tag }), " ",
            el("span", { class: "badge", text: layer.source === "public" ? "Public Pack" : "Private Pack" })),
          el("div", { class: "small muted" }, layer.registryName, layer.digest ? ` · verified ${layer.digest.slice(0, 19)}…` : ""),
          el("p", { class: "field-error", "data-error-for": `pack-${i}`, hidden: true })),
        el("div", { class: "layer-actions" }, up, down, remove));
    }));
    document.querySelector('[data-role="no-layers"]').hidden = layers.length > 0;
  };

  root.querySelector("[data-wizard-next]").addEventListener("click", () => {
    clear();
    const name = document.getElementById("profile-name");
    if (!name.value.trim()) {
      fieldError("profile-name", { code: "ValidationError", message: "Give the profile a name." }, "profile-name");
      name.focus();
      return;
    }
    showStep(2);
  });
  root.querySelector("[data-wizard-back]").addEventListener("click", () => showStep(1));

  const labelsOf = () => {
    const out = {};
    const chips = [...root.querySelectorAll('input[name="tags"]')].map((i) => i.value);
    const pending = document.getElementById("tagsEntry").value.split(",").map((v) => v.trim()).filter(Boolean);
    for (const tag of [...chips, ...pending]) {
      const at = tag.search(/[:=]/);
      if (at > 0) out[tag.slice(0, at).trim()] = tag.slice(at + 1).trim();
      else out[tag] = "";
    }
    return out;
  };

  root.querySelector("[data-wizard-save]").addEventListener("click", async (event) => {
    clear();
    const button = event.currentTarget;
    const description = document.getElementById("profile-description").value.trim();
    const body = {
      metadata: { name: document.getElementById("profile-name").value.trim(),
        annotations: description ? { description } : {}, labels: labelsOf() },
      spec: { version: document.getElementById("profile-version").value.trim() || "1.0.0",
        template: { type: controlValue(root, "profileType"), cloudType: "all",
          packs: layers.map((l) => ({ name: l.name, tag: l.tag, registryUid: l.registryUid, type: "oci", source: l.source, values: l.values })) } },
    };
    button.disabled = true;
    button.textContent = "Saving…";
    try {
      const { ok, data } = await api("/profiles/new", { method: "POST", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
      if (ok) { window.location.assign(data.redirect); return; }
      const field = (data && data.field) || "";
      const pack = field.match(/^spec\.template\.packs\[(\d+)\]/);
      if (pack && root.querySelector(`[data-error-for="pack-${pack[1]}"]`)) fieldError(`pack-${pack[1]}`, data);
      else if (field.startsWith("metadata.name")) { showStep(1); fieldError("profile-name", data, "profile-name"); }
      else if (field.startsWith("spec.version")) { showStep(1); fieldError("profile-version", data, "profile-version"); }
      else if (field.startsWith("spec.template.type")) { showStep(1); fieldError("profile-type", data); }
      else if (field.startsWith("metadata.labels")) { showStep(1); fieldError("tags", data); }
      else if (field.startsWith("spec.template.packs")) fieldError("packs", data);
      result.append(el("div", { class: "alert alert-error", role: "alert" }, ...errorParts(data || { code: "Error", message: "saving failed" })));
    } finally {
      button.disabled = false;
      button.textContent = "Save profile";
    }
  });

  // ---- the Add Helm Chart drawer ----
  const drawer = document.getElementById("pack-drawer");
  const tabs = initTabs(drawer.querySelector('[role="tablist"]'));
  const packError = document.getElementById("pack-error");
  const pub = {
    registry: document.getElementById("public-registry"),
    search: document.getElementById("public-search"),
    results: document.getElementById("public-results"),
    chosen: drawer.querySelector('[data-role="public-chosen"]'),
    version: document.getElementById("public-version"),
    detail: document.getElementById("public-detail"),
    values: document.getElementById("public-values"),
    chart: null,
  };
  const priv = {
    registry: document.getElementById("private-registry"),
    name: document.getElementById("private-name"),
    version: document.getElementById("private-version"),
    values: document.getElementById("private-values"),
  };
  const showPackError = (data) => {
    packError.replaceChildren(...errorParts(data));
    packError.hidden = false;
  };

  const loadVersion = async () => {
    const packUid = pub.version.value;
    if (!packUid) return;
    pub.detail.replaceChildren("Loading…");
    pub.values.value = "";
    const [detail, values] = await Promise.all([api(`/v1/packs/${packUid}`), api(`/v1/packs/${packUid}/values`)]);
    if (detail.ok) {
      const d = detail.data;
      pub.detail.replaceChildren(
        el("div", {}, el("strong", { text: `${d.name} ${d.version}` }), d.appVersion ? ` · app ${d.appVersion}` : ""),
        el("div", { class: "small muted", text: d.description || "No description." }),
        el("div", { class: "small mono muted", text: d.ociRef }));
    } else pub.detail.replaceChildren(`${detail.data.code}: ${detail.data.message}`);
    if (values.ok) pub.values.value = values.data;
    else pub.values.placeholder = `# values could not be read: ${values.data.message || values.status}`;
  };
  pub.version.addEventListener("change", loadVersion);

  const choose = async (item, button) => {
    pub.results.querySelectorAll("button").forEach((b) => b.setAttribute("aria-pressed", b === button ? "true" : "false"));
    pub.chart = item;
    const { ok, data } = await api(`/v1/packs/${encodeURIComponent(item.name)}/registries/${item.registryUid}`);
    if (!ok) { showPackError(data); return; }
    pub.version.replaceChildren(...data.tags.map((t) => el("option", { value: t.packUid, "data-version": t.version }, t.version)));
    pub.chosen.hidden = false;
    await loadVersion();
  };

  const search = async () => {
    packError.hidden = true;
    const registry = pub.registry.value;
    if (!registry) return;
    const q = pub.search.value.trim();
    const { ok, data } = await api(`/v1/packs?registryUid=${encodeURIComponent(registry)}&q=${encodeURIComponent(q)}&limit=50`);
    if (!ok) { showPackError(data); return; }
    pub.results.replaceChildren(...data.items.map((item) => {
      const button = el("button", { type: "button", "aria-pressed": "false" },
        el("strong", { text: item.name }), " ", el("span", { class: "muted small", text: `${item.latestVersion} · ${item.repository}` }));
      button.addEventListener("click", () => choose(item, button));
      return el("li", {}, button);
    }));
    if (!data.items.length) pub.results.replaceChildren(el("li", { class: "muted small" }, el("span", { class: "menu-item", text: "No charts match." })));
  };
  pub.search.addEventListener("input", debounce(search, 250));
  pub.registry.addEventListener("change", () => { pub.chosen.hidden = true; pub.chart = null; search(); });

  drawer.addEventListener("drawer:open", () => {
    packError.hidden = true;
    pub.search.value = ""; pub.chosen.hidden = true; pub.chart = null; pub.results.replaceChildren();
    priv.name.value = ""; priv.version.value = ""; priv.values.value = "";
    search();
  });

  document.getElementById("pack-confirm").addEventListener("click", async (event) => {
    packError.hidden = true;
    const button = event.currentTarget;
    if (tabs.selected() === "tab-public") {
      if (!pub.chart || !pub.version.value) { showPackError({ code: "ValidationError", message: "Choose a chart and a version." }); return; }
      const option = pub.version.selectedOptions[0];
      layers.push({ name: pub.chart.name, tag: option.dataset.version, registryUid: pub.registry.value,
        registryName: pub.registry.selectedOptions[0].textContent, source: "public", values: pub.values.value });
    } else {
      const pack = { name: priv.name.value.trim(), tag: priv.version.value.trim(), registryUid: priv.registry.value,
        source: "private", type: "oci", values: priv.values.value };
      if (!pack.name || !pack.tag || !pack.registryUid) { showPackError({ code: "ValidationError", message: "Choose a registry and type the chart name and version." }); return; }
      button.disabled = true;
      button.textContent = "Verifying…";
      try {
        const { ok, data } = await api("/ui/profiles/verify-pack", { method: "POST", body: JSON.stringify(pack), headers: { "Content-Type": "application/json" } });
        if (!ok) { showPackError(data); return; }
        layers.push({ ...pack, registryName: priv.registry.selectedOptions[0].textContent.replace(/ \(sync off\)$/, ""),
          values: pack.values.trim() ? pack.values : (data.values || ""), digest: data.digest });
      } finally {
        button.disabled = false;
        button.textContent = "Confirm";
      }
    }
    renderLayers();
    closeDrawer(drawer);
  });
  renderLayers();
}

/* ---------- small helpers ---------- */
function initAutosubmit() {
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  document.querySelectorAll(".js-hide").forEach((n) => { n.hidden = true; });
}

/* ---------- profile editor: reorder layers, check values as you type ---------- */
function initProfileEditor() {
  const editor = document.getElementById("profile-editor");
  if (!editor) return;
  const list = document.getElementById("editor-layers");
  const renumber = () => {
    list.querySelectorAll("fieldset.editor-layer").forEach((layer, i) => {
      layer.querySelector('[data-role="order"]').value = String(i + 1);
    });
  };
  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-move]");
    if (!button) return;
    const layer = button.closest("fieldset");
    if (button.dataset.move === "up" && layer.previousElementSibling) {
      list.insertBefore(layer, layer.previousElementSibling);
    } else if (button.dataset.move === "down" && layer.nextElementSibling) {
      list.insertBefore(layer.nextElementSibling, layer);
    }
    renumber();
    button.focus();
  });
  editor.querySelectorAll("textarea[data-yaml-check]").forEach((area) => {
    let timer = null;
    const message = document.getElementById(area.id + "-error");
    area.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const result = await api("/ui/profiles/check-values", {
          method: "POST", body: area.value, headers: { "Content-Type": "text/plain" } });
        const data = result.data || {};
        if (!result.ok) return;
        area.setAttribute("aria-invalid", data.ok ? "false" : "true");
        message.hidden = !!data.ok;
        message.textContent = data.ok ? "" : data.message;
      }, 500);
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  localTimes();
  initCopy();
  initDrawers();
  initConfirm();
  initRegistryList();
  initRegistryForm();
  initAutosubmit();
  initProfileWizard();
  initProfileEditor();
});
