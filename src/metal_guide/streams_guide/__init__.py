"""Code of the practical "Streams guide" (docs/guides/streams-guide.md)."""
