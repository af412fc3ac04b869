/* The profile wizard: basics, layers, the Add Helm Chart drawer, save. */

import { api, el, controlValue, errorParts, debounce } from "./dom.js";
import { initChips } from "./chips.js";
import { closeDrawer } from "./drawer.js";
import { initTabs } from "./tabs.js";

// Each Registry option carries its pack type as the server's metadata gives it (oci, helm...).
const packType = (option) => option?.dataset.packType || undefined;

export function initProfileWizard() {
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
          packs: layers.map((l) => ({ name: l.name, tag: l.tag, registryUid: l.registryUid, type: l.type, source: l.source, values: l.values })) } },
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
      const registry = pub.registry.selectedOptions[0];
      layers.push({ name: pub.chart.name, tag: option.dataset.version, registryUid: pub.registry.value,
        registryName: registry.textContent, type: packType(registry), source: "public", values: pub.values.value });
    } else {
      const pack = { name: priv.name.value.trim(), tag: priv.version.value.trim(), registryUid: priv.registry.value,
        source: "private", type: packType(priv.registry.selectedOptions[0]), values: priv.values.value };
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
