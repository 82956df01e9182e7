#!/usr/bin/env bash
# A campaign's index.html in a real browser: headless Chromium renders it
# (--dump-dom), the matrix has a cell per scenario and protocol, every link
# points at a file of the results folder, and its screenshot shows the
# outcome colours. Exit 77 (ctest SKIP_RETURN_CODE) only if Chromium is
# absent; .ci/run installs it. DAXBREAK_SCREENSHOT=PATH keeps the screenshot.
set -u
source "$(dirname "$0")/../testing/expect.sh"
browser=$(command -v chromium || command -v chromium-browser) || { echo "skip: no chromium"; exit 77; }
cd "$dir"

"$bin" run --scenarios refault,race2018,gup-fast --protocols fixed,modern,no-break,retry-flag --results explore \
  --eta never >explore.txt 2>&1
"$bin" run --mode stress --scenarios collision --protocols fixed,no-break --duration 1s --results stress \
  --eta never >stress.txt 2>&1
chrome() { timeout 120 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$dir/profile" "$@" 2>>chrome.err; }

for run in explore stress; do
  chrome --dump-dom "file://$dir/$run/index.html" >"$run.dom"
  RUN=$run python3 - <<'PY' || { echo "FAIL: $run/index.html as Chromium rendered it"; fail=1; }
import html.parser, json, os
run = os.environ["RUN"]
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.links, self.tds, self.ids, self.in_matrix = [], 0, set(), False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and a.get("class") == "matrix": self.in_matrix = True
        if tag == "td" and self.in_matrix: self.tds += 1
        if tag == "a": self.links.append(a["href"])
        if "id" in a: self.ids.add(a["id"])
    def handle_endtag(self, tag):
        if tag == "table": self.in_matrix = False
p = Page(); p.feed(open(f"{run}.dom").read())
s = json.load(open(f"{run}/summary.json"))
assert p.tds == len(s["config"]["scenarios"]) * len(s["config"]["protocols"]), p.tds
for href in p.links:
    assert href.startswith("#") and href[1:] in p.ids or os.path.isfile(f"{run}/{href}"), href
names = [c["name"] for c in s["cells"]]
assert all(f"cells/{n}.json" in p.links and f"#{n}" in p.links for n in names)
for c in s["cells"]:
    if c["replay"]:
        assert f"findings/{c['name']}.trace.json" in p.links and f"findings/{c['name']}.txt" in p.links, c["name"]
assert any(c["replay"] for c in s["cells"]) or run == "stress"
dom = open(f"{run}.dom").read()
if run == "stress":
    assert "Layout-change latency" in dom or "Longest layout change" in dom
else:
    assert s["skipped"] > 0 and s["passed"] > 0 and f"passed {s['passed']}, failed 0, skipped {s['skipped']}" in dom
print(f"ok: {run}/index.html: {p.tds} matrix cells, {len(p.links)} links, all resolve")
PY
done

# The screenshot shows the colours of passed and skipped cells (PNG decoded
# here: 8-bit RGB or RGBA, not interlaced, as Chromium writes it).
chrome --window-size=1280,900 --screenshot="$dir/shot.png" "file://$dir/explore/index.html" >/dev/null
python3 - "$dir/shot.png" <<'PY' || { echo "FAIL: the screenshot"; cat chrome.err; fail=1; }
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
    if kind == b"IHDR": w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
    if kind == b"IDAT": idat += body
assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype)
bpp = 3 if ctype == 2 else 4; raw = zlib.decompress(idat); stride = w * bpp
prev, colours = bytearray(stride), {}
for y in range(h):
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
        pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
        line[i] = (line[i] + [0, a, b, (a + b) // 2, a if pa <= pb and pa <= pc else b if pb <= pc else c][f]) & 255
    for x in range(0, stride, bpp): colours[bytes(line[x:x + 3])] = colours.get(bytes(line[x:x + 3]), 0) + 1
    prev = line
want = {"passed": b"\xb7\xe4\xb0", "skipped": b"\xdd\xdd\xdd"}
got = {k: colours.get(v, 0) for k, v in want.items()}
assert all(n > 200 for n in got.values()), got
print(f"ok: screenshot {w}x{h}, pixels of each outcome colour: {got}")
PY
[ -z "${DAXBREAK_SCREENSHOT:-}" ] || cp "$dir/shot.png" "$DAXBREAK_SCREENSHOT"

if [ $fail = 0 ]; then echo "html report tests: passed"; else echo "html report tests: FAILED"; fi
exit $fail
