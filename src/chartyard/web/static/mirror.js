/* The profile page's Mirror action: queue a mirror, then show its progress live. */

const POLL_MS = 1000;

function card() {
  return document.getElementById("mirror-card");
}

async function loadTargets(select) {
  const response = await fetch("/v1/registries/metadata", { credentials: "same-origin",
    headers: { Accept: "application/json" } });
  select.replaceChildren();
  if (!response.ok) {
    select.append(new Option("Registries could not be listed", ""));
    return;
  }
  const { items } = await response.json();
  const oci = items.filter((item) => String(item.kind).startsWith("oci"));
  select.append(new Option(oci.length ? "Choose a registry" : "No OCI registry yet", ""));
  for (const item of oci) select.append(new Option(item.name, item.uid));
}

function size(bytes) {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MiB` : `${bytes} bytes`;
}

function show(status) {
  const bar = document.getElementById("mirror-bar");
  bar.max = Math.max(status.chartsTotal, 1);
  bar.value = status.chartsDone;
  document.getElementById("mirror-status").textContent =
    `${status.status}: ${status.chartsDone}/${status.chartsTotal} charts, ` +
    `${status.blobsCopied} blobs copied (${size(status.bytesCopied)}), ` +
    `${status.blobsSkipped} already there. ${status.message || ""}`;
  const list = document.getElementById("mirror-charts");
  list.replaceChildren(...status.charts.map((chart) => {
    const item = document.createElement("li");
    item.textContent = `${chart.name} ${chart.version} → ${chart.target}` +
      (chart.digest ? ` (${chart.digest.slice(0, 19)}…)` : "");
    return item;
  }), ...status.images.map((image) => {
    const item = document.createElement("li");
    item.textContent = `${image.name}: ${image.error || (image.platforms || []).join(", ") || "copied"}`;
    return item;
  }));
}

async function follow(uid) {
  for (;;) {
    const response = await fetch(`/v1/mirrors/${encodeURIComponent(uid)}`, {
      credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`the mirror could not be read (${response.status})`);
    const status = await response.json();
    show(status);
    if (status.status === "Completed" || status.status === "Failed") return status;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function start(event) {
  event.preventDefault();
  const root = card();
  const error = document.getElementById("mirror-error");
  const button = document.getElementById("mirror-start");
  error.hidden = true;
  button.disabled = true;
  try {
    const response = await fetch(`/ui/profiles/${encodeURIComponent(root.dataset.profile)}/mirror`, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json",
                 "X-CSRF-Token": root.dataset.csrf },
      body: JSON.stringify({
        targetRegistryUid: document.getElementById("mirror-target").value,
        basePath: document.getElementById("mirror-base").value,
        includeImages: document.getElementById("mirror-images").checked,
      }),
    });
    const data = await response.json();
    if (!response.ok) throw new Error(data.message || `the mirror was refused (${response.status})`);
    document.getElementById("mirror-progress").hidden = false;
    await follow(data.uid);
  } catch (failure) {
    error.textContent = failure.message;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

const root = card();
if (root) {
  loadTargets(document.getElementById("mirror-target"));
  document.getElementById("mirror-form").addEventListener("submit", start);
}
