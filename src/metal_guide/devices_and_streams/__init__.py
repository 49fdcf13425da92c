"""Code of the "Devices and streams" guide (docs/guides/devices-and-streams.md)."""
