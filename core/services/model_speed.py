"""How fast each speech model has been on this machine: the median real-time factor (seconds
of synthesis per second of audio) of its latest completed generations in the history, per
engine and model. A model nobody has used yet has no figure."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from core.store.models import Generation, GenerationStatus

RECENT_TAKES = 20
"""How many of a model's latest completed takes its figure is drawn from."""

ModelKey = tuple[str, str]
"""(engine, model size)."""


@dataclass(frozen=True)
class MeasuredSpeed:
    rtf: float
    """The median real-time factor: below 1 is faster than real time."""
    takes: int
    """How many completed takes the median is drawn from."""

    def as_dict(self) -> dict[str, float | int]:
        return {"rtf": self.rtf, "takes": self.takes}


def measured_speeds(db: Engine, recent: int = RECENT_TAKES) -> dict[ModelKey, MeasuredSpeed]:
    """Per model with completed takes: the median RTF of its `recent` latest ones."""
    newest_first = func.row_number().over(
        partition_by=(col(Generation.engine), col(Generation.model_size)),
        order_by=(col(Generation.completed_at).desc(), col(Generation.id).desc()),
    )
    ranked = (
        select(
            Generation.engine,
            Generation.model_size,
            Generation.rtf,
            newest_first.label("rank"),
        )
        .where(
            Generation.status == GenerationStatus.completed,
            col(Generation.rtf).is_not(None),
            col(Generation.engine).is_not(None),
            col(Generation.model_size).is_not(None),
        )
        .subquery()
    )
    rows = select(ranked.c.engine, ranked.c.model_size, ranked.c.rtf).where(ranked.c.rank <= recent)
    samples: dict[ModelKey, list[float]] = {}
    with Session(db) as session:
        for engine, model_size, rtf in session.exec(rows):
            samples.setdefault((engine, model_size), []).append(float(rtf))
    return {
        key: MeasuredSpeed(round(median(values), 4), len(values)) for key, values in samples.items()
    }
