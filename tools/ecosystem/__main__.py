"""``python -m tools.ecosystem``: see ``tools/ecosystem/driver.py`` for the options."""

from tools.ecosystem.driver import main

if __name__ == "__main__":
    raise SystemExit(main())
