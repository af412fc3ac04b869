"""`chartyard profile validate`, `profile vars` and `export --var` against a live server:
every schema error printed with its pointer, publish and export refused until the values
fit."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import yaml

from tests.cli.conftest import Cli, SyncedRegistry
from tests.harness.charts import build_chart
from tests.harness.oci_push import OciPusher
from tests.profiles.test_values_checks import WEB_SCHEMA, WEB_VALUES


def test_validate_vars_publish_and_export_with_pointers(cli: Cli, synced: SyncedRegistry,
                                                        tmp_path: Path) -> None:
    assert synced.added.code == 0 and synced.synced.code == 0, synced.synced
    prefix = synced.charts.prefix
    with OciPusher.for_registry(synced.charts.registry) as pusher:
        pusher.push_chart(f"{prefix}/schemaweb", "1.0.0", build_chart(
            "schemaweb", "1.0.0", values=WEB_VALUES,
            extra_files={"values.schema.json": WEB_SCHEMA}))
    name = f"vals-{uuid.uuid4().hex[:6]}"
    assert cli("profile", "create", name).code == 0
    assert cli("profile", "vars", name, "--set", "replicas=0").code == 0

    values = tmp_path / "values.yaml"
    values.write_text("replicaCount: {{.spectro.var.replicas}}\nimage:\n  tag: 7\n")
    added = cli("profile", "add-chart", name, "schemaweb", "1.0.0", "-r", synced.name,
                "--private", "-f", str(values))
    assert added.code == 1, added
    assert "ValuesInvalid" in added.err and "'/replicaCount'" in added.err
    assert "'/image/tag': expected string" in added.err

    values.write_text("replicaCount: {{.spectro.var.replicas}}\n")
    assert cli("profile", "vars", name, "--set", "replicas=2").code == 0
    added = cli("profile", "add-chart", name, "schemaweb", "1.0.0", "-r", synced.name,
                "--private", "-f", str(values))
    assert added.code == 0, added
    assert cli("profile", "vars", name, "--set", "replicas=0").code == 0

    checked = cli("profile", "validate", name)
    assert checked.code == 1, checked
    assert "spec.template.packs[0].values" in checked.out and "/replicaCount" in checked.out
    assert "minimum" in checked.out
    published = cli("profile", "publish", name)
    assert published.code == 1 and "'/replicaCount'" in published.err, published

    assert cli("profile", "vars", name, "--set", "replicas=3").code == 0
    assert cli("profile", "validate", name).code == 0
    assert cli("profile", "publish", name).code == 0
    listed: Any = cli("profile", "vars", name, "-o", "json").json()
    assert [(v["name"], v["defaultValue"]) for v in listed] == [("replicas", "3")]

    exported = cli("profile", "export", name, "--format", "flux", "--var", "replicas=5")
    assert exported.code == 0, exported
    [release] = [d for d in yaml.safe_load_all(exported.out) if d["kind"] == "HelmRelease"]
    assert release["spec"]["values"] == {"replicaCount": 5}
    bad = cli("profile", "export", name, "--format", "flux", "--var", "nope=1")
    assert bad.code == 1 and "var.nope" in bad.err
    # A value the chart's schema refuses once substituted: each error with its pointer.
    refused = cli("profile", "export", name, "--format", "helmfile", "--var", "replicas=three")
    assert refused.code == 1 and refused.out == "", refused
    assert "ValuesInvalid" in refused.err and "spec.template.packs[0].values" in refused.err
    assert "/replicaCount" in refused.err and "variable replicas" in refused.err

    hidden = cli("profile", "vars", name, "--set", "token=hunter2-cli", "--sensitive")
    assert hidden.code == 0 and "hunter2-cli" not in hidden.out and "(sensitive, set)" in hidden.out
    assert cli("profile", "vars", name, "--unset", "token").code == 0
