/* Drawers (side panels): open, close, Escape, keep Tab inside. */

let drawerReturnFocus = null;
export function openDrawer(id, opener) {
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
export function closeDrawer(drawer) {
  drawer.hidden = true;
  const backdrop = document.querySelector('[data-role="drawer-backdrop"]');
  if (backdrop && !document.querySelector(".drawer:not([hidden])")) backdrop.hidden = true;
  drawerReturnFocus?.focus();
}
export function initDrawers() {
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
