"""PII detection: each kind with real-looking positives and the look-alikes it must ignore."""

from __future__ import annotations

import pytest

from labtax import pii


def kinds(text: str, allowed: str = "") -> list[tuple[str, str]]:
    return [(p.kind, p.text) for p in pii.find_pii(text, allowed)]


# --- email -------------------------------------------------------------------------------------


def test_email_found() -> None:
    assert kinds("Write to maria.gonzalez+hr@acme-corp.co.uk for details.") == [
        ("email", "maria.gonzalez+hr@acme-corp.co.uk")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Use user@example.com in the docs.",  # RFC 2606 documentation domain
        "Send it to ops@mail.example.org or bob@host.test.",
        "Install with pip install pkg@1.2.3 or git@ pointers.",  # no domain after @
        "The handle @maria_g posted it.",
    ],
)
def test_email_ignored(text: str) -> None:
    assert kinds(text) == []


# --- phone -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("Call (415) 867-2390 before noon.", "(415) 867-2390"),
        ("Her cell is 312-867-4421.", "312-867-4421"),
        ("Dial +1 415 867 2390 from abroad.", "+1 415 867 2390"),
        ("London office: +44 20 7946 0958.", "+44 20 7946 0958"),
        ("Paris: +33 1 42 68 53 00", "+33 1 42 68 53 00"),
    ],
)
def test_phone_found(text: str, number: str) -> None:
    assert kinds(text) == [("phone", number)]


@pytest.mark.parametrize(
    "text",
    [
        "The meeting is on 2024-01-15 or 15.01.2024.",  # dates
        "ISBN 978-3-16-148410-0 and ISBN 9783161484100.",  # ISBN-13, with and without dashes
        "Upgrade from 1.2.3 to 10.0.12; ping 192.168.100.1.",  # versions and IP addresses
        "Population grew from 1,234,567 to 2 345 678 between 1990 and 2020.",
        "Pages 201-310 cover chapters 4-7.",
        "The call centre number 800-555-0199 is a fictional one.",  # 555-01xx is for fiction
        "Order #4158672390 shipped.",  # an unformatted run of digits is not a phone number
        "Add +12 to the score.",
    ],
)
def test_phone_ignored(text: str) -> None:
    assert kinds(text) == []


def test_international_phone_stops_at_fifteen_digits() -> None:
    # The greedy match runs on into "2023 4567"; trailing groups past 15 digits are dropped.
    assert kinds("Ring +44 20 7946 0958 2023 4567 now") == [("phone", "+44 20 7946 0958")]


# --- credit cards ------------------------------------------------------------------------------


def test_luhn() -> None:
    assert pii.luhn_valid("4111111111111111")
    assert pii.luhn_valid("79927398713")  # the textbook example
    assert not pii.luhn_valid("4111111111111112")
    assert not pii.luhn_valid("79927398710")
    # Passes Luhn, yet no issuer uses the prefix 1 (see test_card_look_alikes_ignored).
    assert pii.luhn_valid("1234567812345670")


@pytest.mark.parametrize(
    "number",
    [
        "4111 1111 1111 1111",  # Visa, spaced
        "5500-0000-0000-0004",  # Mastercard, dashed
        "378282246310005",  # American Express, contiguous
        "3782 822463 10005",  # American Express, 4-6-5 grouping
        "6011111111111117",  # Discover
    ],
)
def test_card_passing_luhn_found(number: str) -> None:
    assert kinds(f"Pay with card {number} today.") == [("credit_card", number)]


@pytest.mark.parametrize(
    "number",
    [
        "4111 1111 1111 1112",  # fails Luhn
        "5500-0000-0000-0005",  # fails Luhn
        "1234567812345670",  # passes Luhn but no issuer starts with 1
        "4111 1111-1111 1111",  # mixed separators: not how a card number is written
        "9780306406157",  # an ISBN-13
    ],
)
def test_card_look_alikes_ignored(number: str) -> None:
    assert kinds(f"Reference {number} here.") == []


# --- US SSN ------------------------------------------------------------------------------------


def test_ssn_found() -> None:
    assert kinds("SSN: 219-09-9999.") == [("us_ssn", "219-09-9999")]


