"""Reference solutions of the exercises, graded by the tests and shown collapsed on each page."""
