"""Typed wire models of the `/v1` API: one definition per body, used by the routes
(`response_model`), the services that build responses, and the Python client.

Output models follow Palette's definitions (`../shared/palette/palette-apis-subset.json`);
chartyard's own additions are extra fields, never a changed type or place. Input models
ignore fields chartyard does not use, as Palette's Go SDK sends many of them.
"""

from __future__ import annotations
