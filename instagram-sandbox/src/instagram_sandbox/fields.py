"""Parser for Graph `fields=` expressions (§5.2).

Grammar::

    fields   := field ("," field)*
    field    := name ("." modifier)* ("{" fields "}")?
    modifier := name "(" args ")"

so `id,children{id},insights.metric(reach,views){name,values},comments.limit(5){replies{text}}`
parses into a tree of `FieldSpec`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from instagram_sandbox.errors import FieldSyntaxError

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@dataclass
class FieldSpec:
    """One requested field: its name, `.modifier(args)` calls and `{sub-fields}`."""

    name: str
    modifiers: dict[str, list[str]] = field(default_factory=dict)
    children: list[FieldSpec] | None = None

    def modifier(self, name: str) -> str | None:
        """The single argument of a modifier such as `.limit(5)`, or None."""
        args = self.modifiers.get(name)
        return args[0] if args else None

    def render(self) -> str:
        """Back to expression form, for `next` URLs of nested edges."""
        text = self.name + "".join(f".{m}({','.join(a)})" for m, a in self.modifiers.items())
        if self.children is not None:
            text += "{" + render_fields(self.children) + "}"
        return text


def render_fields(specs: list[FieldSpec]) -> str:
    """Render a field list back to its expression."""
    return ",".join(spec.render() for spec in specs)


def parse_fields(expression: str) -> list[FieldSpec]:
    """Parse a whole `fields=` value; raise `FieldSyntaxError` with the failing position."""
    parser = _Parser(expression)
    specs = parser.field_list()
    if parser.pos != len(expression):
        parser.fail(f'Expected end of string instead of "{expression[parser.pos]}"')
    return specs


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, detail: str) -> None:
        raise FieldSyntaxError(detail=detail, position=self.pos, expression=self.text)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def field_list(self) -> list[FieldSpec]:
        specs = [self.one_field()]
        while self.peek() == ",":
            self.pos += 1
            if self.peek() in ("", "}"):  # Graph tolerates a trailing comma
                break
            specs.append(self.one_field())
        return specs

    def name(self) -> str:
        while self.peek() == " ":
            self.pos += 1
        start = self.pos
        while self.peek() and self.peek() in _NAME_CHARS:
            self.pos += 1
        if start == self.pos:
            self.fail("Expected a field name")
        return self.text[start : self.pos]

    def one_field(self) -> FieldSpec:
        spec = FieldSpec(self.name())
        while self.peek() == ".":
            self.pos += 1
            modifier = self.name()
            if self.peek() != "(":
                self.fail('Expected "(" after a modifier')
            close = self.text.find(")", self.pos)
            if close < 0:
                self.fail('Expected ")"')
            raw = self.text[self.pos + 1 : close]
            spec.modifiers[modifier] = [a.strip() for a in raw.split(",") if a.strip()]
            self.pos = close + 1
        if self.peek() == "{":
            self.pos += 1
            spec.children = self.field_list()
            if self.peek() != "}":
                self.fail('Expected "}"')
            self.pos += 1
        return spec
