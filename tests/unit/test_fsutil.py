"""Chunked writing of large generated files (route-server configs of 40+ MB)."""

from __future__ import annotations

from ixpctl.base.fsutil import _CHUNK, write_text_chunked


def test_chunked_write_is_byte_exact_across_chunk_boundaries(tmp_path):
    # several chunks, multi-byte characters straddling the boundaries, a short last chunk
    text = ("route 192.0.2.0/24 max 24 as 64496; # Ségou — Tombouctou\n" * (3 * _CHUNK // 50)) + "fin é"
    path = tmp_path / "rs1.conf"
    written = write_text_chunked(path, text)
    assert path.read_bytes() == text.encode("utf-8")
    assert written == len(text.encode("utf-8"))


def test_empty_text_makes_an_empty_file(tmp_path):
    assert write_text_chunked(tmp_path / "empty", "") == 0
    assert (tmp_path / "empty").read_bytes() == b""
