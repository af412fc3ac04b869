"""Palette's `/v1/clusterprofiles/{uid}/variables`: read, replace, patch and delete a
profile's variables. Same tenant scoping, roles and audit as the profile itself; the
audit records names only, never values."""

from __future__ import annotations

from chartyard.errors import InvalidInput
from chartyard.profiles import variables as V
from chartyard.profiles.service import ProfileService
from chartyard.wire.variables import MAX_VARIABLES, Variable, Variables


class ProfileVariables(ProfileService):
    """A profile's variables, for one caller."""

    def read(self, uid: str) -> Variables:
        """Return the variables as Palette's `v1Variables`, sensitive values blanked."""
        return Variables(variables=V.public(V.load(self.get(uid), self.ctx.box)))

    def replace(self, uid: str, sent: list[Variable]) -> None:
        """Replace every variable; a sensitive one sent with no value keeps its stored one."""
        self._write(uid, sent, "clusterprofile.variables.replace")

    def patch(self, uid: str, sent: list[Variable]) -> None:
        """Update the variables sent (by name) and add new ones; keep the others."""
        current = V.load(self.get(uid), self.ctx.box)
        # Fields are named by their place in the request body.
        V.raise_problems(V.definition_problems(V.keep_sensitive(sent, current), "variables"))
        by_name = {v.name: v for v in sent}
        merged = [by_name.pop(v.name, v) for v in current] + list(by_name.values())
        self._write(uid, merged, "clusterprofile.variables.patch", [v.name for v in sent])

    def delete_names(self, uid: str, names: list[str]) -> None:
        """Delete the named variables; an unknown name is a 422 naming it."""
        current = V.load(self.get(uid), self.ctx.box)
        known = {v.name for v in current}
        for i, name in enumerate(names):
            if name not in known:
                raise InvalidInput(f"variables[{i}]", f"variables[{i}]: the profile has no "
                                                      f"variable {name!r}")
        self._write(uid, [v for v in current if v.name not in names],
                    "clusterprofile.variables.delete", names)

    def _write(self, uid: str, sent: list[Variable], action: str,
               names: list[str] | None = None) -> None:
        self._require_editor()
        profile = self.get(uid)
        if len(sent) > MAX_VARIABLES:
            raise InvalidInput("variables", f"variables: at most {MAX_VARIABLES} per profile")
        variables = V.keep_sensitive(sent, V.load(profile, self.ctx.box))
        V.raise_problems(V.definition_problems(variables, "variables"))
        V.store(profile, variables, self.ctx.box)
        self._audit(action, profile, {"variables": names if names is not None
                                      else [v.name for v in variables]})
