"""The kinds of story, and how one is told: request → toewijzing → start → … → stop.

`draw` picks a story's twists at random (weights below); `openers` forces the stories that
make every message type appear in every release and domain, and a release crossing (a
2.4 toewijzing whose start is sent in 3.0 with the same ToewijzingNummer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from streams.testing import werkdagen as wd
from streams.testing.care import (
    Care,
    Toewijzing,
    assign,
    correct_start,
    correct_stop,
    days,
    delete,
    start,
    start_rejected,
    stop,
    stop_rejected,
    version,
)
from streams.testing.requests import answer_vot, change, request
from streams.testing.story import Story, World
from streams.testing.world import RELEASES, STOP_PLAN, STOP_TEMPORARY, is_3x, release_on

_ANSWERS_3X = (("assign", 62), ("late", 8), ("onderzoek", 10), ("slow", 3), ("never", 2),
               ("reject", 8), ("onderzoek_reject", 4), ("none", 3))
_ANSWERS_2X = (("assign", 82), ("late", 8), ("reject", 7), ("none", 3))
_MIDDLES = (("none", 43), ("extension", 15), ("shortening", 5), ("pause_restart", 5),
            ("pause_stop", 3), ("change", 9), ("change_onderzoek", 3), ("change_reject", 4),
            ("early_stop", 5))
_SAFE_AFTER = timedelta(days=45)  # rejections only well after alerts_from (see care.py)


@dataclass(slots=True)
class Options:
    request: bool = False
    answer: str = "assign"
    delete: bool = False
    never_start: bool = False
    late_start: bool = False
    ooo_start: bool = False  # the 305 is received before its 301
    start_reject: str | None = None  # "0001" | "9019"
    correct_start: bool = False
    middle: str = "none"
    extension_reject: bool = False
    late_stop: bool = False
    stop_reject: bool = False
    correct_stop: bool = False
    ingang: date | None = None  # forced Ingangsdatum (release crossing)
    duration: int | None = None  # forced length of the toewijzing in days


def _pick(w: World, table: tuple[tuple[str, int], ...]) -> str:
    names = [name for name, _ in table]
    return w.rng.choices(names, [weight for _, weight in table])[0]


def draw(w: World, day: date) -> Options:
    r = w.rng.random
    o = Options(request=r() < 0.55)
    o.answer = _pick(w, _ANSWERS_3X if is_3x(release_on(day)) else _ANSWERS_2X)
    o.delete = r() < 0.03
    o.never_start = r() < 0.02
    o.late_start = r() < 0.06
    o.ooo_start = not o.request and r() < 0.03
    safe = day >= w.start + _SAFE_AFTER
    o.start_reject = w.rng.choice(("0001", "9019")) if safe and r() < 0.02 else None
    o.correct_start = r() < 0.04
    o.middle = _pick(w, _MIDDLES)
    o.extension_reject = safe and r() < 0.1
    o.late_stop = r() < 0.07
    o.stop_reject = safe and r() < 0.02
    o.correct_stop = r() < 0.03
    return o


def tell(s: Story, o: Options) -> None:
    t = _requested(s, o) if o.request else _assigned(s, o)
    if t is None or (o.delete and delete(s, t)) or o.never_start:
        return
    t, care = _middle(s, t, _begin(s, t, o), o)
    if care is not None:
        _end(s, t, care, o)


def _requested(s: Story, o: Options) -> Toewijzing | None:
    reject_2x = (o.answer == "reject" and not is_3x(release_on(s.day0))
                 and s.day0 >= s.world.start + _SAFE_AFTER)
    req = request(s, s.day0, reject_2x=reject_2x)
    if reject_2x:
        return None
    how = o.answer if is_3x(release_on(s.day0)) or o.answer in ("assign", "late", "none") \
        else "assign"
    return answer_vot(s, req, how)


def _assigned(s: Story, o: Options) -> Toewijzing:
    day = s.day0
    if o.ooo_start:  # a retroactive toewijzing whose 301 the hub receives late
        return assign(s, day, day - days(7), day + days(s.rng.randint(60, 300)), delay=3,
                      retour="ok")
    ingang = o.ingang or day + days(s.rng.randint(-10, 14))
    return assign(s, day, ingang, ingang + days(o.duration or s.rng.randint(60, 300)))


def _begin(s: Story, t: Toewijzing, o: Options) -> Care:
    if o.ooo_start:  # the start is received before the 301 it belongs to
        care, _ = start(s, t, t.ingang, day=wd.due(t.first.heen.head.dagtekening, 1), delay=0)
        return care
    begin = t.ingang + days(s.rng.randint(0, 7))
    if o.start_reject:
        care = start_rejected(s, t, begin, o.start_reject)
    else:
        care, _ = start(s, t, begin, late=o.late_start)
    return correct_start(s, t, care) if o.correct_start else care


def _middle(s: Story, t: Toewijzing, care: Care, o: Options) -> tuple[Toewijzing, Care | None]:
    m = o.middle
    if m in ("change", "change_onderzoek", "change_reject"):
        return change(s, t, care, "reject" if m == "change_reject" else m)
    if m == "extension":
        _extend(s, t, care, o)
    elif m == "shortening":
        day = wd.on_or_after(max(care.sent.received + days(5), t.einde - days(60)))
        einde = day + days(s.rng.randint(5, 20))
        if einde < t.einde:
            version(s, t, day, einde, "05")
    elif m in ("pause_restart", "pause_stop", "early_stop"):
        return t, _pause(s, t, care, m)
    return t, care


def _extend(s: Story, t: Toewijzing, care: Care, o: Options) -> None:
    day = wd.on_or_after(max(care.sent.received + days(3),
                             t.einde - days(s.rng.randint(20, 40))))
    einde = t.einde + days(s.rng.randint(60, 180))
    if o.extension_reject:  # 0001: the extension counts as not sent; sent again
        _, back = version(s, t, day, einde, "04", retour="0001")
        assert back is not None
        day = wd.due(back.received, 1)
    version(s, t, day, einde, "04")


def _pause(s: Story, t: Toewijzing, care: Care, m: str) -> Care | None:
    """A temporary stop (RedenBeeindiging 20) then a restart or a definitive stop; or an
    early definitive stop. Returns the start still running, if any."""
    pause = care.line.begindatum + days(s.rng.randint(20, 60))
    if pause + days(45) >= t.einde or pause <= care.sent.received:
        return care
    if m == "early_stop":
        stop(s, t, care, pause, "34")
        return None
    stop(s, t, care, pause, STOP_TEMPORARY)
    later = pause + days(s.rng.randint(10, 30))
    if m == "pause_stop":  # definitive after temporary: not judged late (product.md §4)
        stop(s, t, care, later, STOP_PLAN[s.domain], judged=False)
        return None
    restarted, _ = start(s, t, later)  # a new start after a stop is judged
    return restarted


def _end(s: Story, t: Toewijzing, care: Care, o: Options) -> None:
    reden = STOP_PLAN[s.domain]
    if o.stop_reject and t.einde >= s.world.start + _SAFE_AFTER:
        stop_rejected(s, t, care, t.einde, reden)
        return
    line, sent, _ = stop(s, t, care, t.einde, reden, late=o.late_stop)
    if o.correct_stop:
        correct_stop(s, t, care, line, sent)


def openers(start: date, end: date) -> list[tuple[date, str, Options]]:
    """Forced stories: at the archive start and at each release switch-over inside it,
    per domain, a full chain (and in 3.x a VOW, an onderzoek and a rejection); and a
    release crossing 2.4 → 3.0. Sorted by day."""
    found: list[tuple[date, str, Options]] = []
    days_ = [start] + [since for _, since in RELEASES if start < since <= end]
    for since in days_:
        day = wd.on_or_after(since)
        three = is_3x(release_on(day))
        for domain in ("jw", "wmo"):
            found.append((day, domain, Options(request=True, middle="extension")))
            found.append((day, domain, Options(request=False, correct_start=True,
                                               middle="pause_restart")))
            found.append((day, domain, Options(ingang=day, duration=30)))  # stops soon
            if three:
                found.append((day, domain, Options(middle="change")))
                found.append((day, domain, Options(middle="change_reject")))
                found.append((day, domain, Options(request=True, answer="onderzoek_reject")))
    crossing = date(2021, 1, 1)
    if start + timedelta(days=20) < crossing <= end:
        day = wd.on_or_after(crossing - days(12))
        for domain in ("jw", "wmo"):
            found.append((day, domain, Options(ingang=date(2021, 1, 5))))
    return sorted(found, key=lambda f: f[0])
