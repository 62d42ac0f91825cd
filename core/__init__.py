"""Voicebox core: the torch-free host app (profiles, samples, history, transcription, queue)."""

__version__ = "0.1.0"
