"""What `inbox channel add` and the wizard take as a provider's account id, before any request."""

from __future__ import annotations

import pytest

from inbox.engine import setup


@pytest.mark.parametrize("value", ["-5", "٣٣", "12a", "1" * 21, "1 2"])
def test_a_textlocal_inbox_id_is_a_number(value: str) -> None:
    with pytest.raises(setup.SetupRefused, match="Textlocal inbox id is a number"):
        setup.account_for("textlocal", value, None)


@pytest.mark.parametrize("value", ["ü", "plan-1", "x" * 65, "٣"])
def test_a_sinch_service_plan_id_is_ascii_letters_and_digits(value: str) -> None:
    with pytest.raises(setup.SetupRefused, match="Sinch service plan id"):
        setup.account_for("sinch", value, None)


def test_well_formed_accounts_pass_as_given() -> None:
    assert setup.account_for("textlocal", " 100001 ", None) == "100001"
    assert setup.account_for("sinch", "5f4e3d2c1b0a99887766554433221100", None) == "5f4e3d2c1b0a99887766554433221100"
    assert setup.account_for("clicksend", "acme-support", None) == "acme-support"
