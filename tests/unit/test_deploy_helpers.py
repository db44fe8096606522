"""The pure parts of deploy: secret masking and checking, BIRD's -c from its command line, the
session count of a config."""

from __future__ import annotations

import pytest

from ixpctl.deploy.daemon import DaemonProcess
from ixpctl.deploy.manifest import count_sessions
from ixpctl.errors import InputError
from ixpctl.render.bird import bird_string
from ixpctl.render.secrets import check_md5_secret, mask_secrets


def test_mask_secrets_hides_every_password_string():
    text = ('protocol bgp a { password "s3cr3t"; }\n  password "pässwörd€42";\n'
            'password "with \\" quote" { id 1; };\n# password is configured\nauthentication "x";\n')
    masked = mask_secrets(text)
    for secret in ("s3cr3t", "pässwörd€42", "quote"):
        assert secret not in masked
    assert masked.count('password "********"') == 3 and "# password is configured" in masked


def test_md5_secret_is_rendered_byte_for_byte():
    secret = check_md5_secret("pässwörd€42", where="AS64501 session AS64501_1_v4", source="env X")
    assert bird_string(secret) == "pässwörd€42"
    # ordinary text keeps its UTF-8 (BIRD strings carry it) but loses what would break the line
    assert bird_string("pässwörd€42") == "pässwörd€42"
    assert bird_string('a\tb\u2028c"d\\e') == "a b c'd/e"


@pytest.mark.parametrize(("secret", "why"), [("é" * 41, "82 bytes in UTF-8"), ('a"b', "quotes"),
                                             ("a\\b", "backslashes"), ("a\tb", "control characters"),
                                             ("bad\udce4", "not valid UTF-8")])
def test_md5_secret_refusals_name_member_session_and_source(secret, why):
    with pytest.raises(InputError) as exc:
        check_md5_secret(secret, where="AS64501 session AS64501_1_v4", source="environment variable MD5_M1")
    assert "AS64501 session AS64501_1_v4 (environment variable MD5_M1)" in exc.value.message
    assert why in exc.value.message and exc.value.fix


@pytest.mark.parametrize(("argv", "cwd", "config"), [
    (["bird", "-f", "-c", "/etc/bird/rs.conf", "-s", "/run/x.ctl"], "/", "/etc/bird/rs.conf"),
    (["bird", "-c/etc/bird/rs.conf"], "/", "/etc/bird/rs.conf"),
    (["bird", "-fc", "rs.conf"], "/srv/bird", "/srv/bird/rs.conf"),
    (["bird", "-s", "-c", "-u", "bird"], "/", "/etc/bird/bird.conf"),  # "-c" is -s's value here
    (["/usr/sbin/bird", "-u", "bird", "-g", "bird"], "/", "/etc/bird/bird.conf"),
    (["bird", "-l"], "/var/lib/bird", "/var/lib/bird/bird.conf"),
    (["bird", "-l", "-c", "../x.conf"], "/var/lib/bird", "/var/lib/x.conf"),
    # a BIRD of another Debian release started through its private root's loader (bird-versions.sh)
    (["/r/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "--library-path", "/r/usr/lib/x86_64-linux-gnu:/r/lib",
      "/r/usr/sbin/bird", "-f", "-c", "rs.conf", "-s", "/run/x.ctl"], "/srv", "/srv/rs.conf"),
    (["/lib64/ld-linux-x86-64.so.2", "--inhibit-cache", "--argv0", "bird", "/r/bird", "-l"], "/v", "/v/bird.conf"),
])
def test_config_file_bird_reads_from_its_command_line(argv, cwd, config):
    assert DaemonProcess(1, cwd, argv).config_path == config


def test_count_sessions_counts_protocol_blocks_only():
    config = (b"template bgp rs_client {\n}\n# protocol bgp commented {\nprotocol bgp AS1_1_v4 from rs_client {\n}\n"
              b"  protocol bgp AS1_1_v6 from rs_client {\n}\nprotocol static s { }\n")
    assert count_sessions(config) == 2
