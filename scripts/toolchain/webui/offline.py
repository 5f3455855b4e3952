"""Make a built web UI work with no internet: its fonts from npm packages under /static/fonts/,
its other run-time references to remote hosts pointed at files of the build.

Only the BUILT files are edited (index.html, the bundle's text); the UI's sources are not patched.
Why /static/: Tilt serves files only under /static/ (plus favicon.ico and manifest.json) and answers
every other path with index.html.
"""
from __future__ import annotations

import base64
import hashlib
import html.parser
import json
import posixpath
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

from ..versions import FontPackage, WebBuild

FONTS_DIR = "static/fonts"
FONTS_CSS = f"{FONTS_DIR}/fonts.css"
# Bump when what this module does to a build changes: it is part of the built-assets cache key.
PATCH_VERSION = 1
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
TEXT_SUFFIXES = (".html", ".js", ".css", ".json")


class OfflineError(RuntimeError):
    pass


def is_remote(url: str) -> bool:
    """An absolute (or protocol-relative) URL to a host other than loopback."""
    m = re.match(r"^(?:[a-z][a-z0-9+.-]*:)?//([^/:?#]*|\[[^\]]*\])", url.strip(), re.IGNORECASE)
    return bool(m) and m.group(1).lower() not in LOOPBACK_HOSTS


