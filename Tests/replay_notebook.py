"""Runs a `lesson run --notebook` export's code cells again and compares them with what they hold.

Usage: python3 Tests/replay_notebook.py NOTEBOOK LESSON_BINARY

Validates the file with nbformat, then, from the notebook's folder, runs each code cell's `!lesson ...`
line in a shell (with `lesson` standing for LESSON_BINARY) and compares what it prints with the cell's
stored text output, absolute paths and timings masked, and each picture the cell displays with the
PNG embedded in it. Prints one line per cell; exits 1 on the first difference it reports, 0 when every
cell reproduces.
"""
import base64, difflib, os, re, subprocess, sys

import nbformat

def masked(text):
    text = text.replace("\r\n", "\n")  # Jupyter's `!` runs commands in a pseudo-terminal
    # A path, absolute or relative (the data folder is named from where the run started): segments with
    # a letter, joined by slashes; "3511/10000" and "λ/m" are not paths and stay.
    text = re.sub(r"(?<![\w/])/?(?:[\w.-]*[A-Za-z][\w.-]*/)+[\w.-]*", "<path>", text)
    return re.sub(r"\b\d+(\.\d+)?\s?(s|ms|µs)\b", "<time>", text)

def main():
    path, binary = sys.argv[1], os.path.abspath(sys.argv[2])
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    folder = os.path.dirname(os.path.abspath(path))
    cells = [c for c in nb.cells if c.cell_type == "code"]
    failures = 0
    for cell in cells:
        lines = cell.source.split("\n")
        commands = [l[1:] for l in lines if l.startswith("!")]
        if len(commands) != 1 or not commands[0].startswith("lesson run "):
            print(f"cell without one `!lesson run` line: {cell.source!r}")
            failures += 1
            continue
        stored = "".join(o.text for o in cell.outputs if o.output_type == "stream")
        run = subprocess.run(["bash", "-c", 'lesson() { "$LESSON_BINARY" "$@"; }; ' + commands[0]], cwd=folder,
                             capture_output=True, text=True, env=dict(os.environ, LESSON_BINARY=binary), timeout=600)
        text_same = run.returncode == 0 and masked(run.stdout) == masked(stored)
        shown = re.findall(r'Image\(filename="([^"]+)"\)', cell.source)
        embedded = [base64.b64decode(o.data["image/png"]) for o in cell.outputs if o.output_type == "display_data"]
        pictures_same = len(shown) == len(embedded) and all(
            os.path.exists(os.path.join(folder, f)) and open(os.path.join(folder, f), "rb").read() == png
            for f, png in zip(shown, embedded))
        print(("same   " if text_same and pictures_same else "DIFFERS ") + commands[0])
        if not text_same:
            failures += 1
            diff = difflib.unified_diff(masked(stored).splitlines(True), masked(run.stdout).splitlines(True), "stored", "printed")
            sys.stdout.write("".join(list(diff)[:40]) + run.stderr[-2000:])
        elif not pictures_same:
            failures += 1
            print(f"  pictures: the cell shows {shown}, it embeds {len(embedded)}, and they are not the same bytes")
    print(f"{len(cells) - failures} of {len(cells)} cells reproduce")
    sys.exit(1 if failures else 0)

main()
