"""Shared router helpers: the running core, bounded uploads."""

from __future__ import annotations

from fastapi import Request, UploadFile

from core.errors import TooLarge
from core.services.context import Core


def get_core(request: Request) -> Core:
    core: Core = request.app.state.core
    return core


async def read_upload(core: Core, upload: UploadFile) -> bytes:
    limit = core.settings.max_upload_bytes
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(
            f"the upload is larger than {core.settings.max_upload_mb:g} MB; send a shorter clip",
            field="file",
        )
    return data
