"""Machine-readable rules inside HQ's protocol library.

HQ publishes precedence rules and gift limits as ordinary protocol references, so
they travel, version, sync and stay HQ's alone exactly as every other reference does.
The part the application reads is one fenced block of JSON opened with ```rules in
the reference's body; the prose around it is what an officer reads. A block that
does not parse is refused when the reference is saved, so a station never meets one.
"""

from __future__ import annotations

import json
import re
from typing import Any

from liaison_desk.core.errors import ValidationError

_BLOCK = re.compile(r"^```rules[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def rules_of(body: str) -> dict[str, Any] | None:
    """The reference's rules as a JSON object, or None when it carries no ```rules block."""
    blocks = _BLOCK.findall(body)
    if not blocks:
        return None
    if len(blocks) > 1:
        raise ValidationError("A protocol reference may carry one ```rules block, not several.")
    try:
        rules = json.loads(blocks[0])
    except json.JSONDecodeError as exc:
        line = body[: body.index(blocks[0])].count("\n") + exc.lineno
        raise ValidationError(
            f"The ```rules block of this reference is not valid JSON at line {line}: {exc.msg}."
        ) from None
    if not isinstance(rules, dict):
        raise ValidationError("The ```rules block of this reference must hold a JSON object.")
    return rules
