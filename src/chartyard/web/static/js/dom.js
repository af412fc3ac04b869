/* Shared helpers: the JSON API with CSRF, element building, times, form values, errors. */


export const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

export async function api(url, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (options.method && options.method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  const response = await fetch(url, { credentials: "same-origin", ...options, headers });
  let data = null;
  const type = response.headers.get("content-type") || "";
  if (type.includes("json")) data = await response.json();
  else data = await response.text();
  return { ok: response.ok, status: response.status, data };
}

export function el(tag, attrs = {}, ...children) {
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

export function formatTime(iso) {
  if (!iso) return "never";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function localTimes(root = document) {
  root.querySelectorAll("time[datetime]").forEach((t) => {
    if (t.getAttribute("datetime")) t.textContent = formatTime(t.getAttribute("datetime"));
  });
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

export function controlValue(form, name) {
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

export function errorParts(data) {
  const parts = [el("code", { class: "code", text: data.code }), " ", el("span", { "data-role": "message", text: data.message })];
  if (data.advice) parts.push(el("span", { class: "advice", text: data.advice }));
  return parts;
}
