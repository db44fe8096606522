"""MD5 session secrets: what BIRD 2 and Linux accept, and the one mask for everything ixpctl shows.

What was measured on BIRD 2.0.12 (Debian) with two daemons in a network namespace:

* BIRD's lexer takes every byte of a ``"..."`` string except ``"`` and a newline, so a UTF-8 secret
  such as ``pässwörd€42`` parses with ``bird -p`` and reaches the kernel byte for byte; two BIRDs
  with that secret bring their TCP-MD5 session up. Secrets are therefore rendered exactly, never
  transliterated (``password42`` is a different key: the session would never come up).
* Linux keys are at most 80 bytes (``TCP_MD5SIG_MAXKEYLEN``). BIRD does not check that at parse
  time: an 82-byte key passes ``bird -p`` and the session fails later with "Kernel MD5 auth
  failed". The limit is checked here, in bytes of UTF-8, not in characters.
* Quotes end the string; backslashes change meaning between BIRD versions; control characters are
  invisible in reviews. All three are refused.

A bad secret is the operator's input (the inventory's reference, the file or variable it names), so
it is an InputError (exit 2), like any other malformed input, not a failed build (exit 4).

``mask_secrets`` is the single place that hides secrets in text going to a human or a log: dry-run
diffs, ``--json`` output, onboarding previews, error messages that quote BIRD's config.
"""

from __future__ import annotations

import re

from ..errors import InputError

MASK = "********"
MAX_KEY_BYTES = 80  # Linux TCP_MD5SIG_MAXKEYLEN
_FORBIDDEN = re.compile(r'["\\\x00-\x1f\x7f]')
# `password "..."` in any BIRD block (BGP, and the password lists of OSPF/RIP/BFD); the string
# pattern also covers `\"` escapes in case a hand-written running config uses them.
_PASSWORD = re.compile(r'(\bpassword\s+)"(?:[^"\\\n]|\\.)*"')


class Md5Secret(str):
    """A checked secret: the renderer writes it byte for byte (see ``bird_string``)."""

    __slots__ = ()


def check_md5_secret(secret: str, *, where: str, source: str) -> Md5Secret:
    """``secret`` as an Md5Secret, or InputError naming ``where`` (member/session) and ``source``."""
    fix_source = f"change the secret in {source} (and give the member the same one)"
    try:
        size = len(secret.encode("utf-8"))
    except UnicodeEncodeError:  # undecodable bytes in an environment variable
        raise InputError(f"MD5 secret for {where} ({source}) is not valid UTF-8",
                         fix=fix_source) from None
    if _FORBIDDEN.search(secret):
        raise InputError(f"MD5 secret for {where} ({source}) contains quotes, backslashes or control characters",
                         fix=f"{fix_source}: printable characters without \" or \\")
    if size > MAX_KEY_BYTES:
        raise InputError(f"MD5 secret for {where} ({source}) is {size} bytes in UTF-8; Linux TCP-MD5 keys are "
                         f"at most {MAX_KEY_BYTES} bytes (BIRD would accept it and the session would never come up)",
                         fix=f"{fix_source}: at most {MAX_KEY_BYTES} bytes (non-ASCII characters take 2-4 each)")
    return Md5Secret(secret)


def mask_secrets(text: str) -> str:
    """``text`` with every ``password "..."`` replaced by ``password "********"``."""
    return _PASSWORD.sub(rf'\1"{MASK}"', text) if "password" in text else text
