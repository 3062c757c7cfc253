"""The agent context (agents.md.j2): the rules learned and the open work, held to a size budget.

Coding agents read AGENTS.md or CLAUDE.md whole at the start of every session, so the part kb
writes there stays within its output's `max_bytes`. What a template lists through `agent.lessons`
and `agent.pickup` (the hand-over list) is cut to fit: the least important item goes first (the last of the longer
list, so both keep their heads), and `agent.left_out` says how many went. Everything else the
template shows (the topology, the latest audit) is always kept.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import cached_property

from kb.records.models import Lesson
from kb.rendering.nextsession import HandoverItem
from kb.rendering.views import KnowledgeView


class AgentLists:
    """The items an agent context may list, most important first; shared by every document of a render."""

    def __init__(self, view: KnowledgeView) -> None:
        self.view = view

    def _held(self, lesson: Lesson) -> dt.date:
        """The last day the lesson was seen to hold: its own audit's, or a later confirmation's."""
        audits = [self.view.audit_by_id.get(a) for a in (lesson.audit, *(c.audit for c in lesson.confirmed)) if a]
        return max((audit.last_day for audit in audits if audit), default=dt.date.min)

    @cached_property
    def lessons(self) -> list[Lesson]:
        """Lessons for agents (not `agent: false`), newest confirmed first, then the most often
        confirmed, then in the order their reports listed them."""
        kept = [lesson for lesson in self.view.lessons if lesson.agent is not False]
        return sorted(kept, key=lambda lesson: (-self._held(lesson).toordinal(), -len(lesson.confirmed)))

    @property
    def pickup(self) -> list[HandoverItem]:
        """The next session's list, as `kb pickup` orders it: open actions, and open findings no
        open action follows up."""
        return self.view.handover


def split(keep: int, lessons: int, actions: int) -> tuple[int, int]:
    """How many lessons and open actions the `keep` most important items are: the two lists
    taken in turn, a lesson first, the longer one's tail last."""
    pairs = min(lessons, actions)
    if keep <= 2 * pairs:
        return (keep + 1) // 2, keep // 2
    rest = keep - 2 * pairs
    return (pairs + rest, pairs) if lessons > actions else (pairs, pairs + rest)


class AgentContext:
    """What one document sees as `agent`: the lists, cut to their `keep` most important items,
    and the budget they are cut to."""

    def __init__(self, lists: AgentLists, max_bytes: int, keep: int) -> None:
        self._lists = lists
        self.max_bytes = max_bytes
        self.keep = keep
        self.listed = False
        """Whether the template read either list (only then does the budget apply)."""

    @cached_property
    def _counts(self) -> tuple[int, int]:
        lessons, actions = len(self._lists.lessons), len(self._lists.pickup)
        return split(min(self.keep, lessons + actions), lessons, actions)

    @property
    def total(self) -> int:
        return len(self._lists.lessons) + len(self._lists.pickup)

    @property
    def lessons(self) -> Sequence[Lesson]:
        self.listed = True
        return self._lists.lessons[: self._counts[0]]

    @property
    def pickup(self) -> Sequence[HandoverItem]:
        self.listed = True
        return self._lists.pickup[: self._counts[1]]

    @property
    def lessons_left_out(self) -> int:
        return len(self._lists.lessons) - self._counts[0]

    @property
    def pickup_left_out(self) -> int:
        return len(self._lists.pickup) - self._counts[1]

    @property
    def left_out(self) -> int:
        return self.lessons_left_out + self.pickup_left_out


FIRST = 16
"""Items the first render of an agent context lists: most budgets hold a few dozen."""


def within(render: Callable[[AgentContext], str], lists: AgentLists, max_bytes: int, reserved: int = 0) -> str | None:
    """The text `render` makes, with as many of the agent lists as fit in `max_bytes` (UTF-8)
    with `reserved` bytes added to it; None when even none of them fit. A template that lists
    neither is rendered once, whole.

    The count is found by doubling from a few items, then halving the gap (more items, more
    bytes), so a large knowledge base is never rendered whole to keep a few dozen of its items.
    """

    def attempt(keep: int) -> tuple[str, bool]:
        text = render(AgentContext(lists, max_bytes, keep))
        return text, len(text.encode("utf-8")) + reserved <= max_bytes

    first = AgentContext(lists, max_bytes, FIRST)
    text = render(first)
    if not first.listed:
        return text
    total = first.total
    keep, fits = min(FIRST, total), len(text.encode("utf-8")) + reserved <= max_bytes
    best, low, high = None, -1, total + 1  # `low` items fit (rendered as `best`), `high` do not
    while fits:
        best, low = text, keep
        if keep == total:
            return text
        keep = min(2 * keep, total)
        text, fits = attempt(keep)
    high = keep
    while high - low > 1:
        middle = (low + high) // 2
        text, fits = attempt(middle)
        if fits:
            best, low = text, middle
        else:
            high = middle
    return best
