"""Maintainer commands, run from the repository root as ``python -m tools.<name>``.

``python -m tools.outputs`` (``make outputs``) regenerates every generated file the pages show.
"""
