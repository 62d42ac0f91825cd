"""Audio helpers of the core: decoding (PyAV), validation and cleaning, files, encoding."""
