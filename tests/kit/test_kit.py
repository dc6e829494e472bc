import multiprocessing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.fernet import Fernet
from hypothesis import given
from hypothesis import strategies as st

from linkstar.kit.clock import as_utc
from linkstar.kit.crypto import SecretBox, mask
from linkstar.kit.errors import InvalidInput, LinkStarError
from linkstar.kit.ids import constant_time_equal, new_id, new_token, ordered_id, sha256_hex
from linkstar.kit.pagination import Cursor


def test_secret_box_round_trip_and_ciphertext_hides_plaintext():
    box = SecretBox([Fernet.generate_key()])
    token = box.seal({"refresh_token": "Atzr|secret-value"})
    assert "secret-value" not in token
    assert box.open(token) == {"refresh_token": "Atzr|secret-value"}


def test_secret_box_rotation_reads_old_keys_and_rewrites_under_new():
    old, new = Fernet.generate_key(), Fernet.generate_key()
    token = SecretBox([old]).seal({"a": "1"})
    rotated_box = SecretBox([new, old])
    assert rotated_box.open(token) == {"a": "1"}
    rotated = rotated_box.rotate(token)
    assert SecretBox([new]).open(rotated) == {"a": "1"}


def test_secret_box_wrong_key_is_a_clear_error():
    token = SecretBox([Fernet.generate_key()]).seal({"a": "1"})
    with pytest.raises(LinkStarError, match="cannot be decrypted"):
        SecretBox([Fernet.generate_key()]).open(token)


def test_secret_box_needs_a_key():
    with pytest.raises(ValueError):
        SecretBox([])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abcdefgh", "••••"),
        ("abcdefghijkl", "••••ijkl"),
        ("x" * 40 + "wxyz", "••••wxyz"),
        ("", "••••"),
    ],
)
def test_mask_keeps_only_last_four(value, expected):
    assert mask(value) == expected


@given(st.text(min_size=0, max_size=40), st.text(min_size=1, max_size=40))
def test_cursor_round_trips(key, id_):
    assert Cursor.decode(Cursor(key, id_).encode()) == Cursor(key, id_)


@pytest.mark.parametrize("bad", ["", "!!!", "bm90IGpzb24", "WzEsMl0", "WyJhIl0"])
def test_malformed_cursor_is_invalid_input(bad):
    with pytest.raises(InvalidInput):
        Cursor.decode(bad)


def test_as_utc_treats_naive_as_utc_and_converts_aware():
    assert as_utc(datetime(2026, 1, 1, 12)) == datetime(2026, 1, 1, 12, tzinfo=UTC)
    plus2 = datetime(2026, 1, 1, 14, tzinfo=timezone(timedelta(hours=2)))
    assert as_utc(plus2) == datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert as_utc(plus2).tzinfo is UTC


def test_ids_and_tokens_are_unique_and_hashes_stable():
    assert len({new_id() for _ in range(1000)}) == 1000
    assert len(new_id()) == 32
    assert len(new_token()) >= 40
    assert sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert constant_time_equal("a", "a") and not constant_time_equal("a", "b")


@pytest.mark.parametrize(
    ("raw", "code"), [("us", "US"), (" gb ", "GB"), ("UK", "GB"), ("de", "DE")]
)
def test_country_codes(raw, code):
    from linkstar.kit.countries import country_code

    assert country_code(raw) == code


@pytest.mark.parametrize("raw", ["ZZ", "USA", "", "1A"])
def test_bad_country_codes(raw):
    from linkstar.kit.countries import country_code

    with pytest.raises(InvalidInput):
        country_code(raw)


@pytest.mark.parametrize(
    ("raw", "ok"), [("usd", True), ("GBP", True), ("CNY", True), ("XYZ", False), ("DOLLAR", False)]
)
def test_currency_codes(raw, ok):
    from linkstar.kit.countries import currency_code

    if ok:
        assert currency_code(raw) == raw.upper()
    else:
        with pytest.raises(InvalidInput):
            currency_code(raw)


def test_ordered_ids_grow_are_unique_and_look_like_other_ids():
    ids = [ordered_id() for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 5000
    assert {len(i) for i in ids} == {32}
    assert all(int(i, 16) >= 0 for i in ids)
    assert len({i[15:] for i in ids}) == 5000  # the random tail differs too


def _ids_in_child(queue: Any) -> None:
    queue.put([ordered_id() for _ in range(50)])


def test_a_forked_child_never_repeats_its_parents_ordered_ids():
    ordered_id()  # the parent has random parts buffered when it forks
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_ids_in_child, args=(queue,))
    child.start()
    theirs = queue.get(timeout=30)
    child.join(timeout=30)
    ours = [ordered_id() for _ in range(50)]
    assert not {i[15:] for i in theirs} & {i[15:] for i in ours}


@pytest.mark.parametrize(
    "module", ["linkstar.tracking.file_import", "linkstar.inbox.files", "linkstar.rating.sheets"]
)
def test_every_importer_sees_the_one_csv_field_limit(module: str) -> None:
    """Whichever importer loads first, the process-wide csv limit is the package's 16 MiB."""
    import subprocess
    import sys

    code = f"import csv, {module}; print(csv.field_size_limit())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout) == 16 * 1024 * 1024
