"""The MCP server through the `mcp` SDK's own client: streamable HTTP at /mcp (behind the API
key) and stdio (`voicebox mcp` as a real subprocess). `speak` returns Piper speech that Whisper
transcribes back; bad arguments come back as tool errors with a message."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.core.conftest import CoreServer, PiperProvider
from tests.core.test_generation import preset

KEY = "mcp-test-key"
TOOLS = {"speak", "transcribe", "list_voices", "list_generations"}
TEXT = "Seven bright lanterns glow over the quiet harbour."


def text_of(result: Any) -> str:
    return "".join(c.text for c in result.content if c.type == "text")


async def exercise(session: ClientSession) -> dict[str, Any]:
    """What every transport must do: list tools, speak, transcribe, list, refuse bad input."""
    await session.initialize()
    tools = {t.name for t in (await session.list_tools()).tools}
    assert tools == TOOLS and not any("." in t for t in tools)
    voices = await session.call_tool("list_voices", {})
    assert not voices.isError and "Joe" in text_of(voices)
    spoken = await session.call_tool("speak", {"text": TEXT, "voice": "Joe"})
    assert not spoken.isError, text_of(spoken)
    info = json.loads(text_of(spoken))
    [audio] = [c for c in spoken.content if c.type == "audio"]
    assert audio.mimeType == "audio/wav"
    wav = base64.b64decode(audio.data)
    assert wav[:4] == b"RIFF" and Path(info["path"]).read_bytes() == wav
    # Whisper tiny.en on Piper speech: some of the sentence's words, not all (it may hear
    # "landings" for "lanterns").
    for source in ({"audio_base64": audio.data}, {"generation_id": info["generation_id"]}):
        heard = await session.call_tool("transcribe", source)
        assert not heard.isError, text_of(heard)
        words = {w.strip(".,").lower() for w in json.loads(text_of(heard))["text"].split()}
        assert {"lanterns", "harbour", "harbor", "seven", "bright", "quiet"} & words, words
    listed = json.loads(text_of(await session.call_tool("list_generations", {"limit": 5})))
    assert listed["items"][0]["id"] == info["generation_id"]
    assert listed["items"][0]["source"] == "mcp"
    bad_calls: list[tuple[str, dict[str, Any], str]] = [
        ("speak", {"text": ""}, "text"),
        ("speak", {"text": "Hi", "voice": "Nobody"}, "Nobody"),
        ("speak", {"voice": "Joe"}, "text"),
        ("speak", {"text": "x" * 6000, "voice": "Joe"}, "limit"),
        ("transcribe", {}, "audio_base64"),
        ("transcribe", {"audio_base64": "%%%"}, "base64"),
        ("transcribe", {"audio_base64": base64.b64encode(b"noise").decode()}, "audio"),
        ("transcribe", {"generation_id": 999_999}, "999999"),
        ("list_generations", {"limit": 1000}, "limit"),
        ("list_generations", {"limit": "many"}, "limit"),
        ("no_such_tool", {}, "no_such_tool"),
    ]
    for name, arguments, needle in bad_calls:
        result = await session.call_tool(name, arguments)
        assert result.isError, (name, arguments)
        assert needle.lower() in text_of(result).lower(), (name, text_of(result))
        assert "Traceback" not in text_of(result)
    return info


def run(main: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    return asyncio.run(main())


def test_streamable_http_behind_the_api_key(make_core: Callable[..., CoreServer]) -> None:
    core = make_core(api_key=KEY)
    preset(core, "Joe")

    async def main() -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {KEY}"}
        async with (
            httpx.AsyncClient(headers=headers, timeout=120, trust_env=False) as http,
            streamable_http_client(f"{core.url}/mcp", http_client=http) as (read, write, _),
            ClientSession(read, write) as session,
        ):
            return await exercise(session)

    info = run(main)
    row = core.http.get(f"/generations/{info['generation_id']}").json()
    assert row["source"] == "mcp" and row["status"] == "completed"
    refused = httpx.post(f"{core.url}/mcp", json={}, trust_env=False)
    assert refused.status_code == 401
    accept = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
    for body, headers in (
        (b"not json", accept),
        (b"[]", accept),
        (b"{}", accept),
        (b"{}", {}),
        (b"x" * (core.core.settings.max_upload_bytes + 2 * 1024 * 1024), accept),
    ):
        answer = core.http.post("/mcp", content=body, headers=headers)
        assert 400 <= answer.status_code < 500, (body[:20], answer.text)
        assert answer.text and "Traceback" not in answer.text


@pytest.mark.slow
def test_stdio_subprocess(
    make_core: Callable[..., CoreServer], piper: PiperProvider, tmp_path: Path
) -> None:
    data = tmp_path / "data-stdio"
    core = make_core(data_dir=data)
    preset(core, "Joe")
    env = {
        **os.environ,
        "VOICEBOX_DATA_DIR": str(data),
        "VOICEBOX_PROVIDER_URL": piper.url,
        "VOICEBOX_PROVIDER_TOKEN": piper.token,
    }
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "core.cli", "mcp"], env=env, cwd=os.getcwd()
    )

    async def main() -> dict[str, Any]:
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            return await exercise(session)

    info = run(main)
    assert Path(info["path"]).is_relative_to(data.resolve())
    row = core.http.get(f"/generations/{info['generation_id']}").json()
    assert row["source"] == "mcp"
