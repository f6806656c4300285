"""Keep the Chinese catalog in step with the code, with Babel (the commands a translator would run).

    python scripts/i18n.py update            extract → i18n/messages.pot, update the .po (obsolete
                                             entries dropped), compile the .mo
    python scripts/i18n.py compile           compile the .po into the .mo the app reads
    python scripts/i18n.py todo [FILES...]   the untranslated messages (of FILES, or of the whole app),
                                             as a JSON object {English: ""} to fill in
    python scripts/i18n.py merge FILE.json   put filled-in translations into the .po and compile it
    python scripts/i18n.py check             exit 1 if a message lacks a translation or an entry is unused

The first two are exactly ``pybabel extract/update/compile`` with this project's paths; translators who
use Poedit or Weblate edit ``i18n/locales/zh_CN/LC_MESSAGES/messages.po`` and run ``compile``.
"""

from __future__ import annotations

import fcntl
import io
import json
import sys
import tempfile
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
# where the app's texts are: its own, and the sentences of nnlib.digits' errors a student can cause
# (ExplainedError templates, translated where the app shows them)
SOURCES = ("app.py", "pages", "ui", "services", "lessons", "i18n", "nnlib/digits/images.py",
           "nnlib/digits/reading.py")
POT = ROOT / "i18n" / "messages.pot"
LOCALES = ROOT / "i18n" / "locales"
PO = LOCALES / "zh_CN" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


def source_files(paths: Iterable[str] = SOURCES) -> list[Path]:
    """The Python files under ``paths`` (relative to the project's root), sorted."""
    files: list[Path] = []
    for name in paths:
        path = (ROOT / name).resolve()
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def extracted(paths: Iterable[str] = SOURCES) -> dict[tuple[str | tuple[str, ...], str | None], list[str]]:
    """Every message in the code: (msgid or (singular, plural), context) → ["file:line", ...]."""
    found: dict = {}
    for file in source_files(paths):
        for line, message, _comments, context in extract_from_file("python", str(file), keywords=DEFAULT_KEYWORDS):
            key = (message if isinstance(message, str) else tuple(message), context)
            found.setdefault(key, []).append(f"{file.relative_to(ROOT)}:{line}")
    return found


def read_catalog(path: Path = PO) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale="zh_CN", domain="messages")


def _write(catalog: Catalog) -> None:
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, sort_output=False, include_previous=False)
    PO.write_bytes(buffer.getvalue())
    compile_mo(catalog)


def compile_mo(catalog: Catalog | None = None) -> None:
    """Write the .mo the app reads (untranslated and fuzzy entries are left out, as pybabel compile does)."""
    catalog = catalog or read_catalog()
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    MO.write_bytes(buffer.getvalue())


@contextmanager
def _locked():
    """One writer of the .po at a time (several people, or helpers, may merge at once)."""
    with open(Path(tempfile.gettempdir()) / "dl3-messages-po.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def key_text(key) -> str:
    """A message's key as the JSON files and reports write it: the English text (after "context\\x04")."""
    message, context = key
    text = message if isinstance(message, str) else message[0]
    return f"{context}\u0004{text}" if context else text


def untranslated(paths: Iterable[str] = SOURCES) -> dict[str, str]:
    catalog = read_catalog()
    todo = {}
    for key in extracted(paths):
        message, context = key
        entry = catalog.get(message if isinstance(message, str) else message[0], context=context)
        strings = entry.string if entry is not None else ""
        done = entry is not None and not entry.fuzzy and (all(strings) if isinstance(strings, tuple) else strings)
        if not done:
            todo[key_text(key)] = ""
    return todo


def merge(files: Iterable[str]) -> int:
    """Add the filled-in translations of JSON files {English: Chinese} to the .po; return how many."""
    translations: dict[str, str] = {}
    for name in files:
        translations.update({k: v for k, v in json.loads(Path(name).read_text(encoding="utf-8")).items() if v})
    known = {key_text(key): key for key in extracted()}
    with _locked():
        catalog = read_catalog()
        added = 0
        for text, chinese in translations.items():
            key = known.get(text)
            if key is None:
                print(f"not in the code (skipped): {text[:70]!r}", file=sys.stderr)
                continue
            message, context = key
            string = chinese if isinstance(message, str) else (chinese,)  # Chinese has one plural form
            entry = catalog.get(message if isinstance(message, str) else message[0], context=context)
            if entry is None:
                catalog.add(message, string, context=context, locations=())
            else:  # Catalog.add would keep the old translation
                entry.string, entry.flags = string, entry.flags - {"fuzzy"}
            added += 1
        _write(catalog)
    return added


def update() -> None:
    """pybabel extract, update (dropping obsolete entries) and compile, with this project's paths."""
    cli = CommandLineInterface()
    cli.run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "--no-location", "--sort-output",
             "--project", "Deep Learning in Three Steps", "-o", str(POT),
             *(str(ROOT / p) for p in SOURCES)])
    cli.run(["pybabel", "-q", "update", "-i", str(POT), "-d", str(LOCALES), "-D", "messages", "-l", "zh_CN",
             "--ignore-obsolete", "--no-fuzzy-matching", "-w", "100"])
    compile_mo()


def check() -> list[str]:
    """What is wrong with the catalog: untranslated or fuzzy messages, entries no code uses."""
    problems = [f"untranslated: {text[:80]!r}" for text in untranslated()]
    used = {key_text(key) for key in extracted()}
    for entry in read_catalog():
        if entry.id and key_text((entry.id, entry.context)) not in used:
            problems.append(f"unused entry: {key_text((entry.id, entry.context))[:80]!r}")
    return problems


def main(argv: list[str]) -> int:
    command, *rest = argv or ["check"]
    if command == "update":
        update()
    elif command == "compile":
        compile_mo()
    elif command == "todo":
        paths = [str(Path(p).resolve().relative_to(ROOT)) for p in rest] or SOURCES
        print(json.dumps(untranslated(paths), ensure_ascii=False, indent=1))
    elif command == "merge":
        print(f"{merge(rest)} translations merged into {PO.relative_to(ROOT)}")
    elif command == "check":
        problems = check()
        print("\n".join(problems) or "the catalog is complete and every entry is used")
        return 1 if problems else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
