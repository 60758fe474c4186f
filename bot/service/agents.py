"""Who the agents are and where agent-facing messages go."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import getaddresses

from bot.core.contract import ReplyAddress


@dataclass(frozen=True, slots=True)
class Agent:
    email: str
    name: str

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.email.split("@")[0]


class AgentDirectory:
    """The agents: only they may see the queue or act on a case. Those configured
    (``SUPPORTBOT_AGENTS``) and the web console's agent accounts, which
    :meth:`use_accounts` replaces while the server runs (``supportbot users add``
    needs no restart)."""

    def __init__(self, agents: Iterable[Agent] = ()) -> None:
        self._configured = tuple(agents)
        self._accounts: tuple[Agent, ...] = ()

    @property
    def agents(self) -> tuple[Agent, ...]:
        known = {a.email for a in self._configured}
        return (*self._configured, *(a for a in self._accounts if a.email not in known))

    @classmethod
    def parse(cls, spec: str) -> AgentDirectory:
        """Agents from ``"Maija Virtanen <maija@econocap.com>, pekka@econocap.com"``."""
        agents = []
        for name, email in getaddresses([spec]):
            if "@" in email:
                agents.append(Agent(email=email.strip().lower(), name=name.strip() or email))
        return cls(agents)

    def use_accounts(self, accounts: Iterable[Agent]) -> None:
        """The agents with an account now (the configured ones keep their names)."""
        self._accounts = tuple(accounts)

    def find(self, email: str | None) -> Agent | None:
        if not email:
            return None
        wanted = email.strip().lower()
        return next((a for a in self.agents if a.email == wanted), None)


@dataclass(frozen=True, slots=True)
class DeskRoutes:
    """Where agent-facing deliveries go: every agent surface, or one agent's own.

    A surface is a channel name; the local (terminal) surface has one address per
    agent, a shared surface such as Slack's agents' channel one for everybody.
    """

    directory: AgentDirectory
    surfaces: tuple[str, ...] = ("local",)
    shared: tuple[ReplyAddress, ...] = ()

    @staticmethod
    def personal_address(email: str) -> ReplyAddress:
        return ReplyAddress.of("local", {"agent": email})

    def everyone(self) -> list[ReplyAddress]:
        addresses = list(self.shared)
        if "local" in self.surfaces:
            addresses += [self.personal_address(a.email) for a in self.directory.agents]
        return addresses

    def agent(self, email: str) -> list[ReplyAddress]:
        addresses = list(self.shared)
        if "local" in self.surfaces:
            addresses.append(self.personal_address(email))
        return addresses
