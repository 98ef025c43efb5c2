"""The `nocdeck` command: the TUI by default, sub-commands for headless use.

Global options go before the sub-command (`nocdeck --inventory lab.yaml exec …`); each also
reads from the config file and from `NOCDECK_*` variables (see `nocdeck.config`). Every
`NocdeckError` becomes one line on stderr and its exit code (2 bad input, 1 work failed);
no traceback reaches the user.

What a command needs (settings, inventory, redaction, …) is imported when it runs: the
sub-command's module is loaded first (`nocdeck.commands.LazyGroup`, with the garbage
collector paused) and imports it all at once.
"""

from __future__ import annotations

import logging
import sys
import traceback
from typing import TYPE_CHECKING

import click

from nocdeck import __version__
from nocdeck.commands import LazyGroup
from nocdeck.errors import ConfigError, NocdeckError
from nocdeck.heap import freeze_at_exit

if TYPE_CHECKING:
    from nocdeck.config import Settings


@click.group(cls=LazyGroup, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", metavar="FILE", help="Settings file (TOML).")
@click.option("--store", "store_url", metavar="URL",
              help="Audit store URL (sqlite+aiosqlite:///… or postgresql+asyncpg://…).")
@click.option("--catalog", multiple=True, metavar="DIR",
              help="Catalog directory layered over the bundled one (repeatable).")
@click.option("--inventory", metavar="FILE", help="Inventory YAML file, or 'nautobot'.")
@click.option("--lab", is_flag=True, default=None, help="Start the built-in lab and use it.")
@click.option("--log-level", metavar="LEVEL", help="Logging level for diagnostics on stderr.")
@click.version_option(__version__, prog_name="nocdeck")
@click.pass_context
def cli(
    ctx: click.Context,
    config_file: str | None,
    store_url: str | None,
    catalog: tuple[str, ...],
    inventory: str | None,
    lab: bool | None,
    log_level: str | None,
) -> None:
    """nocdeck: browse the catalog, plan, diff, approve, push and audit network changes."""
    from nocdeck.commands.common import CliState
    from nocdeck.config import load_settings
    from nocdeck.redaction import install_log_redaction

    settings = load_settings(
        config_file=config_file,
        flags={"store_url": store_url, "catalog": catalog, "inventory": inventory, "lab": lab,
               "log_level": log_level},
    )
    logging.basicConfig(level=settings.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_redaction()
    ctx.obj = CliState(settings=settings)
    if ctx.invoked_subcommand is None:
        ctx.exit(start_tui(settings))


def start_tui(settings: Settings) -> int:
    """The TUI on the configured inventory (or the lab); refuse first what is missing."""
    if not settings.lab:
        from nocdeck.inventory.configured import inventory_from_settings

        inventory_from_settings(settings)  # InventoryError says the one command that fixes it
    if not sys.stdout.isatty():
        raise ConfigError("nocdeck opens a full-screen terminal app: run it in a terminal, "
                          "or use a sub-command (nocdeck --help)")
    from nocdeck.app import run_tui

    return run_tui(settings)


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and turn every known failure into one line and an exit code."""
    freeze_at_exit()
    try:
        code = cli.main(args=argv, prog_name="nocdeck", standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except NocdeckError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2 if isinstance(exc, click.UsageError) else exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: keep the details, show one line
        from nocdeck.redaction import mask

        where = report_crash(exc)
        click.echo(f"nocdeck: internal error: {type(exc).__name__}: {mask(str(exc))} "
                   f"(details in {where})", err=True)
        sys.exit(1)
    sys.exit(0)


def report_crash(exc: BaseException) -> str:
    """Write the masked traceback of an unexpected error to the user data dir."""
    from nocdeck.config import user_data_dir
    from nocdeck.redaction import mask

    text = mask("".join(traceback.format_exception(exc)))
    path = user_data_dir() / "crash.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError:
        return "stderr (the crash log could not be written)"
    return str(path)
