/* Chip inputs ([data-chips]): Enter or comma adds a chip, × removes it. */

import { el } from "./dom.js";

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

export function initChips(form) {
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