@pytest.mark.parametrize(
    "text",
    [
        "Invalid areas 000-12-3456, 666-12-3456 and 912-34-5678.",
        "Group zero 219-00-9999 and serial zero 219-09-0000.",
        "Part 219-09-99999 is longer.",
    ],
)
def test_ssn_invalid_ignored(text: str) -> None:
    assert kinds(text) == []


# --- IBAN --------------------------------------------------------------------------------------


def test_iban_checksum() -> None:
    assert pii.iban_valid("DE89370400440532013000")
    assert pii.iban_valid("GB82WEST12345698765432")
    assert not pii.iban_valid("GB82WEST12345698765431")
    assert not pii.iban_valid("DE88370400440532013000")
    assert not pii.iban_valid("DE89")


def test_iban_found_printed_and_compact() -> None:
    assert kinds("Pay to DE89 3704 0044 0532 0130 00 TODAY please") == [
        ("iban", "DE89 3704 0044 0532 0130 00")
    ]
    assert kinds("IBAN GB82WEST12345698765432.") == [("iban", "GB82WEST12345698765432")]


def test_iban_with_bad_checksum_ignored() -> None:
    assert kinds("IBAN GB82WEST12345698765431 and DE88 3704 0044 0532 0130 00") == []


# --- API keys and secrets ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "sk-proj-4fT9aQ2mZx81LpR0vWc7NbY3",
        "AKIAZ7Q3X5V2M8N4P6R1",
        "ghp_" + "8fK2mQ9xL4vB7nR1tY6wZ3cH5jD0sA2eG4uI",
        "xoxb-1234567890-abcdefghij",
        "AIzaSyD4-9fK2mQ9xL4vB7nR1tY6wZ3cH5jD0sA",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "-----BEGIN RSA PRIVATE KEY-----",
        "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg9XkQ7",  # random-looking base64
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",  # 40 hex characters
    ],
)
def test_secret_found(token: str) -> None:
    assert kinds(f"token = {token} ;") == [("api_key", token)]


@pytest.mark.parametrize(
    "text",
    [
        "Keep the sk-ordinary-hyphenated-phrase-in-prose out.",
        "ThisIsAVeryLongCamelCaseIdentifierName42 is a class name.",
        "See https://github.com/instructlab/taxonomy/blob/main/docs/README2024Overview.md",
        "The UUID 550e8400-e29b-41d4-a716-446655440000 names the row.",
        "pneumonoultramicroscopicsilicovolcanoconiosis is a long word.",
        "The constant 31415926535897932384626433832795028841 has no letters.",
    ],
)
def test_secret_look_alikes_ignored(text: str) -> None:
    assert kinds(text) == []


# --- allowed text and redaction ----------------------------------------------------------------


def test_pii_in_allowed_text_is_not_reported() -> None:
    seed_text = "Call the Massachusetts Bay line at 1-800-392-6100 or write to info@mbta.com."
    answer = "You can reach them at 1-800-392-6100 or info@mbta.com."
    assert kinds(answer, seed_text) == []
    # Only the exact string is allowed: another spelling of the number is still reported.
    assert kinds("Call (800) 392-6100.", seed_text) == [("phone", "(800) 392-6100")]
    assert kinds("Write to boss@mbta.com.", seed_text) == [("email", "boss@mbta.com")]


def test_redact_replaces_each_span() -> None:
    text = "Mail jo@initech.net, card 4111 1111 1111 1111, SSN 219-09-9999."
    assert pii.redact(text) == "Mail [pii:email], card [pii:credit_card], SSN [pii:us_ssn]."
    assert pii.redact(text, allowed_text="jo@initech.net") == (
        "Mail jo@initech.net, card [pii:credit_card], SSN [pii:us_ssn]."
    )


def test_overlapping_detections_report_one_kind() -> None:
    # An SMS gateway address holds a phone number: both detectors fire, the email is reported.
    assert kinds("Text 415-867-2390@vtext.com now") == [("email", "415-867-2390@vtext.com")]


def test_mask_shows_only_the_ends() -> None:
    assert pii.mask("jo@initech.net") == "jo…et"
    assert pii.mask("short") == "short"
