"""Read an importer's input: a local file, or an HTTP(S) URL (an IXP Manager export), bounded."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

from ..errors import InputError, SourceError

MAX_BYTES = 256 * 1024 * 1024  # the largest IX-F exports are a few MB
TIMEOUT = 60


def read_input(source: str) -> tuple[bytes, str]:
    """(bytes, origin shown in notes) of ``source``."""
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": "ixpctl-import",
                                                          "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # only http(s): checked above
                data = response.read(MAX_BYTES + 1)
        except (urllib.error.URLError, OSError, ValueError) as err:
            raise SourceError(f"cannot fetch {source}: {getattr(err, 'reason', err)}",
                              fix="check the URL, or download the file and give its path") from None
        if len(data) > MAX_BYTES:
            raise SourceError(f"{source} is larger than {MAX_BYTES // (1024 * 1024)} MB: not an IX-F export?")
        return data, source
    path = Path(source)
    try:
        return path.read_bytes(), str(path)
    except FileNotFoundError:
        raise InputError.at("file not found", path, fix="give the path of the export") from None
    except OSError as err:
        raise InputError.at(f"cannot read: {err.strerror}", path) from None
