"""The iJw/iWmo message code table (domain.md §1).

A BerichtCode tells the domain, the message type and whether it is a retour:
the retour code is always the heen code + 1.
"""

from __future__ import annotations

from typing import Literal

from streams.core.frozen import record

Domain = Literal["jw", "wmo"]
Party = Literal["gemeente", "aanbieder"]


@record
class MessageType:
    domain: Domain
    code: int
    msg: str  # the standard's generic number: "301", "302", …
    heen_msg: str  # for a retour the msg it answers, else msg itself
    sender: Party  # who sends the *heenbericht* of this pair

    @property
    def is_retour(self) -> bool:
        return self.msg != self.heen_msg


# (heen msg, iJw code, iWmo code, heen sender)
_HEEN: tuple[tuple[str, int, int, Party], ...] = (
    ("301", 436, 414, "gemeente"),
    ("305", 438, 418, "aanbieder"),
    ("307", 440, 420, "aanbieder"),
    ("315", 446, 444, "aanbieder"),
    ("317", 486, 480, "aanbieder"),
    ("319", 488, 482, "gemeente"),
)

# Declaratie (323/325) is out of the first scope: recognised, then refused with that reason.
OUT_OF_SCOPE: dict[int, str] = {
    490: "jw 323 declaratie",
    491: "jw 325 declaratie-antwoord",
    484: "wmo 323 declaratie",
    485: "wmo 325 declaratie-antwoord",
    416: "wmo 2.x declaratie",  # iWmo 2.1 Basisschema LDT_BerichtCode
    417: "wmo 2.x declaratie retour",
    448: "wmo 2.x factuur",
    449: "wmo 2.x factuur retour",
    432: "jw 2.x declaratie (303)",  # iJw 2.3 JW303/JW304 XSDs: BerichtCode 432|450, 433|451
    433: "jw 2.x declaratie retour (304)",
    450: "jw 2.x factuur (303)",
    451: "jw 2.x factuur retour (304)",
}


def _table() -> dict[int, MessageType]:
    table: dict[int, MessageType] = {}
    for heen, jw, wmo, sender in _HEEN:
        retour = str(int(heen) + 1)
        for domain, code in (("jw", jw), ("wmo", wmo)):
            d: Domain = "jw" if domain == "jw" else "wmo"
            table[code] = MessageType(d, code, heen, heen, sender)
            table[code + 1] = MessageType(d, code + 1, retour, heen, sender)
    return table


BY_CODE: dict[int, MessageType] = _table()
BY_DOMAIN_MSG: dict[tuple[Domain, str], MessageType] = {
    (t.domain, t.msg): t for t in BY_CODE.values()
}
