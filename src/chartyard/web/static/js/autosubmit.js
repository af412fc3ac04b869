/* select[data-autosubmit] submits its form; .js-hide is hidden when scripts run. */

export function initAutosubmit() {
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  document.querySelectorAll(".js-hide").forEach((n) => { n.hidden = true; });
}
