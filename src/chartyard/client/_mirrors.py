"""Mirrors and bundles: copy a profile into a registry; carry it as an OCI layout tar."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx

from chartyard.client._errors import ApiError, ServerUnreachable
from chartyard.client._http import Http
from chartyard.wire.common import Uid
from chartyard.wire.mirrors import MirrorStatus

CHUNK = 1024 * 1024


class MirrorsApi:
    """``/v1/clusterprofiles/{uid}/mirror``, ``/v1/mirrors/{uid}`` and the bundle endpoints."""

    def __init__(self, http: Http) -> None:
        self._http = http

    def start(self, profile_uid: str, registry_uid: str, *, base_path: str = "",
              include_images: bool = False) -> Uid:
        """Queue a mirror of a profile into a registry; return the mirror's uid."""
        body = {"targetRegistryUid": registry_uid, "basePath": base_path,
                "includeImages": include_images}
        return Uid.model_validate(self._http.json(
            "POST", f"/v1/clusterprofiles/{profile_uid}/mirror", json=body))

    def get(self, uid: str) -> MirrorStatus:
        """Return a mirror's status and progress."""
        return MirrorStatus.model_validate(self._http.json("GET", f"/v1/mirrors/{uid}"))

    def download_bundle(self, profile_uid: str, path: Path, *,
                        include_images: bool = False) -> int:
        """Stream a profile's OCI layout tar into ``path``; return its size."""
        params = {"includeImages": "true"} if include_images else {}
        client = self._http._client  # streaming: the body never sits in memory
        size = 0
        try:
            with client.stream("GET", f"/v1/clusterprofiles/{profile_uid}/bundle",
                               params=params, timeout=None) as response:
                if response.is_error:
                    response.read()
                    raise ApiError.from_response(response)
                with path.open("wb") as out:
                    for chunk in response.iter_bytes(CHUNK):
                        out.write(chunk)
                        size += len(chunk)
        except httpx.TransportError as exc:
            path.unlink(missing_ok=True)  # a broken-off archive must not look complete
            raise ServerUnreachable(self._http.url, exc) from exc
        return size

    def push_bundle(self, path: Path, registry_uid: str) -> dict[str, object]:
        """Stream a bundle tar to a registry; return the server's answer."""
        def chunks() -> Iterator[bytes]:
            with path.open("rb") as file:
                while chunk := file.read(CHUNK):
                    yield chunk

        client = self._http._client
        try:
            response = client.post(f"/v1/registries/oci/{registry_uid}/bundle",
                                   content=chunks(), timeout=None,
                                   headers={"Content-Type": "application/x-tar",
                                            "Content-Length": str(path.stat().st_size)})
        except httpx.TransportError as exc:
            raise ServerUnreachable(self._http.url, exc) from exc
        if response.is_error:
            raise ApiError.from_response(response)
        return dict(response.json())
