/* The profile editor: reorder layers, check values YAML as it is typed. */

import { api } from "./dom.js";

export function initProfileEditor() {
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
