"""Code actions: each finding's fix, "Ignore with # noqa", and ``source.fixAll.serialint``.

Pure functions of a document's (or a notebook's) text and findings; fix-all is
:func:`serialint.api.lint_source`, the rounds ``serialint check --fix`` applies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from lsprotocol import types

from serialint.findings import Edit, Finding
from serialint.fixes import FixMode, edit_spans, fix_text
from serialint.lsp.positions import LineIndex
from serialint.source import SourceFile
from serialint.suppress import noqa_edit

FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.serialint"  # source.fixAll.serialint
QUICKFIX = types.CodeActionKind.QuickFix.value
KINDS = (QUICKFIX, FIX_ALL)


class Target(Protocol):
    """Where a code action's edits go: one document (:class:`Document`), or the cells of a
    notebook (:class:`serialint.lsp.notebooks.NotebookTarget`).  Each answers None when it has
    no edit to offer."""

    def fix_edit(self, finding: Finding) -> types.WorkspaceEdit | None:
        """The finding's fix, if it has one and the fixed file still parses."""

    def noqa(self, finding: Finding) -> tuple[str, types.WorkspaceEdit] | None:
        """The ``# noqa`` comment that ignores the finding on its row, and its edit."""

    def fix_all_edit(self, fixed: str) -> types.WorkspaceEdit | None:
        """The edit to ``fixed``, the text with every fix applied."""


@dataclass(frozen=True)
class Document:
    """One editor document as the code actions see it."""

    uri: str
    path: Path
    text: str
    encoding: str  # the negotiated position encoding

    def fix_edit(self, finding: Finding) -> types.WorkspaceEdit | None:
        fix = finding.fix
        if fix is None or not fix_text(_source(self), [finding], FixMode.UNSAFE).applied:
            return None
        return _workspace_edit(self.uri, text_edits(self.text, fix.edits, self.encoding))

    def noqa(self, finding: Finding) -> tuple[str, types.WorkspaceEdit] | None:
        edit = noqa_edit(self.text, finding.start.row, {finding.code})
        if edit is None:
            return None
        edits = text_edits(self.text, [edit], self.encoding)
        return edit.content.strip(), _workspace_edit(self.uri, edits)

    def fix_all_edit(self, fixed: str) -> types.WorkspaceEdit | None:
        edits = minimal_edit(self.text, fixed, self.encoding)
        return _workspace_edit(self.uri, edits) if edits else None


def wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether a client asking for ``only`` kinds wants actions of ``kind`` (kinds nest:
    ``source`` and ``source.fixAll`` both include ``source.fixAll.serialint``)."""
    if not only:
        return True  # no filter: every action (Helix and Neovim list them all in one menu)
    return any(kind == k or kind.startswith(f"{k}.") for k in only)


def text_edits(text: str, edits: Sequence[Edit], encoding: str) -> list[types.TextEdit]:
    """``edits`` as LSP text edits with exactly the effect of :func:`serialint.fixes.apply_edits`
    (both read them through :func:`serialint.fixes.edit_spans`)."""
    index = LineIndex.of(text)
    return [
        types.TextEdit(
            range=types.Range(
                index.lsp_position(start, encoding), index.lsp_position(end, encoding)
            ),
            new_text=content,
        )
        for start, end, content in edit_spans(text, edits)
    ]


def minimal_edit(before: str, after: str, encoding: str) -> list[types.TextEdit]:
    """One edit that turns ``before`` into ``after``: the span between their common prefix and
    suffix (never splitting a ``\\r\\n``).  No edit when they are equal."""
    if before == after:
        return []
    limit = min(len(before), len(after))
    prefix = 0
    while prefix < limit and before[prefix] == after[prefix]:
        prefix += 1
    if 0 < prefix < len(before) and before[prefix - 1] == "\r" and before[prefix] == "\n":
        prefix -= 1
    suffix = 0
    while suffix < limit - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    cut = len(before) - suffix  # the replaced span of `before` is [prefix, cut)
    if 0 < cut < len(before) and before[cut - 1] == "\r" and before[cut] == "\n":
        suffix -= 1
        cut += 1
    index = LineIndex.of(before)
    return [
        types.TextEdit(
            range=types.Range(
                index.lsp_position(prefix, encoding), index.lsp_position(cut, encoding)
            ),
            new_text=after[prefix : len(after) - suffix],
        )
    ]


def _workspace_edit(uri: str, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(changes={uri: edits})


def _source(document: Document, text: str | None = None) -> SourceFile:
    return SourceFile(document.path, document.text if text is None else text, "utf-8")


def fix_action(
    target: Target, finding: Finding, diagnostic: types.Diagnostic
) -> types.CodeAction | None:
    """The finding's fix as a quick fix, if it has one and the fixed file still parses."""
    fix = finding.fix
    edit = target.fix_edit(finding) if fix is not None else None
    if fix is None or edit is None:
        return None
    safe = fix.applicability == "safe"
    return types.CodeAction(
        title=fix.message if safe else f"{fix.message} (unsafe fix)",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=safe,
        edit=edit,
    )


