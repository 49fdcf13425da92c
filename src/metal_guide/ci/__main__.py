"""``python -m metal_guide.ci``: print this machine's device record as JSON.

``--require-hardware`` exits with status 1 unless MLX reports bare Apple-silicon hardware (not a
paravirtual device, not metalsim): the self-hosted job uses it so that results it uploads as
"Apple hardware" cannot come from a virtual machine.
"""

from __future__ import annotations

import argparse
import json
import sys

from metal_guide.ci.device import current_device


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m metal_guide.ci", description=__doc__)
    ap.add_argument(
        "--require-hardware",
        action="store_true",
        help="fail unless the device is bare Apple-silicon hardware",
    )
    args = ap.parse_args(argv)
    record = current_device()
    print(json.dumps(record.as_dict(), indent=2, sort_keys=True))
    if args.require_hardware and not record.label.startswith("Apple hardware "):
        print(f"not Apple hardware: {record.label}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