class _Refs(html.parser.HTMLParser):
    """Every <link href> / <script src> with its start tag's text and position."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str, tuple[int, int]]] = []  # (tag, url, tag text, (line, col))

    def handle_starttag(self, tag, attrs):
        attr = {"link": "href", "script": "src"}.get(tag)
        value = dict(attrs).get(attr) if attr else None
        if value is not None:
            self.refs.append((tag, value, self.get_starttag_text() or "", self.getpos()))

    handle_startendtag = handle_starttag


def page_refs(index_html: str) -> list[tuple[str, str]]:
    """(tag, url) of every <link>/<script> reference in a page."""
    parser = _Refs()
    parser.feed(index_html)
    return [(tag, url) for tag, url, _, _ in parser.refs]


def remote_refs(index_html: str) -> list[str]:
    return [url for _, url in page_refs(index_html) if is_remote(url)]


def point_page_at_local_files(index_html: str, prefetch: list[str]) -> str:
    """Drop every remote <link> (the font CDN's stylesheets), load FONTS_CSS where the first one was,
    and prefetch `prefetch` (files the page needs once the server is gone)."""
    parser = _Refs()
    parser.feed(index_html)
    remote = [(text, pos) for tag, url, text, pos in parser.refs if tag == "link" and is_remote(url)]
    if not remote:
        raise OfflineError("the built index.html loads no remote stylesheet: the font links it was expected "
                           "to have are gone (a new upstream version?); re-check the fonts in versions.toml")
    lines = index_html.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    out, cursor, first = [], 0, True
    for text, (line, col) in remote:
        start = offsets[line - 1] + col
        out.append(index_html[cursor:start])
        if first:
            out.append(f'<link rel="stylesheet" href="/{FONTS_CSS}">')
            out.extend(f'<link rel="prefetch" href="/{p}">' for p in prefetch)
            first = False
        cursor = start + len(text)
    out.append(index_html[cursor:])
    return "".join(out)


def check_integrity(tarball: Path, expected: str) -> None:
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if digest != expected:
        raise OfflineError(f"{tarball.name} has integrity {digest}, versions.toml pins {expected}: "
                           "not using it (re-check the pin with `npm view PACKAGE@VERSION dist.integrity`)")


def npm_pack(font: FontPackage, into: Path, npm: str, log: Path) -> Path:
    """`npm pack` the pinned package (npm checks the registry's integrity; we check the pin)."""
    proc = subprocess.run([npm, "pack", "--json", font.spec], cwd=into, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=600)
    with log.open("a") as fh:
        fh.write(f"\n$ npm pack --json {font.spec}\n{proc.stderr}")
    if proc.returncode != 0:
        raise OfflineError(f"npm pack {font.spec} failed: {_npm_error(proc.stderr)}")
    try:
        filename = json.loads(proc.stdout)[0]["filename"]
    except (ValueError, LookupError, TypeError):
        raise OfflineError(f"npm pack {font.spec} printed no tarball name") from None
    tarball = into / filename.replace("@", "").replace("/", "-")
    if not tarball.is_file():
        tarball = into / filename
    check_integrity(tarball, font.integrity)
    return tarball


def _npm_error(stderr: str) -> str:
    lines = [ln.removeprefix("npm error").removeprefix("npm ERR!").strip() for ln in stderr.splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(("A complete log", "Log files")) and "debug-0.log" not in ln]
    return "; ".join(lines[:3])[:400] or "no output"


def package_dir_name(package: str) -> str:
    return package.lstrip("@").replace("/", "-")


def vendor_font(font: FontPackage, tarball: Path, build: Path) -> str:
    """Copy the package's stylesheets' font files into build/static/fonts/<package>/ and return the
    stylesheets' text with their url()s pointing there (relative to FONTS_CSS). Members are read by
    name; no path from the archive is trusted."""
    base = package_dir_name(font.package)
    css_out = []
    with tarfile.open(tarball) as tar:
        def member(path: str) -> bytes:
            try:
                fh = tar.extractfile(f"package/{path}")
            except KeyError:
                fh = None
            if fh is None:
                raise OfflineError(f"{font.spec} has no file {path} (named in versions.toml or its CSS)")
            return fh.read()

        for css_path in font.css:
            css = member(css_path).decode()

            def local(m: re.Match) -> str:
                url = m.group(2)
                if url.startswith("data:"):
                    return m.group(0)
                if is_remote(url) or url.startswith("/"):
                    raise OfflineError(f"{font.spec} {css_path} references {url}, which is not a file of the package")
                inside = posixpath.normpath(posixpath.join(posixpath.dirname(css_path), url.split("?")[0].split("#")[0]))
                if inside.startswith("../"):
                    raise OfflineError(f"{font.spec} {css_path} references {url}, outside the package")
                dest = build / FONTS_DIR / base / inside
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(member(inside))
                return f'url("{base}/{inside}")'

            css_out.append(f"/* {font.spec} {css_path} */\n" + CSS_URL.sub(local, css))
        try:
            (build / FONTS_DIR / base).mkdir(parents=True, exist_ok=True)
            (build / FONTS_DIR / base / "LICENSE").write_bytes(member("LICENSE"))  # the fonts' licence travels with them
        except OfflineError:
            pass
    return "\n".join(css_out)


def rewrite_text(build: Path, rewrite: tuple[tuple[str, str], ...]) -> None:
    """Replace each `rewrite` text in the built text files; one that matches nothing is an error
    (the build changed: the entry must be re-checked, not silently ignored)."""
    counts = {old: 0 for old, _ in rewrite}
    for path in sorted(build.rglob("*")):
        if not path.is_file() or path.suffix not in TEXT_SUFFIXES:
            continue
        text = path.read_text(errors="surrogateescape")
        new = text
        for old, repl in rewrite:
            counts[old] += new.count(old)
            new = new.replace(old, repl)
        if new != text:
            path.write_text(new, errors="surrogateescape")
    unmatched = [old for old, n in counts.items() if n == 0]
    if unmatched:
        raise OfflineError(f"the built files no longer contain {', '.join(map(repr, unmatched))}: "
                           "re-check [tools.*.go.web].rewrite in versions.toml against the new build")


def add_files(build: Path, add: tuple[tuple[str, str], ...]) -> None:
    for dest, source in add:
        src = build / source
        if not src.is_file():
            raise OfflineError(f"the build has no {source} to copy to {dest} ([tools.*.go.web].add in versions.toml)")
        (build / dest).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, build / dest)


def fetch_fonts(web: WebBuild, scratch: Path, npm: str, log: Path) -> list[tuple[FontPackage, Path]]:
    """The pinned font packages, verified. Done before yarn: one npm request that fails in seconds
    when the registry is unreachable, where yarn would retry each of its ~2,000 downloads."""
    scratch.mkdir(parents=True, exist_ok=True)
    return [(font, npm_pack(font, scratch, npm, log)) for font in web.fonts]


def make_offline(web: WebBuild, build: Path, fonts: list[tuple[FontPackage, Path]]) -> None:
    """Everything this module does to a fresh build, in order; fails if the page still loads any
    remote <link>/<script>."""
    css = [vendor_font(font, tarball, build) for font, tarball in fonts]
    (build / FONTS_CSS).write_text("\n".join(css))
    rewrite_text(build, web.rewrite)
    add_files(build, web.add)
    index = build / "index.html"
    page = point_page_at_local_files(index.read_text(), [dest for dest, _ in web.add])
    left = remote_refs(page)
    if left:
        raise OfflineError(f"the built index.html still loads {', '.join(left)}")
    index.write_text(page)
