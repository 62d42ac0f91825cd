"""How the core reaches speech: the TTSProvider interface and its adapters."""
