"""ID numbers (GB 11643 check character) and the masks every page shows."""

import pytest

from expert_pool.idcard import check_id_number, check_mobile, mask_id_number, mask_mobile
from trading.accounts.credit_code import id_number_check_character
from trading.errors import UserError


def test_a_valid_id_number_passes_and_is_normalized() -> None:
    first17 = "14030219800101001"
    number = first17 + id_number_check_character(first17)
    assert check_id_number(" " + number.lower() + " ") == number


def test_the_published_example_check_character() -> None:
    # The standard's own worked example: 11010519491231002X.
    assert check_id_number("11010519491231002x") == "11010519491231002X"


@pytest.mark.parametrize("wrong", ["110105194912310021", "11010519491231002", "1101051949123100AX",
                                   "110105194913310025"])
def test_a_wrong_id_number_names_the_field(wrong: str) -> None:
    with pytest.raises(UserError) as raised:
        check_id_number(wrong)
    assert raised.value.field == "id_number"
    assert raised.value.message_zh and raised.value.message_en


def test_masks() -> None:
    assert mask_id_number("14030219800101123X") == "1403**********123X"
    assert mask_mobile("13912341234") == "139****1234"
    assert mask_mobile("123") == "***"


@pytest.mark.parametrize("wrong", ["1391234123", "23912341234", "1391234123a", "139123412345"])
def test_a_mobile_has_eleven_digits(wrong: str) -> None:
    with pytest.raises(UserError) as raised:
        check_mobile(wrong)
    assert raised.value.field == "mobile"


def test_a_mobile_is_normalized() -> None:
    assert check_mobile("139-1234 1234") == "13912341234"
    assert check_mobile("１３９１２３４１２３４") == "13912341234"
