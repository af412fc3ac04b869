/* The Add / Edit registry form: visibility rules, certificates, kind endpoint, submit. */

import { api, controlValue, el, errorParts, formatTime } from "./dom.js";
import { initChips } from "./chips.js";

function applyVisibility(form) {
  form.ownerDocument.querySelectorAll("[data-show-when]").forEach((node) => {
    const conditions = node.dataset.showWhen.split(";").map((c) => c.trim()).filter(Boolean);
    node.hidden = !conditions.every((c) => {
      const [name, values] = c.split(":");
      return values.split(",").includes(controlValue(form, name));
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

export function initRegistryForm() {
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
