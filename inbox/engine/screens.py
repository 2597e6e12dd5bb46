"""One screen per automation step, next to no other logic: True means "this step surely does
nothing for this message".

A screen reads only the chunk's prefetched state (`inbound.ChunkState`, filled by
`screening.prefetch`) and the message; it must answer False ("might act") whenever its step might
write anything. Each step's declaration in `automation.STEPS` names its screen; keeping the screens
together here lets a reader check them against `prefetch` and against each other.
"""

from __future__ import annotations

from inbox.core import engagement as core_engagement
from inbox.core import keywords
from inbox.core import rules as core_rules
from inbox.engine.inbound import Arrival, ChunkState

# Every opt-out intent phrase of `keywords` contains one of these words, so a text holding none of
# them cannot read as one (saves the full phrase scan on almost every message).
_INTENT_WORDS = ("STOP", "UNSUBSCRIBE", "OPT", "REMOVE", "TAKE", "TEXT", "MORE", "LEAVE")


def compliance(state: ChunkState, m: Arrival) -> bool:
    if keywords.classify(m.body) is not None:
        return False
    return not any(w in m.folded for w in _INTENT_WORDS) or not keywords.opt_out_intent(m.body)


def verification(state: ChunkState, m: Arrival) -> bool:
    # Any digit (str.isdigit also knows full-width ones) could be a code attempt or a near miss.
    return not state.verification_live or not any(ch.isdigit() for ch in m.body)


def engagement(state: ChunkState, m: Arrival) -> bool:
    if m.contact_id in state.surveying or m.contact_id in state.stirred or m.conversation_id in state.asking_csat:
        return False
    if state.survey_triggers or state.contests:
        tokens = core_engagement.answer_words(m.body)
        if tokens and (" ".join(tokens) in state.survey_triggers or tokens[0] in state.survey_triggers):
            return False
        if tokens and len(tokens) <= core_engagement.MAX_ANSWER_WORDS:
            for contest in state.contests:
                if contest.is_open(m.at) and (contest.uses_codes or contest.keyword == tokens[0]):
                    return False
    if any(p.is_open(m.at) for p in state.polls) and core_engagement.looks_like_answer(m.body):
        return False
    return True


def rules(state: ChunkState, m: Arrival) -> bool:
    settings = state.settings
    if settings is not None and settings.ack_text and not settings.within_hours(m.at):
        return False  # the after-hours acknowledgement may answer
    if "YES" in m.folded and core_rules.without_courtesy(core_rules.words(m.body)) == ("YES",):
        return False  # may confirm a pending list sign-up
    if state.rules:
        specs = [r.spec for r in state.rules]
        if core_rules.evaluate(specs, m.body, channel_id=state.channel.id, at=m.at) is not None:
            return False
    return True
