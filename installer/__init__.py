"""Build, publish and install provider executables (torch-free; never imports core/providers).

- `installer.index`: the release index (pydantic models, platform selection).
- `installer.install`: `Installer(root)` — download, verify, extract, validate, swap, rollback,
  uninstall, sweep; one install per provider at a time.
- `installer.compat`: accepted spec versions, update checks, the Auto provider choice.
- `installer.build` / `installer.release`: PyInstaller builds and release archives + index.
"""
