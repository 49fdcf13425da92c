"""Editable installs of mlx-metalsim map to the checkout's source tree, not to a copy.

hatchling applies ``force-include`` to editable wheels too, which would copy
``../../src/metalsim`` into site-packages. For ``version == "editable"`` this hook narrows the
forced files to the start-up ``.pth`` hook; ``dev-mode-dirs`` puts ``../../src`` on sys.path.
"""

from __future__ import annotations

from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

STARTUP_PTH = "../../src/metalsim/metalsim_startup.pth"


class EditableSourceTreeHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            build_data["force_include_editable"] = {STARTUP_PTH: "metalsim_startup.pth"}
