/* Values editor: schema errors at their line, hints and key completion from the chart's
   values.schema.json, as you type. Loaded as an ES module by the profile editor page. */

const DEBOUNCE_MS = 500;

const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

function field(layer, prefix) {
  return layer.querySelector(`[name^="${prefix}_"]`)?.value || "";
}

/* Follow a local "$ref" ("#/definitions/x", "#/$defs/x") inside the schema. */
function deref(root, node) {
  let seen = 0;
  while (node && typeof node === "object" && typeof node.$ref === "string" && seen < 20) {
    if (!node.$ref.startsWith("#/")) return node;
    node = node.$ref.slice(2).split("/").reduce(
      (n, part) => (n ? n[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined), root);
    seen += 1;
  }
  return node;
}

/* Return the schema of a path of keys (array items followed through "items"). */
export function schemaAt(root, path) {
  let node = deref(root, root);
  for (const key of path) {
    if (!node || typeof node !== "object") return null;
    if (key === "[]") node = deref(root, node.items);
    else node = deref(root, (node.properties || {})[key]);
  }
  return node && typeof node === "object" ? node : null;
}

/* Return the YAML keys enclosing the line `row` (by indentation) and the indent there. */
export function pathAt(lines, row) {
  const indentOf = (text) => text.match(/^\s*/)[0].length;
  const current = lines[row] || "";
  let indent = indentOf(current);
  const path = [];
  const own = current.trim().match(/^(-\s+)?([^:#\s][^:#]*?)\s*:/);
  for (let i = row - 1; i >= 0 && indent > 0; i -= 1) {
    const text = lines[i];
    if (!text.trim() || text.trim().startsWith("#")) continue;
    const at = indentOf(text);
    if (at < indent) {
      const m = text.trim().match(/^(-\s+)?([^:#\s][^:#]*?)\s*:/);
      if (text.trim().startsWith("- ")) path.unshift("[]");
      if (m) path.unshift(m[2].replace(/^["']|["']$/g, ""));
      indent = at;
    }
  }
  return { path, key: own ? own[2].replace(/^["']|["']$/g, "") : null,
           indent: indentOf(current) };
}

function describe(name, node) {
  const parts = [];
  if (node.description) parts.push(node.description);
  if (node.type) parts.push(`type: ${[].concat(node.type).join(" | ")}`);
  if (node.enum) parts.push(`one of: ${node.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  if (node.default !== undefined) parts.push(`default: ${JSON.stringify(node.default)}`);
  return parts.length ? `${name}: ${parts.join(" · ")}` : "";
}

function attach(area) {
  const layer = area.closest("fieldset.editor-layer");
  const form = area.closest("form");
  const uid = form?.getAttribute("action")?.match(/^\/profiles\/([^/]+)\/edit$/)?.[1];
  if (!layer || !uid) return;
  const index = Number((area.id.match(/_(\d+)$/) || [])[1] || 0);
  const list = document.createElement("ul");
  list.className = "schema-errors field-error";
  list.id = `${area.id}-schema`;
  list.setAttribute("role", "status");
  list.hidden = true;
  const hint = document.createElement("p");
  hint.className = "help schema-hint";
  hint.id = `${area.id}-hint`;
  const keys = document.createElement("div");
  keys.className = "schema-keys";
  keys.setAttribute("aria-label", "Keys the chart's schema allows here");
  const anchor = document.getElementById(`${area.id}-error`) || area;
  anchor.after(list, hint, keys);
  let schema = null;
  let timer = null;
  let asked = false;

  const check = async () => {
    const body = { index, name: field(layer, "name"), tag: field(layer, "version"),
                   registryUid: field(layer, "registry"), source: field(layer, "source") || null,
                   values: area.value, withSchema: !asked };
    const response = await fetch(`/ui/profiles/${uid}/check-schema`, {
      method: "POST", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() } });
    if (!response.ok) return;
    const data = await response.json();
    if (!asked) { asked = true; schema = data.schema || null; }
    const errors = data.errors || [];
    list.replaceChildren(...errors.map((e) => {
      const item = document.createElement("li");
      item.dataset.line = e.line ?? "";
      item.dataset.pointer = e.pointer;
      item.textContent = `${e.line ? `Line ${e.line}` : "Values"} · ${e.pointer || "/"}: ${e.message}`;
      return item;
    }));
    list.hidden = errors.length === 0;
    if (errors.length) area.setAttribute("aria-invalid", "true");
    area.dataset.schemaErrors = String(errors.length);
    showHint();
  };

  const showHint = () => {
    if (!schema) { hint.textContent = ""; keys.replaceChildren(); return; }
    const lines = area.value.split("\n");
    const row = area.value.slice(0, area.selectionStart).split("\n").length - 1;
    const { path, key, indent } = pathAt(lines, row);
    const node = key ? schemaAt(schema, [...path, key]) : null;
    hint.textContent = node ? describe(key, node) : "";
    const parent = schemaAt(schema, path);
    const present = new Set(lines.map((l) => (l.match(/^\s*([^:#\s][^:#]*?)\s*:/) || [])[1]));
    const free = Object.keys(parent?.properties || {}).filter((k) => !present.has(k));
    keys.replaceChildren(...free.slice(0, 30).map((k) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-ghost btn-sm";
      button.textContent = k;
      button.title = describe(k, deref(schema, parent.properties[k]) || {});
      button.addEventListener("click", () => insertKey(k, indent));
      return button;
    }));
  };

  const insertKey = (key, indent) => {
    const at = area.value.indexOf("\n", area.selectionStart);
    const end = at === -1 ? area.value.length : at;
    const text = `${area.value.slice(0, end) ? "\n" : ""}${" ".repeat(indent)}${key}: `;
    area.value = area.value.slice(0, end) + text + area.value.slice(end);
    area.selectionStart = area.selectionEnd = end + text.length;
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  };

  area.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(check, DEBOUNCE_MS);
  });
  area.addEventListener("keyup", showHint);
  area.addEventListener("click", showHint);
  check();
}

document.querySelectorAll("#profile-editor textarea[data-yaml-check]").forEach(attach);
