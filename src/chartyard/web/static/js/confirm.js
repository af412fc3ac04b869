/* Confirm dialogs for destructive forms (form[data-confirm]). */

export function initConfirm() {
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
