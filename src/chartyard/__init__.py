"""chartyard: a control plane for Helm charts in OCI registries."""

__version__ = "0.1.0"
