"""Deploy one version of the site with mike, with the version selector switched on.

    python tools/deploy_docs.py VERSION [ALIAS ...] [--push] [--set-default ALIAS]

The version's title names the MLX version installed here, the one the suite was tested with
(for example "0.1 (MLX 0.32.4)"). Without --push, commits land only on the local gh-pages
branch. Run from the git repository that receives the gh-pages branch; the site itself is read
from this checkout's mkdocs.yml.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[1] / "mkdocs.yml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version")
    parser.add_argument("aliases", nargs="*")
    parser.add_argument("--push", action="store_true")
    parser.add_argument("--set-default", metavar="ALIAS")
    args = parser.parse_args(argv)
    bin_dir = str(Path(sys.executable).parent)  # mike runs `mkdocs` from PATH
    env = {
        **os.environ,
        "DOCS_VERSION_PROVIDER": "mike",
        "NO_MKDOCS_2_WARNING": "1",
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
    }
    # mike has no __main__ module: run the console script installed next to this Python.
    mike = [str(Path(sys.executable).parent / "mike")]
    push = ["--push"] if args.push else []
    title = f"{args.version} (MLX {version('mlx')})"
    # A build directory of its own (mkdocs.yml reads SITE_DIR), so that deployments running
    # side by side never share the repository's site/.
    build = tempfile.TemporaryDirectory(prefix="mike-site-")
    env["SITE_DIR"] = build.name
    subprocess.run(
        [*mike, "deploy", "-F", str(CONFIG), "--update-aliases", "-t", title, *push,
         args.version, *args.aliases],
        check=True,
        env=env,
    )
    if args.set_default:
        subprocess.run(
            [*mike, "set-default", "-F", str(CONFIG), *push, args.set_default],
            check=True,
            env=env,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
