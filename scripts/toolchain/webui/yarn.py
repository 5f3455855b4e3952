"""Run the yarn a module bundles (its .yarnrc.yml `yarnPath`) with our Node, configured like npm.

Yarn 4 reads none of npm's configuration (.npmrc, `npm config`): left alone it would fetch from its
own default registry with Node's default CA set and no proxy, which is not how this machine (or a
developer's behind a corporate proxy) reaches the npm registry. So the registry, CA file, TLS
strictness and proxies npm uses are passed to yarn as its YARN_* environment settings.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# `yarnPath: .yarn/releases/yarn-4.9.3.cjs` — the one key we need from .yarnrc.yml; a regex rather
# than a YAML dependency (the toolchain is standard-library only: it runs before any venv exists).
YARN_PATH = re.compile(r"^yarnPath:\s*[\"']?([^\"'#\s]+)", re.MULTILINE)
NPM_KEYS = ("registry", "cafile", "strict-ssl", "proxy", "https-proxy")
UNSET = ("", "null", "undefined")


class YarnError(RuntimeError):
    pass


def bundled_yarn(web_dir: Path) -> Path:
    rc = web_dir / ".yarnrc.yml"
    try:
        found = YARN_PATH.search(rc.read_text())
    except OSError:
        found = None
    if not found:
        raise YarnError(f"{rc} names no yarnPath (the yarn release the module bundles)")
    yarn = (web_dir / found.group(1)).resolve()
    if not yarn.is_relative_to(web_dir.resolve()) or not yarn.is_file():
        raise YarnError(f"{rc} names yarnPath {found.group(1)}, which is not a file inside {web_dir}")
    return yarn


def npm_config(npm: str | None = None) -> dict[str, str]:
    """npm's effective settings (its config files and npm_config_* env), unset keys left out."""
    npm = npm or shutil.which("npm")
    if not npm:
        raise YarnError("npm is not on PATH, so the npm registry settings yarn needs are unknown "
                        "(Debian: apt-get install npm)")
    try:
        proc = subprocess.run([npm, "config", "get", *NPM_KEYS], capture_output=True, text=True, timeout=60,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise YarnError(f"`npm config get` could not run: {exc}") from None
    if proc.returncode != 0:
        raise YarnError(f"`npm config get {' '.join(NPM_KEYS)}` failed: {proc.stderr.strip()[-300:]}")
    out = {}
    for line in proc.stdout.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in NPM_KEYS and value.strip() not in UNSET:
            out[key.strip()] = value.strip()
    return out


def yarn_env(npm: dict[str, str], environ: dict[str, str], cache_folder: Path) -> dict[str, str]:
    """The YARN_* settings equivalent to npm's, plus a private download cache and no telemetry."""
    env = {
        # npm's default registry when npm has none configured (yarn's default is another host).
        "YARN_NPM_REGISTRY_SERVER": npm.get("registry", "https://registry.npmjs.org/").rstrip("/"),
        "YARN_ENABLE_STRICT_SSL": "false" if npm.get("strict-ssl") == "false" else "true",
        # The download cache lives (and dies) with the temporary copy: only the built assets are kept.
        "YARN_ENABLE_GLOBAL_CACHE": "false",
        "YARN_CACHE_FOLDER": str(cache_folder),
        "YARN_ENABLE_TELEMETRY": "0",
        # Plain lines in the log file.
        "YARN_ENABLE_PROGRESS_BARS": "false",
        "YARN_ENABLE_COLORS": "false",
        "YARN_ENABLE_HYPERLINKS": "false",
    }
    # npm's cafile replaces Node's CA set, exactly as yarn's httpsCaFilePath does. Without one,
    # NODE_EXTRA_CA_CERTS (inherited by Node) applies to both.
    if npm.get("cafile"):
        env["YARN_HTTPS_CA_FILE_PATH"] = npm["cafile"]
    # npm honours HTTPS_PROXY/HTTP_PROXY (any case) when its own proxy settings are unset; yarn does not.
    https_proxy = npm.get("https-proxy") or _env(environ, "HTTPS_PROXY") or npm.get("proxy") or _env(environ, "HTTP_PROXY")
    http_proxy = npm.get("proxy") or _env(environ, "HTTP_PROXY")
    if https_proxy:
        env["YARN_HTTPS_PROXY"] = https_proxy
    if http_proxy:
        env["YARN_HTTP_PROXY"] = http_proxy
    return env


def _env(environ: dict[str, str], name: str) -> str | None:
    return environ.get(name) or environ.get(name.lower()) or None


def redacted(env: dict[str, str]) -> str:
    """The settings for a log line, with any password in a proxy URL hidden."""
    return " ".join(f"{k}={_hide_password(v)}" for k, v in sorted(env.items()))


def _hide_password(value: str) -> str:
    parts = urlsplit(value)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return value


def run_environment(node: Path, settings: dict[str, str], environ: dict[str, str] | None = None) -> dict[str, str]:
    """The process environment for yarn: our Node first on PATH (react-scripts spawns `node`), the
    settings above, and no YARN_* / npm_config_* from the caller's shell that could contradict them."""
    base = {k: v for k, v in (environ if environ is not None else os.environ).items()
            if not k.startswith(("YARN_", "npm_config_", "COREPACK_"))}
    base["PATH"] = f"{node.parent}{os.pathsep}{base.get('PATH', '')}"
    return {**base, **settings}


NETWORK_ERRORS = re.compile(r"(ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|"
                            r"socket hang up|self[- ]signed certificate|unable to (?:get|verify) (?:local )?"
                            r"(?:issuer )?certificate|CERT_|Request timed out|getaddrinfo)", re.IGNORECASE)


def network_error(log_text: str) -> str | None:
    """Yarn's line saying the registry could not be reached (DNS, refused, TLS, timeout), if any."""
    for line in log_text.splitlines():
        if NETWORK_ERRORS.search(line):
            return line.strip().removeprefix("➤").strip()[:300]
    return None
