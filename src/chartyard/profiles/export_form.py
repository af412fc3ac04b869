"""Export a profile with its variables' values typed into a form (the web UI's export).

The form asks one value per variable. An empty input means "not given": the variable's
non-sensitive default is used, as in `export?var.NAME=`-less API exports. Every variable
problem is returned at once, by variable, and the chart schemas' re-check (`ValuesInvalid`)
by field and JSON pointer, so the page can show each next to what it concerns. A
sensitive value is never returned here: the page asks for it again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chartyard.errors import InvalidInput
from chartyard.profiles import variables as V
from chartyard.profiles.export import FORMATS
from chartyard.profiles.profile_variables import ProfileVariables
from chartyard.profiles.validation import ValuesError, ValuesInvalid
from chartyard.values import references
from chartyard.wire.variables import MAX_VALUE_CHARS, Variable


@dataclass(frozen=True)
class ExportInput:
    """One input of the export form: a variable and what to prefill (never a secret)."""

    variable: Variable
    value: str
    error: str = ""

    @property
    def input_id(self) -> str:
        """Return the input's element id."""
        return f"var-{self.variable.name}"


@dataclass(frozen=True)
class ExportForm:
    """The export form of a profile in one GitOps format, with any errors of a submit."""

    uid: str
    name: str
    version: str
    fmt: str
    inputs: list[ExportInput]
    schema_errors: list[ValuesError] = field(default_factory=list)
    other_errors: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        """Return whether the submit was refused."""
        return bool(self.schema_errors or self.other_errors
                    or any(i.error for i in self.inputs))


@dataclass(frozen=True)
class ExportFile:
    """A rendered export and the file name to download it as."""

    text: str
    filename: str


class ProfileExports(ProfileVariables):
    """A profile's GitOps exports with variable values, for one caller."""

    def form(self, uid: str, fmt: str) -> ExportForm:
        """Return the empty export form: non-sensitive defaults prefilled."""
        self._check_format(fmt)
        profile = self.get(uid)
        return ExportForm(uid, profile.name, profile.version, fmt, [
            ExportInput(v, "" if v.is_sensitive else v.default_value)
            for v in self.read(uid).variables])

    def submit(self, uid: str, fmt: str, typed: dict[str, str]) -> ExportFile | ExportForm:
        """Return the export with the typed values, or the form with every error."""
        self._check_format(fmt)
        profile = self.get(uid)
        variables = V.load(profile, self.ctx.box)
        given = {k: v for k, v in typed.items() if v != ""}
        used = [n for p in profile.packs for n in references(p.values or "")]
        _, problems = V.export_problems(variables, given, used)
        by_name = {p.name: p.message for p in problems}
        inputs = [ExportInput(v, "" if v.is_sensitive else typed.get(v.name, "")[
            :MAX_VALUE_CHARS], by_name.get(v.name, "")) for v in V.public(variables)]
        defined = {v.name for v in variables}
        others = [f"{p.name}: {p.message}" for p in problems if p.name not in defined]
        if problems:
            return ExportForm(uid, profile.name, profile.version, fmt, inputs,
                              other_errors=others)
        try:
            text = self.export(uid, fmt, given)
        except ValuesInvalid as exc:
            return ExportForm(uid, profile.name, profile.version, fmt, inputs,
                              schema_errors=exc.errors)
        return ExportFile(text, export_filename(profile.name, profile.version, fmt))

    @staticmethod
    def _check_format(fmt: str) -> None:
        chosen = FORMATS.get(fmt)
        if chosen is None or chosen.is_profile_file:
            gitops = ", ".join(n for n, f in FORMATS.items() if f.documents)
            raise InvalidInput("format", f"format: '{fmt}' takes no variable values; use "
                                         f"one of {gitops}")


def export_filename(name: str, version: str, fmt: str) -> str:
    """Return the download's file name: `NAME-VERSION-FORMAT.yaml`, made file-safe."""
    return re.sub(r"[^a-zA-Z0-9._-]+", "-", f"{name}-{version}-{fmt}") + ".yaml"
