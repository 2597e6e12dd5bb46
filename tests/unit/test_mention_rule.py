"""Which `@name`s in a note are mentions: emails and punctuation, case, unknown names, the author."""

from __future__ import annotations

from inbox.core.mentions import handles, mentioned


def test_an_email_address_mentions_nobody() -> None:
    assert handles("write to bob@example.com or @bob@example.com") == []
    assert mentioned("cc bob@example.com please", ["bob"]) == []


def test_punctuation_around_a_handle_belongs_to_the_sentence() -> None:
    assert handles("(@alice), @bob. @carol-? thanks @dave!") == ["alice", "bob", "carol", "dave"]
    assert handles("@jo.smith: and @a_b") == ["jo.smith", "a_b"]


def test_names_match_case_insensitively_and_are_recorded_as_the_agent_spells_them() -> None:
    assert mentioned("@ALICE and @alice again, @Bob", ["alice", "Bob"]) == ["alice", "Bob"]


def test_an_unknown_name_is_not_a_mention_when_the_inbox_knows_its_names() -> None:
    assert mentioned("@zed, @alice", ["alice"]) == ["alice"]


def test_without_known_names_the_handle_itself_is_recorded_folded() -> None:
    assert mentioned("@Zed and @zed", None) == ["zed"]


def test_the_author_is_not_mentioned_by_their_own_note() -> None:
    assert mentioned("note to self @Alice, and @bob", ["alice", "bob"], author="alice") == ["bob"]
    assert mentioned("@alice", None, author="Alice") == []


def test_a_lone_at_sign_or_an_at_inside_a_word_is_nothing() -> None:
    assert handles("@ meet at 5@6 or @.x") == []
