"""Voicebox TTS providers: engines and one entry point per hardware flavor."""

__version__ = "0.1.0"
