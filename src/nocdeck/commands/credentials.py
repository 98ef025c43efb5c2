"""`nocdeck credentials set|list|check|delete`: manage the secrets devices log in with.

Secrets are read from a getpass prompt or, for scripts, from stdin with `--stdin`; never from
a command-line argument, which would land in the shell history and in `ps`.
"""

from __future__ import annotations

import getpass
import sys

import click

from nocdeck.commands.common import CliState, echo_json, inventory_from_settings, pass_state
from nocdeck.credentials.index import CredentialEntry, check_name
from nocdeck.credentials.resolver import resolve_credentials
from nocdeck.credentials.store import BackendChoice, CredentialStore, configure_session
from nocdeck.errors import CredentialError, InventoryError


def _store(state: CliState) -> CredentialStore:
    return configure_session(state.settings)


def _stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _read_secrets_from_stdin(name: str, wanted: list[str]) -> list[str]:
    lines = sys.stdin.read().splitlines()
    if len(lines) < len(wanted):
        raise CredentialError(
            f"credential {name!r}: --stdin expects {len(wanted)} line(s) "
            f"({', then '.join(wanted)}), got {len(lines)}; nothing was stored")
    return lines[: len(wanted)]


def _prompt_secret(name: str, what: str) -> str:
    value = getpass.getpass(f"{what} for {name}: ")
    if getpass.getpass(f"Repeat the {what.lower()}: ") != value:
        raise CredentialError(f"credential {name!r}: the two {what.lower()}s differ; "
                              f"nothing was stored")
    return value


@click.group("credentials")
def credentials_group() -> None:
    """Store and inspect the credentials that `cred:NAME` references resolve to."""


@credentials_group.command("set")
@click.argument("name")
@click.option("--username", metavar="USER", help="Login name on the devices.")
@click.option("--no-password", is_flag=True, help="SSH keys / ssh-agent only, no password.")
@click.option("--enable", is_flag=True, help="Also store an enable secret.")
@click.option("--keys/--no-keys", "use_keys", default=True, show_default=True,
              help="Offer SSH keys and the ssh-agent before the password.")
@click.option("--stdin", "from_stdin", is_flag=True,
              help="Read the password, then the enable secret, one per line from stdin.")
@click.option("--backend", type=click.Choice(["auto", "keyring", "vault"]), default="auto",
              show_default=True, help="Where the secrets go; auto means the keyring where "
                                      "a real one exists, else the vault.")
@pass_state
def set_credential(state: CliState, name: str, username: str | None, no_password: bool,
                   enable: bool, use_keys: bool, from_stdin: bool, backend: str) -> None:
    """Store credential NAME (secrets from a prompt, or from stdin with --stdin)."""
    check_name(name)
    store = _store(state)
    if username is None:
        if from_stdin or not _stdin_is_terminal():
            raise CredentialError(f"credential {name!r}: --username is required when not "
                                  f"prompting in a terminal")
        username = str(click.prompt("Username", err=True))
    wanted = (["password"] if not no_password else []) + (["enable secret"] if enable else [])
    if from_stdin:
        values = _read_secrets_from_stdin(name, wanted)
    elif not wanted:
        values = []
    elif _stdin_is_terminal():
        values = [_prompt_secret(name, what.capitalize()) for what in wanted]
    else:
        raise CredentialError(f"credential {name!r}: no terminal to prompt for the secrets; "
                              f"pipe them with --stdin (one per line)")
    secrets = dict(zip(wanted, values, strict=True))
    for what, value in secrets.items():
        if not value:
            hint = "; use --no-password for SSH keys only" if what == "password" else ""
            raise CredentialError(f"credential {name!r}: the {what} is empty{hint}")
    choice: BackendChoice = "vault" if backend == "vault" else (
        "keyring" if backend == "keyring" else "auto")
    entry = store.set(name, username=username, password=secrets.get("password"),
                      enable_secret=secrets.get("enable secret"), use_keys=use_keys,
                      backend=choice)
    click.echo(f"stored credential {name!r} ({_summary(entry)}) in {entry.backend} "
               f"{entry.location}")


def _summary(entry: CredentialEntry) -> str:
    parts = [f"username {entry.username}"]
    parts.append("password" if entry.has_password else "no password")
    if entry.has_enable:
        parts.append("enable secret")
    if entry.use_keys:
        parts.append("SSH keys first")
    return ", ".join(parts)


@credentials_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@pass_state
def list_credentials(state: CliState, as_json: bool) -> None:
    """List stored credentials (names, usernames, where they live; never a secret)."""
    store = _store(state)
    entries = store.entries()
    if as_json:
        echo_json([e.as_dict() for e in entries])
        return
    if not entries:
        click.echo("no credentials stored; add one with: nocdeck credentials set NAME")
    else:
        width = max(len(e.name) for e in entries)
        for entry in entries:
            click.echo(f"{entry.name:<{width}}  {_summary(entry)}  "
                       f"[{entry.backend} {entry.location}]")
    click.echo(f"new credentials go to: {store.default_backend()}", err=True)


@credentials_group.command("check")
@click.argument("name", required=False)
@click.option("--device", metavar="DEVICE", help="Resolve this inventory device's reference.")
@pass_state
def check_credential(state: CliState, name: str | None, device: str | None) -> None:
    """Resolve NAME (or a device's reference) as a push would; prints no secret."""
    store = _store(state)
    if (name is None) == (device is None):
        raise click.UsageError("give a credential NAME or --device DEVICE")
    if device is not None:
        found = inventory_from_settings(state.settings).get(device)
        if found is None:
            raise InventoryError(f"device {device!r} is not in the inventory")
        resolved = resolve_credentials(found, store=store)
        label = f"device {device}"
    else:
        resolved = store.resolve(str(name))
        label = f"credential {name!r}"
    has = [w for w, v in (("password", resolved.password),
                          ("enable secret", resolved.enable_secret)) if v]
    click.echo(f"{label}: ok, username {resolved.username}"
               f"{', ' + ', '.join(has) if has else ''}"
               f"{', SSH keys first' if resolved.use_keys else ''}")


@credentials_group.command("delete")
@click.argument("name")
@pass_state
def delete_credential(state: CliState, name: str) -> None:
    """Delete credential NAME from wherever it is stored."""
    entry = _store(state).delete(name)
    click.echo(f"deleted credential {name!r} from {entry.backend} {entry.location}")