def noqa_action(
    target: Target, finding: Finding, diagnostic: types.Diagnostic
) -> types.CodeAction | None:
    """ "Ignore SER101 with ``# noqa: SER101``" on the finding's row, unless it cannot be."""
    found = target.noqa(finding)
    if found is None:
        return None
    comment, edit = found
    return types.CodeAction(
        title=f"Ignore {finding.code} with `{comment}`",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        edit=edit,
    )


def fix_all_action(target: Target, fixed: str) -> types.CodeAction | None:
    edit = target.fix_all_edit(fixed)
    if edit is None:
        return None
    return types.CodeAction(
        title="serialint: fix all auto-fixable problems",
        kind=FIX_ALL,
        edit=edit,
    )


def _overlaps(a: types.Range, b: types.Range) -> bool:
    """Whether two ranges touch (an empty range, a cursor, touches what it is at)."""

    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def code_actions(
    document: Target,
    pairs: Sequence[tuple[Finding, types.Diagnostic]],
    where: types.Range,
    context: types.CodeActionContext,
    fixed_all: Callable[[], str],
    fixable: bool | None = None,
) -> list[types.CodeAction]:
    """The actions for ``where``: quick fixes (each fix, then each noqa) of the findings it
    touches or that the client names, and the fix-all action (when the client asks for source
    actions, or for every action on the user's request).
    ``pairs`` are the document's findings with their diagnostics (a notebook cell's: its own);
    ``fixable`` says whether fix-all has anything to do (by default: whether any of ``pairs``
    has a fix)."""
    only = [str(getattr(k, "value", k)) for k in context.only] if context.only else None
    if only is None and context.trigger_kind == types.CodeActionTriggerKind.Automatic:
        # VS Code asks at every cursor move for its light bulb, which shows quick fixes only:
        # fixing the whole file each time would be wasted.
        only = [QUICKFIX]
    actions: list[types.CodeAction] = []
    if wanted(QUICKFIX, only):
        named = {
            (d.code, d.range.start.line, d.range.start.character)
            for d in context.diagnostics
            if d.source == "serialint"
        }
        touched = [
            (f, d)
            for f, d in pairs
            if _overlaps(d.range, where)
            or (d.code, d.range.start.line, d.range.start.character) in named
        ]
        fixes = [fix_action(document, f, d) for f, d in touched]
        ignores: list[types.CodeAction | None] = []
        seen: set[tuple[str, int]] = set()
        for f, d in touched:
            if (f.code, f.start.row) not in seen:
                seen.add((f.code, f.start.row))
                ignores.append(noqa_action(document, f, d))
        actions += [a for a in [*fixes, *ignores] if a is not None]
    if fixable is None:
        fixable = any(f.fix is not None for f, _ in pairs)
    if wanted(FIX_ALL, only) and fixable:
        action = fix_all_action(document, fixed_all())
        if action is not None:
            actions.append(action)
    return actions
