"""Code of the "Streams and banding" guide (docs/guides/streams-and-banding.md)."""
