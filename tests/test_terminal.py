"""The terminal surfaces as real processes: a scripted chat, and a customer in
``supportbot chat`` talking to an agent in ``supportbot agent`` on one database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("supportbot")
AGENT = "maija.virtanen@econocap.example"
CUSTOMER = "olli.operaattori@konepaja.example"


def env_for(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SUPPORTBOT_"))}
    env.pop("DATABASE_URL", None)
    env["SUPPORTBOT_DATA_DIR"] = str(tmp_path)  # the embedded default: SQLite, demo data
    return env


def test_piped_chat_runs_a_scripted_conversation(tmp_path):
    script = "Mikä Java-versio Windchill 12:lle?\n3\nmitä tietoja minusta on\n"
    result = subprocess.run(
        [str(BIN), "chat", "--user", CUSTOMER],
        input=script,
        text=True,
        capture_output=True,
        env=env_for(tmp_path),
        timeout=120,
        check=True,
    )
    out = result.stdout
    assert "> Mikä Java-versio Windchill 12:lle?" in out
    assert "Java 11" in out and "3. Hyväksyn" in out, "buttons are numbered across the turn"
    assert "suostumuksesi on tallennettu" in out
    assert CUSTOMER in out.split("mitä tietoja minusta on")[-1], "export shows the stored email"
    assert (tmp_path / "supportbot.db").exists()


class Terminal:
    """A running command whose output we wait on, line by line, without sleeping."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.seen: list[str] = []

    @classmethod
    async def start(cls, *args: str, env: dict[str, str]) -> Terminal:
        process = await asyncio.create_subprocess_exec(
            str(BIN),
            *args,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        return cls(process)

    async def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write((line + "\n").encode())
        await self.process.stdin.drain()

    async def expect(self, text: str, wait: float = 300) -> str:
        assert self.process.stdout is not None

        async def read() -> str:
            while True:
                raw = await self.process.stdout.readline()
                if not raw:
                    raise AssertionError(f"{text!r} never came; output was:\n" + "".join(self.seen))
                line = raw.decode()
                self.seen.append(line)
                if text in line:
                    return line

        try:
            return await asyncio.wait_for(read(), wait)
        except TimeoutError:
            raise AssertionError(
                f"{text!r} did not come within {wait} s; output was:\n" + "".join(self.seen)
            ) from None

    async def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 20)
        except TimeoutError:
            self.process.kill()
            pytest.fail("the command did not stop at end of input")


async def test_customer_and_agent_in_two_terminals(tmp_path):
    env = env_for(tmp_path)
    customer = await Terminal.start(
        "chat", "--user", CUSTOMER, "--name", "Olli Operaattori", env=env
    )
    agent = await Terminal.start("agent", "--as", AGENT, env=env)
    try:
        await _walkthrough(customer, agent)
    except AssertionError as failed:
        raise AssertionError(
            f"{failed}\n--- the other terminals said:\n"
            f"customer:\n{''.join(customer.seen)}\nagent:\n{''.join(agent.seen)}"
        ) from None
    finally:
        await customer.close()
        await agent.close()
    assert not any("Tuttu vika" in line for line in customer.seen), "the note stayed internal"


async def _walkthrough(customer: Terminal, agent: Terminal) -> None:
    await customer.type("Mikä Java-versio Windchill 12:lle?")
    await customer.expect("3. Hyväksyn")
    await customer.type("3")
    await customer.expect("suostumuksesi on tallennettu")
    await customer.type("Creo kaatuu aina kun avaan ison kokoonpanon")
    await customer.expect("Kuinka kiireellinen")
    await customer.type("2")
    await customer.expect("Liittyykö asia aiempaan")
    await customer.type("1")
    await customer.expect("Tukipyyntösi #1")
    await agent.expect("Tukihenkilön konsoli: Maija Virtanen")
    await agent.expect("Uusi tapaus #1")  # the new-case alert reaches the agent's console
    await agent.type("take 1")
    await agent.expect("Otit tapauksen #1")
    await customer.expect("Maija Econocapin tuesta liittyi keskusteluun")
    await agent.type("reply Kokeile asetusta regen_layout_w_assem_fail")
    await customer.expect("Maija: Kokeile asetusta regen_layout_w_assem_fail")
    await customer.type("Nyt toimii, kiitos!")
    await agent.expect("Asiakas: Nyt toimii, kiitos!")
    await agent.type("note Tuttu vika, ohjeistettu")
    await agent.expect("Sisäinen muistiinpano tallennettu")
    await agent.type("close Asetus korjasi kaatumisen")
    await customer.expect("Ratkaisu: Asetus korjasi kaatumisen")
