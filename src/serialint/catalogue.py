"""The rule catalogue: ``rules/*.toml`` at the repository root, shipped as ``serialint/catalogue``."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from serialint.findings import Severity

# Where the project is published: the rule pages are docs/rules/<CODE>.md of its repository.
# The language server's diagnostic links, SARIF's helpUri and the json `url` all come from here.
HOMEPAGE = "https://github.com/serialint/serialint"
DOCS_URL = f"{HOMEPAGE}/blob/main/docs/rules/{{code}}.md"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@dataclass(frozen=True)
class RuleDoc:
    code: str
    name: str
    kind: str  # "rule" (a module in serialint.rules) or "diagnostic" (the engine's SER000)
    severity: Severity
    summary: str
    what_it_does: str
    why_bad: str
    keras_error_k3: str
    keras_error_k2: str
    example: str
    use_instead: str
    fix: str
    fix_safety: str
    keras_versions: tuple[str, ...]
    references: tuple[str, ...]
    fix_safety_note: str = ""  # why the fix has that safety (optional)

    @property
    def url(self) -> str:
        """The rule's documentation page."""
        return DOCS_URL.format(code=self.code)


_REQUIRED = (
    "code",
    "name",
    "kind",
    "severity",
    "summary",
    "what_it_does",
    "why_bad",
    "keras_error_k3",
    "keras_error_k2",
    "example",
    "use_instead",
    "fix",
    "fix_safety",
    "keras_versions",
    "references",
)


class CatalogueError(Exception):
    pass


def catalogue_dir() -> Path:
    """The installed catalogue (wheel) or, in a source checkout, the repository's ``rules/``."""
    here = Path(__file__).resolve().parent
    packaged = here / "catalogue"
    if packaged.is_dir():
        return packaged
    checkout = here.parent.parent / "rules"
    if checkout.is_dir():
        return checkout
    raise CatalogueError(f"rule catalogue not found (looked in {packaged} and {checkout})")


def load_catalogue(directory: Path | None = None) -> dict[str, RuleDoc]:
    directory = directory or catalogue_dir()
    docs: dict[str, RuleDoc] = {}
    for path in sorted(directory.glob("SER*.toml")):
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        missing = [key for key in _REQUIRED if key not in data]
        if missing:
            raise CatalogueError(f"{path}: missing {', '.join(missing)}")
        if data["code"] != path.stem:
            raise CatalogueError(f"{path}: code {data['code']!r} does not match the file name")
        docs[data["code"]] = RuleDoc(
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            severity=Severity(data["severity"]),
            summary=data["summary"],
            what_it_does=data["what_it_does"].strip(),
            why_bad=data["why_bad"].strip(),
            keras_error_k3=data["keras_error_k3"].strip(),
            keras_error_k2=data["keras_error_k2"].strip(),
            example=data["example"].strip("\n"),
            use_instead=data["use_instead"].strip("\n"),
            fix=data["fix"].strip(),
            fix_safety=data["fix_safety"],
            keras_versions=tuple(data["keras_versions"]),
            references=tuple(data["references"]),
            fix_safety_note=data.get("fix_safety_note", "").strip(),
        )
    if not docs:
        raise CatalogueError(f"{directory}: no rules found")
    return docs


_FILE_MARKER = re.compile(r"^# --- ([\w./-]+\.py) ---$", re.MULTILINE)


def example_files(source: str, default: str = "example.py") -> dict[str, str]:
    """The files of a catalogue example: a project of several modules is written with a
    ``# --- name.py ---`` line before each; otherwise the example is one file."""
    parts = _FILE_MARKER.split(source)
    if len(parts) == 1:
        return {default: source}
    files = {default: parts[0]} if parts[0].strip() else {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        files[name] = body.lstrip("\n")
    return files
