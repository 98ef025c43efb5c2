"""The asyncssh provider: native async device access, no thread per device.

One SSH connection and one interactive shell (a PTY 511 columns wide) serve every call for
as long as the provider lives, so a workflow run logs in once per device. The platform's
conventions (prompts, paging, config mode, error patterns, save or commit) come from
`cli_dialect`; reading is prompt-driven (`asyncssh_shell`), so a fast device is never kept
waiting by a fixed sleep. After a timeout or a dropped connection the shell is discarded and
the next call logs in again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Sequence

from nocdeck.credentials import ResolvedCredentials
from nocdeck.errors import (
    AuthenticationFailed,
    BadInput,
    ChangeRejected,
    DeviceError,
)
from nocdeck.inventory.models import Device
from nocdeck.providers.asyncssh_shell import CliShell, Reply
from nocdeck.providers.base import (
    DialogueSink,
    Provider,
    ProviderOptions,
    PushResult,
    register_line_secrets,
)
from nocdeck.providers.cli_dialect import CliDialect, dialect_for
from nocdeck.providers.readonly import check_read_only
from nocdeck.redaction import Redactor


class AsyncsshProvider(Provider):
    """One device over one asyncssh connection and one interactive shell."""

    name = "asyncssh"

    def __init__(
        self,
        device: Device,
        credentials: ResolvedCredentials,
        *,
        options: ProviderOptions | None = None,
        on_dialogue: DialogueSink | None = None,
        redactor: Redactor | None = None,
    ) -> None:
        self.dialect: CliDialect = dialect_for(device.platform, device=device.name)
        super().__init__(device, credentials, options=options, on_dialogue=on_dialogue,
                         redactor=redactor)
        self._shell: CliShell | None = None
        self._lock = asyncio.Lock()
        self.banner = ""
        """What the device printed between login and its first prompt."""

    def log_received(self, chunk: str) -> None:
        """Mask and stream device output, unless nobody listens (masking is per line work)."""
        if self._on_dialogue is not None:
            super().log_received(chunk)

    # -- session -------------------------------------------------------------------------
    async def connect(self) -> None:
        async with self._lock:
            await self._session()

    async def _session(self) -> CliShell:
        """The live shell, logging in first if there is none (or it died)."""
        if self._shell is not None and self._shell.alive:
            return self._shell
        if self._shell is not None:
            await self._shell.close()
            self._shell = None
        self.log_info(f"connecting to {self.device.host}:{self.device.port} "
                      f"({self.device.platform}, asyncssh)")
        shell = CliShell(self, self.dialect)
        try:
            self.banner = await shell.open()
            await self._privileged(shell)
            for command in self.dialect.paging_off:
                await shell.command(command)
        except BaseException:
            await shell.close()
            raise
        self._shell = shell
        return shell

    async def _privileged(self, shell: CliShell) -> None:
        """`enable`, answering `Password:` with the enable secret (IOS/EOS)."""
        if self.dialect.enable is None or shell.level == "#":
            return
        reply = await shell.command(self.dialect.enable, expect=("prompt", "password"))
        if reply.ended_with == "password":
            secret = self.credentials.enable_secret
            if not secret:
                shell.send("", hide=True)
                await shell.read_until(("prompt",), action="enable")
                raise AuthenticationFailed(
                    self.device.name, f"enable asks for a password but credential "
                    f"{self.credentials.reference!r} has no enable secret")
            reply = await shell.command(secret, hide=True, expect=("prompt", "password"))
        if reply.ended_with != "prompt" or shell.level != "#":
            raise AuthenticationFailed(self.device.name, "enable refused: check the enable "
                                       f"secret of credential {self.credentials.reference!r}")

    async def close(self) -> None:
        shell, self._shell = self._shell, None
        if shell is not None:
            await shell.close()
            self.flush_dialogue()

    async def _run(self, line: str, *, wait: float | None = None) -> Reply:
        shell = await self._session()
        try:
            return await shell.command(line, expect=("prompt", "question"), wait=wait)
        except DeviceError:
            await self._drop()
            raise

    async def _drop(self) -> None:
        """Forget a shell that timed out or lost its connection; the next call logs in."""
        shell, self._shell = self._shell, None
        if shell is not None:
            await shell.close()

    # -- reading -------------------------------------------------------------------------
    async def get_running_config(self) -> str:
        async with self._lock:
            return (await self._run(self.dialect.running_config)).output

    async def run_commands(self, commands: Sequence[str]) -> dict[str, str]:
        check_read_only(commands, where=f"device {self.device.name}")
        async with self._lock:
            return {command: self.dialect.command_output((await self._run(command)).output)
                    for command in commands}

    # -- changing ------------------------------------------------------------------------
    async def push_config(
        self, lines: Sequence[str], *, save: bool = False, confirm_minutes: int | None = None
    ) -> PushResult:
        self._check_confirm(confirm_minutes)
        lines = list(lines)
        if not lines:
            return PushResult(self.device.name, (), saved=False, output="")
        async with self._lock:
            return await self._push(lines, save=save, confirm_minutes=confirm_minutes)

    def _check_confirm(self, confirm_minutes: int | None) -> None:
        if confirm_minutes is None:
            return
        if self.dialect.commit_confirmed is None:
            raise BadInput(f"device {self.device.name}: commit confirmed needs a platform that "
                           f"commits; {self.device.platform} has none")
        if confirm_minutes < 1:
            raise BadInput(f"device {self.device.name}: commit confirmed needs at least 1 "
                           f"minute, got {confirm_minutes}")

    async def _push(self, lines: list[str], *, save: bool, confirm_minutes: int | None
                    ) -> PushResult:
        dialect = self.dialect
        outputs = [(await self._run(dialect.config_enter)).output]
        rejected: ChangeRejected | None = None
        taken = 0
        async with contextlib.aclosing(self._config_lines(lines)) as answers:
            async for line, output in answers:
                outputs.append(output)
                message = dialect.find_error(output)
                if message is not None:  # a candidate (Junos) is discarded: nothing applied
                    rejected = self._rejected(line, message, applied=() if dialect.uses_commit
                                              else tuple(lines[:taken]))
                    break
                taken += 1
        committed = True
        if rejected is None and dialect.uses_commit:
            command, message, output = await self._commit(confirm_minutes)
            outputs.append(output)
            if message is not None:
                rejected = self._rejected(command, message)
            committed = confirm_minutes is None
        outputs.append(await self._leave_config(discard=rejected is not None))
        if rejected is not None:
            self.log_info(str(rejected))
            raise rejected
        saved = dialect.uses_commit and committed
        if save and dialect.save:
            outputs += await self._save(applied=tuple(lines))
            saved = True
        return PushResult(self.device.name, tuple(self.redactor.mask_line(ln) for ln in lines),
                          saved=saved, output=self.redactor.mask("\n".join(outputs)),
                          committed=committed)

    async def _config_lines(self, lines: list[str]
                            ) -> AsyncGenerator[tuple[str, str], None]:
        """Each line with the device's answer to it. Typed ahead in one write where the
        dialect allows it (a candidate: lines after a refused one are discarded with it);
        otherwise one at a time, so nothing is sent after a line the device refused."""
        for line in lines:
            register_line_secrets(self.redactor, line)
        if not self.dialect.type_ahead:
            for block in self.dialect.config_blocks(lines):
                if len(block) == 1:
                    yield block[0], (await self._run(block[0])).output
                    continue
                shell = await self._session()
                try:  # a banner: one prompt, after its closing line
                    output = (await shell.block(block)).output
                except DeviceError:
                    await self._drop()
                    raise
                yield block[0], output
                for line in block[1:]:
                    yield line, ""
            return
        shell = await self._session()
        try:
            replies = await shell.type_ahead(lines)
        except DeviceError:
            await self._drop()
            raise
        for line, reply in zip(lines, replies, strict=True):
            yield line, reply.output

    async def _commit(self, confirm_minutes: int | None) -> tuple[str, str | None, str]:
        """Junos `commit` (or `commit confirmed N`): the command, any failure, the output."""
        dialect = self.dialect
        if confirm_minutes is None or dialect.commit_confirmed is None:
            command = dialect.commit or "commit"
        else:
            command = dialect.commit_confirmed.format(minutes=confirm_minutes)
        # A commit validates the whole candidate: give it more than one line's time.
        reply = await self._run(command, wait=self.options.command_timeout * 2)
        message = dialect.find_error(reply.output)
        if message is None and "commit complete" not in reply.output.lower():
            lines = [ln.strip() for ln in reply.output.splitlines() if ln.strip()]
            message = lines[-1] if lines else "no 'commit complete' from the device"
        return command, message, reply.output

    async def _leave_config(self, *, discard: bool) -> str:
        """Leave config mode, also after a rejection; on Junos drop the candidate first."""
        outputs = []
        if discard:
            for command in self.dialect.discard:
                outputs.append((await self._run(command)).output)
        for command in self.dialect.config_exit:
            reply = await self._run(command)
            outputs.append(reply.output)
            if reply.ended_with == "question":
                # Junos asks before leaving uncommitted changes; they were rolled back above.
                outputs.append((await self._run("yes")).output)
        return "\n".join(outputs)

    def _rejected(self, line: str, message: str, applied: tuple[str, ...] = ()
                  ) -> ChangeRejected:
        return ChangeRejected(self.device.name, self.redactor.mask_line(line),
                              self.redactor.mask(message), applied)

    async def save_config(self) -> None:
        if not self.dialect.save:
            return
        async with self._lock:
            await self._save(applied=())

    async def _save(self, *, applied: tuple[str, ...]) -> list[str]:
        """`write memory`: its outputs; ChangeRejected if the device refuses (`applied`: the
        lines already in the running config)."""
        outputs = []
        for command in self.dialect.save:
            reply = await self._run(command)
            outputs.append(reply.output)
            message = self.dialect.find_error(reply.output)
            if message is not None:
                raise self._rejected(command, message, applied=applied)
        return outputs

    async def confirm_commit(self) -> None:
        """Confirm a pending `commit confirmed` with a plain `commit` (Junos)."""
        if not self.dialect.uses_commit:
            return
        async with self._lock:
            await self._run(self.dialect.config_enter)
            command, message, _ = await self._commit(None)
            await self._leave_config(discard=message is not None)
            if message is not None:
                raise self._rejected(command, message)
