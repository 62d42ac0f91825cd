"""Shared router helpers: the running core, row ids, bounded uploads."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Request, UploadFile

from core.api.schemas import MAX_ID
from core.errors import TooLarge
from core.services.context import Core

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="a row id (1 to 2^63-1)")]
"""Every integer id in a path: one beyond the database's 64-bit range is a 422, never a 500."""


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
