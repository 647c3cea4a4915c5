"""Help that reads as command-line help: ``--output FILE``, ``PATH...``, flags without a type.

Typer prints every parameter's Python type (``<bool>``, ``<list[Path]>``) and wraps required
arguments in braces (``{PATH...}``). Once the commands are built, each option gets a metavar that
names what it takes, and each argument one that names it (an argument's class is swapped for a
subclass that prints its name and nothing else).
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer.core import TyperArgument, TyperOption

__all__ = ["readable_help"]

_BY_TYPE = {"path": "FILE", "str": "TEXT", "int": "N", "float": "NUMBER"}


class _NamedArgument(TyperArgument):
    """An argument shown by its metavar alone, in the usage line and in the list."""

    def display_type_rich(self, ctx: Any) -> str | None:  # type: ignore[override]
        return None

    def _usage_display_name(self) -> str:
        return self.display_name_raw

    def _rich_display_name(self) -> str:
        return self.display_name_raw


def readable_help(command: Any) -> Any:
    """Give every parameter of ``command`` and its sub-commands a readable metavar; returns it."""
    context = typer.Context(command)
    for param in command.params:
        if isinstance(param, TyperOption) and param.metavar is None:
            if param.is_flag or param.count:
                param.metavar = ""
            else:
                param.metavar = _metavar_of(param, context)
        elif isinstance(param, TyperArgument):
            name = param.metavar or (param.name or "").upper()
            if param.nargs != 1 and not name.endswith("..."):
                name += "..."
            param.metavar = name
            param.__class__ = _NamedArgument
    help_option = command.get_help_option(context)  # made by the command, not among its params
    if help_option is not None:
        help_option.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        readable_help(sub)
    return command


def _metavar_of(option: TyperOption, context: Any) -> str:
    shown = option.display_type(context)
    inner = re.sub(r"^<(.*)>$", r"\1", shown or "")
    if "|" in inner:
        return inner.upper() if inner.isalpha() else inner
    return _BY_TYPE.get(inner.lower(), inner.upper() or "VALUE")
