"""contrib/nginx/ixpctl-serve.conf checked by Debian's real nginx: `nginx -t` accepts it inside a
minimal wrapper (no daemon, pid and logs in the test's directory), then nginx runs it on 127.0.0.1
in front of a real `ixpctl serve` process and pages are fetched through it over TLS. The only
changes made to the example: its listen addresses and ports (127.0.0.1:<free ports>), its
certificate (a self-signed one made here) and the upstream port — every directive is nginx's own
reading of the shipped file. Both processes are stopped by PID."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import REPO
from tests.support.serve import free_port
from tests.support.serve_proc import serve_process

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("nginx") is None, reason="needs nginx (make test installs it)"),
              pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")]

NGINX = REPO / "contrib" / "nginx" / "ixpctl-serve.conf"


def _nginx() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def _wrapper(tmp: Path, upstream: int, http: int, https: int) -> Path:
    key, cert = tmp / "key.pem", tmp / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=lg.example.net", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    site = NGINX.read_text()
    site = site.replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{upstream};")
    site = re.sub(r"listen \[::\]:\d+[^;]*;\n", "", site)  # the test binds 127.0.0.1 only
    site = re.sub(r"listen 80;", f"listen 127.0.0.1:{http};", site)
    site = re.sub(r"listen 443 ssl", f"listen 127.0.0.1:{https} ssl", site)
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    (tmp / "site.conf").write_text(site)
    temp = tmp / "temp"
    temp.mkdir()
    conf = tmp / "nginx.conf"
    conf.write_text(f"""daemon off;
master_process on;
worker_processes 1;
pid {tmp / 'nginx.pid'};
error_log {tmp / 'error.log'} warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {tmp / 'site.conf'};
}}
""")
    return conf


def _nginx_argv(tmp: Path, conf: Path, *extra: str) -> list[str]:
    return [_nginx(), "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf), *extra]


def test_nginx_accepts_the_example(tmp_path):
    conf = _wrapper(tmp_path, free_port(), free_port(), free_port())
    done = subprocess.run(_nginx_argv(tmp_path, conf, "-t"), check=False, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr


def test_a_page_through_nginx_in_front_of_ixpctl_serve(tmp_path):
    with serve_process(tmp_path, "--trust-proxy", "127.0.0.1") as (_, base):
        upstream = int(base.rsplit(":", 1)[1])
        http, https = free_port(), free_port()
        conf = _wrapper(tmp_path, upstream, http, https)
        nginx = subprocess.Popen(_nginx_argv(tmp_path, conf), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 start_new_session=True)
        try:
            front = f"https://127.0.0.1:{https}"
            deadline = time.monotonic() + 20
            while True:
                try:
                    page = httpx.get(front + "/?lang=en", verify=False, timeout=5)
                    break
                except httpx.HTTPError:
                    if nginx.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError(f"nginx did not answer: {(tmp_path / 'error.log').read_text()}") from None
                    time.sleep(0.2)
            assert page.status_code == 200 and "MLIX" in page.text
            # ixpctl serve's own headers come through; nginx adds HSTS
            assert "default-src 'none'" in page.headers["content-security-policy"]
            assert page.headers["strict-transport-security"].startswith("max-age=")
            api = httpx.get(front + "/api/v1/check", params={"asn": "64496", "prefix": "10.0.0.0/8"},
                            verify=False, timeout=10).json()
            assert api["results"][0]["verdict"] == "rejected"
            assert httpx.get(front + "/metrics", verify=False, timeout=10).text.startswith("# HELP")  # from 127.0.0.1
            assert httpx.request("DELETE", front + "/", verify=False, timeout=5).status_code == 403  # limit_except
            redirect = httpx.get(f"http://127.0.0.1:{http}/lg", timeout=5)
            assert redirect.status_code == 301 and redirect.headers["location"].startswith("https://")
        finally:
            os.kill(nginx.pid, signal.SIGQUIT)  # graceful stop of the master (and its worker) by PID
            try:
                nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(nginx.pid, signal.SIGKILL)
                nginx.wait(timeout=10)
