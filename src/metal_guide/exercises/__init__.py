"""Kernel exercises: a track of small Metal kernels to write, with a grader.

Each exercise module ``exNN_<slug>.py`` holds its pure-MLX specification, its launch, the stub
body a reader starts from, and the `Exercise` record that ties them together. The grader
(`metal_guide.exercises.grader`) runs a reader's body against the specification; the command
line is ``python -m metal_guide.exercises``.
"""

from metal_guide.exercises.exercise import Exercise, all_exercises, get_exercise

__all__ = ["Exercise", "all_exercises", "get_exercise"]
