"""Serving several requests from one decode step: a scheduler thread owns a `BatchDecoder`;
request threads submit their captured prompt and read their frames as the steps make them.

Sequences join between steps (a prefill each) and leave when they finish, so a provider that
serves a team keeps its throughput as requests overlap. Turned on with
`VOICEBOX_QWEN_BATCH=<slots>` (off by default: with one request at a time the plain loop is as
fast, and it keeps the reference path's codes on every device; batched rows use other matrix
shapes, which on some devices round differently).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Iterator
from typing import Any

from providers.engines.qwen_fast import TalkerPrompt
from providers.engines.qwen_fast_batch import BatchDecoder, Sequence
from providers.engines.qwen_fast_loop import FastTalker

BATCH_ENV = "VOICEBOX_QWEN_BATCH"
IDLE_S = 2.0
"""Seconds the scheduler thread waits for work before it ends."""
_END = object()


def batch_slots() -> int:
    """Slots from `VOICEBOX_QWEN_BATCH` (0: batching off)."""
    value = os.environ.get(BATCH_ENV, "").strip()
    return int(value) if value.isdigit() else 0


class Scheduler:
    """A daemon thread stepping a `BatchDecoder` while any sequence is active or waiting."""

    def __init__(self, fast: FastTalker, slots: int) -> None:
        self.decoder = BatchDecoder(fast, slots)
        self._waiting: list[tuple[TalkerPrompt, Any, queue.Queue[Any]]] = []
        self._outputs: dict[int, tuple[Sequence, queue.Queue[Any]]] = {}
        self._wake = threading.Condition()
        self._running = False

    def submit(self, prompt: TalkerPrompt, generator: Any) -> Iterator[Any]:
        """Queue `prompt` now; its frames, decoded in the shared batch, come from the
        returned iterator."""
        out: queue.Queue[Any] = queue.Queue()
        with self._wake:
            self._waiting.append((prompt, generator, out))
            self._wake.notify()
            if not self._running:  # the thread ends when idle: nothing pins an unloaded model
                self._running = True
                threading.Thread(target=self._run, name="qwen-batch", daemon=True).start()
        return self._read(out)

    @staticmethod
    def _read(out: queue.Queue[Any]) -> Iterator[Any]:
        while True:
            item = out.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def _run(self) -> None:
        import torch

        with torch.inference_mode():
            while True:
                with self._wake:
                    if not self._waiting and not self.decoder.active:
                        self._wake.wait(timeout=IDLE_S)
                    if not self._waiting and not self.decoder.active:
                        self._running = False
                        return
                    room = self.decoder.slots - len(self.decoder.active)
                    joining, self._waiting = self._waiting[:room], self._waiting[room:]
                try:
                    self._step(joining)
                except BaseException as exc:  # every waiting reader gets the error
                    for _, out in self._outputs.values():
                        out.put(exc)
                    for *_, out in joining:
                        out.put(exc)
                    self._outputs.clear()
                    self.decoder.active.clear()

    def _step(self, joining: list[tuple[TalkerPrompt, Any, queue.Queue[Any]]]) -> None:
        for prompt, generator, out in joining:
            seq = self.decoder.join(prompt, generator)
            if seq.done:
                out.put(_END)
            else:
                self._outputs[id(seq)] = (seq, out)
        if not self.decoder.active:
            return
        finished = {id(q) for q in self.decoder.step()}
        for key, (seq, out) in list(self._outputs.items()):
            out.put(seq.frames[-1])
            if key in finished:
                out.put(_END)
                del self._outputs[key]


def scheduler_for(wrapper: Any, fast: FastTalker) -> Scheduler | None:
    """The wrapper's scheduler when batching is on (made once), else None."""
    slots = batch_slots()
    if slots < 1:
        return None
    found: Scheduler | None = getattr(wrapper, "_voicebox_batch", None)
    if found is None:
        found = Scheduler(fast, slots)
        wrapper._voicebox_batch = found
    return found
