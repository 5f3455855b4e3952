"""Fakes for the slow parts of the web-UI build: a module with a web/ dir whose bundled "yarn" is run
by a fake `node` (a shell script acting as yarn install / yarn build), a fake `npm` (config get,
pack of a small font package), and an installer that hands out that node."""
from __future__ import annotations

import base64
import dataclasses
import hashlib
from pathlib import Path

from toolchain_helpers import REPO, tarball
from scripts.toolchain import versions
from scripts.toolchain.versions import FontPackage

PINS = versions.load(REPO / "scripts" / "versions.toml")

BUILT_INDEX = ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
               '<link id="favicon" rel="shortcut icon" href="/favicon.ico">'
               '<link href="https://fonts.googleapis.com/css?family=Inconsolata:400,700|Montserrat:400,600" rel="stylesheet">'
               '<link rel="stylesheet" href="https://fonts.googleapis.com/icon?family=Material+Icons"/>'
               '<title>Tilt</title><script defer="defer" src="/static/js/main.abc123.js"></script>'
               '<link href="/static/css/main.def.css" rel="stylesheet"></head><body><div id="root"></div></body></html>')
BUNDLE = 'const ze="https://tilt.dev/assets";function f(e,t){return"".concat(ze,"/").concat(e,"/").concat(t)}'

# The fake node: argv = [yarn.cjs, command...]. It records every call with the YARN_* settings it got,
# then behaves like yarn install (node_modules) / yarn build (build/), or fails as FAKE_FAIL says.
FAKE_NODE = r"""#!/bin/sh
calls="$(dirname "$0")/calls.log"
echo "$2 $3 registry=$YARN_NPM_REGISTRY_SERVER ca=$YARN_HTTPS_CA_FILE_PATH proxy=$YARN_HTTPS_PROXY telemetry=$YARN_ENABLE_TELEMETRY global=$YARN_ENABLE_GLOBAL_CACHE sourcemap=$GENERATE_SOURCEMAP node=$(command -v node) pwd=$PWD" >> "$calls"
fail="$(cat "$(dirname "$0")/fail" 2>/dev/null)"
case "$2" in
  --version) echo v22.23.3 ;;
  install)
    if [ "$fail" = network ]; then echo "YN0001: │ RequestError: connect ECONNREFUSED 127.0.0.1:9"; exit 1; fi
    mkdir -p node_modules/react && echo x > node_modules/react/index.js ;;
  build)
    if [ "$fail" = build ]; then echo "Failed to compile."; echo "TS2304: Cannot find name 'x'."; exit 1; fi
    mkdir -p build/static/js build/static/ico
    cp "$(dirname "$0")/index.html" build/index.html
    cp "$(dirname "$0")/bundle.js" build/static/js/main.abc123.js
    echo gray > build/static/ico/favicon-gray.ico ;;
esac
"""

FAKE_NPM = r"""#!/bin/sh
here="$(dirname "$0")"
case "$1" in
  config) printf 'registry=https://registry.example.test/\ncafile=/etc/example-ca.pem\nstrict-ssl=true\nproxy=null\nhttps-proxy=null\n' ;;
  pack)
    if [ -f "$here/npm-fail" ]; then echo "npm error code ECONNREFUSED" >&2; echo "npm error network request failed" >&2; exit 1; fi
    cp "$here/fakefont-1.0.0.tgz" . && echo '[{"filename": "fakefont-1.0.0.tgz"}]' ;;
esac
"""


def font_tarball() -> bytes:
    css = ("@font-face { font-family: 'Fake'; src: url(./files/fake-400.woff2) format('woff2'), "
           "url(\"./files/fake-400.woff\") format('woff'); }\n.fake { content: url(data:image/png;base64,AAAA); }\n")
    return tarball({"package/400.css": css.encode(), "package/files/fake-400.woff2": b"WOFF2",
                    "package/files/fake-400.woff": b"WOFF", "package/LICENSE": b"OFL"})


def integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


@dataclasses.dataclass
class Fakes:
    root: Path
    module: Path  # the "module cache" dir of the tool
    bin: Path  # fake node and npm
    tool: versions.Tool

    @property
    def calls(self) -> list[str]:
        log = self.bin / "calls.log"
        return log.read_text().splitlines() if log.exists() else []

    def fail(self, how: str) -> None:
        (self.bin / "fail").write_text(how)


def make_fakes(root: Path, *, font_integrity: str | None = None) -> Fakes:
    module = root / "modcache" / "tool@v0.37.1"
    web = module / "web"
    (web / ".yarn" / "releases").mkdir(parents=True)
    (web / "package.json").write_text('{"name": "ui"}')
    (web / "yarn.lock").write_text("# lock v1\n")
    (web / ".yarnrc.yml").write_text("nodeLinker: node-modules\n\nyarnPath: .yarn/releases/yarn-9.9.9.cjs\n")
    (web / ".yarn" / "releases" / "yarn-9.9.9.cjs").write_text("// the bundled yarn\n")
    (module / "pkg" / "assets" / "build").mkdir(parents=True)
    (module / "pkg" / "assets" / "build" / "robots.txt").write_text("upstream")
    bin_dir = root / "fakebin"
    bin_dir.mkdir()
    for name, text in (("node", FAKE_NODE), ("npm", FAKE_NPM)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    (bin_dir / "index.html").write_text(BUILT_INDEX)
    (bin_dir / "bundle.js").write_text(BUNDLE)
    font = font_tarball()
    (bin_dir / "fakefont-1.0.0.tgz").write_bytes(font)
    tilt = PINS.tool("tilt")
    web_spec = dataclasses.replace(
        tilt.go.web, fonts=(FontPackage("fakefont", "1.0.0", font_integrity or integrity(font), ("400.css",)),))
    tool = dataclasses.replace(tilt, go=dataclasses.replace(tilt.go, web=web_spec))
    return Fakes(root, module, bin_dir, tool)


class FakeInstaller:
    """Hands out the fake node as the node tool (or fails like a node install that could not run)."""

    def __init__(self, node: Path | None, error: Exception | None = None):
        self.node, self.error, self.asked = node, error, []

    def ensure(self, tool):
        self.asked.append(tool.name)
        if self.error:
            raise self.error
        node = self.node

        class Made:
            reported_version = "22.23.3"

            def binary(self, name):
                return node
        return Made()
