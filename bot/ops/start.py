"""Start a service module with the dependencies' deprecation warnings filtered.

Usage: ``python -m bot.ops.start <module> [arguments]``, e.g. ``python -m bot.ops.start rasa run ...``
or ``python -m bot.ops.start bot.webapp``. bot/ops/processes.py starts Rasa and the web app this way.

Sanic 21.12 calls ``warnings.filterwarnings("once", category=DeprecationWarning)`` when it is
imported, which overrides PYTHONWARNINGS: every deprecation warning of a dependency that is
imported later (pkg_resources, distutils, pyparsing, jax, ...) was printed at start-up, about
30 lines before the one that matters (issue 13, item 15). This imports Sanic first, puts our
filters in front (bot/ops/logging_privacy.py) and then runs the module as ``__main__`` in the same
process (same PID, same signals).
"""

from __future__ import annotations

import runpy
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        raise SystemExit(2)
    import sanic  # noqa: F401 - its import sets its own warning filter; ours go in front of it

    from bot.ops.logging_privacy import filter_warnings

    filter_warnings()
    module, *rest = args
    if module == "rasa":
        _keep_filters_after_rasa_configures_warnings(filter_warnings)
    sys.argv = [module, *rest]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


def _keep_filters_after_rasa_configures_warnings(filter_warnings) -> None:
    """Rasa's start-up puts ``once`` for UserWarning in front of every filter; pyparsing's
    deprecation warnings are UserWarnings too. Put ours in front again right after."""
    import rasa.utils.common as common

    configure = common.configure_logging_and_warnings

    def configure_then_filter(*args, **kwargs):
        configure(*args, **kwargs)
        filter_warnings()

    common.configure_logging_and_warnings = configure_then_filter


if __name__ == "__main__":
    main()
