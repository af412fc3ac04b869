"""Fill empty pack values with the chart's own values.yaml, read once and cached by digest."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chartyard.catalog.contents import chart_contents
from chartyard.context import AppContext
from chartyard.sources import AnyTarget


def default_values(ctx: AppContext, session: Session, target: AnyTarget,
                   repository: str, chart_layer: str) -> str:
    """Return the chart's values.yaml text ('' if it has none).

    Raises `OCIError` when the registry cannot serve the chart layer and
    `ChartArchiveError` when the layer is not a readable chart archive.
    """
    return chart_contents(ctx, session, target, repository, chart_layer).values_yaml or ""
