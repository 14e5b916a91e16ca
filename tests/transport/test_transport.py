"""The litellm adapter without litellm: Retry-After parsing, which servers it uses, its request."""

from __future__ import annotations

import asyncio
import socket

import httpx
import pytest

from labtax.config import TeacherConfig
from labtax.transport import (
    ATTEMPT_HEADER,
    CallParams,
    LitellmTransport,
    TeacherError,
    cached_prompt_tokens,
    failure_cause,
    parse_retry_after,
    retry_after_of,
)


def test_parse_retry_after_forms():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0.5 ") == 0.5
    assert parse_retry_after("soon") is None
    assert parse_retry_after("-1") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past


def test_retry_after_is_found_on_the_error_response_headers():
    class HttpError(Exception):
        def __init__(self, headers: dict[str, str]) -> None:
            super().__init__("rate limited")
            self.response = httpx.Response(429, headers=headers)

    assert retry_after_of(HttpError({"Retry-After": "7"})) == 7.0
    assert retry_after_of(HttpError({})) is None

    class LitellmishError(Exception):
        def __init__(self) -> None:
            super().__init__("rate limited")
            self.litellm_response_headers = {"Retry-After": "2"}

    assert retry_after_of(LitellmishError()) == 2.0
    assert retry_after_of(ValueError("plain")) is None


@pytest.mark.parametrize(
    ("api_base", "api_bases", "expected"),
    [
        (None, (), ()),
        ("http://a/v1", (), ("http://a/v1",)),
        (None, ("http://a/v1", "http://b/v1"), ("http://a/v1", "http://b/v1")),
        # The environment sets api_base, and the environment wins over the file's list.
        ("http://env/v1", ("http://a/v1", "http://b/v1"), ("http://env/v1",)),
        ("http://a/v1, http://b/v1", (), ("http://a/v1", "http://b/v1")),
    ],
)
def test_which_servers_the_transport_uses(api_base, api_bases, expected):
    config = TeacherConfig(api_base=api_base, api_bases=api_bases)
    assert LitellmTransport(config).bases() == expected


def test_every_request_names_its_attempt_and_leaves_retries_to_the_policy():
    config = TeacherConfig(max_tokens=77, seed=5, temperature=0.1, timeout=9.0)
    call = CallParams(config.temperature, config.max_tokens)
    params = LitellmTransport(config)._call_params([{"role": "user", "content": "hi"}], 3, call)
    assert params["extra_headers"] == {ATTEMPT_HEADER: "3"}
    assert params["num_retries"] == 0
    assert (params["max_tokens"], params["seed"], params["temperature"], params["timeout"]) == (
        77,
        5,
        0.1,
        9.0,
    )


class _Usage:
    def __init__(self, prompt: int, completion: int, details: object, **more: int) -> None:
        self.prompt_tokens, self.completion_tokens = prompt, completion
        self.prompt_tokens_details = details
        for name, value in more.items():
            setattr(self, name, value)


class _Response:
    def __init__(self, usage: _Usage, content: str = "An answer.", finish: str = "stop") -> None:
        message = type("Message", (), {"content": content})()
        self.choices = [type("Choice", (), {"message": message, "finish_reason": finish})()]
        self.usage = usage


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        (type("Details", (), {"cached_tokens": 96})(), 96),
        (type("Details", (), {"cached_tokens": None})(), 0),
        (None, 0),
        # A figure above the prompt is not believed beyond the prompt.
        (type("Details", (), {"cached_tokens": 500})(), 120),
    ],
)
def test_the_prompt_tokens_a_server_served_from_its_cache_are_kept(details, expected):
    transport = LitellmTransport(TeacherConfig())
    answer = transport._answer(None, _Response(_Usage(120, 30, details)))
    assert (answer.prompt_tokens, answer.completion_tokens) == (120, 30)
    assert answer.cached_prompt_tokens == expected


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        (_Usage(100, 1, {"cached_tokens": 64}), 64),  # details as a plain mapping
        (_Usage(100, 1, None, cache_read_input_tokens=48), 48),  # Anthropic, through litellm
        (_Usage(100, 1, None, prompt_cache_hit_tokens=32), 32),  # DeepSeek
        (_Usage(100, 1, None, cache_read_input_tokens=None), 0),
    ],
)
def test_provider_variants_of_the_prefix_cache_figure_are_read(usage, expected):
    assert cached_prompt_tokens(usage) == expected


def test_an_answer_cut_at_the_limit_is_marked_truncated_even_when_empty():
    transport = LitellmTransport(TeacherConfig())
    cut = transport._answer(None, _Response(_Usage(10, 64, None), "A half", "length"))
    assert cut.truncated
    assert cut.text == "A half"
    empty = transport._answer(None, _Response(_Usage(10, 64, None), "", "length"))
    assert empty.truncated
    assert not transport._answer(None, _Response(_Usage(10, 5, None))).truncated


def test_with_no_teacher_configured_nothing_is_sent_and_the_error_says_what_to_do():
    transport = LitellmTransport(TeacherConfig())

    async def go() -> TeacherError:
        with pytest.raises(TeacherError) as caught:
            await transport.send([{"role": "user", "content": "hi"}], 0, CallParams(0.7, 64))
        return caught.value

    error = asyncio.run(go())
    assert error.message == "no teacher is configured"
    assert "LABTAX_TEACHER_API_BASE" in error.hint
    assert "labtax fake-teacher" in error.hint
    assert transport._litellm is None  # not even litellm was loaded


def _wrapped(cause: BaseException, outer: str = "InternalServerError") -> BaseException:
    """An error as litellm raises it: its own class on top, the cause at the bottom."""
    middle = type("APIConnectionError", (Exception,), {})("Connection error.")
    middle.__cause__ = cause
    top = type(outer, (Exception,), {})(f"litellm.{outer}: Connection error.")
    top.__cause__ = middle
    return top


def test_why_a_call_failed_is_read_from_the_whole_chain():
    assert failure_cause(_wrapped(ConnectionRefusedError(111, "refused"))) == "refused"
    assert failure_cause(_wrapped(socket.gaierror(-2, "Name or service not known"))) == "name"
    missing = type("OpenAIError", (Exception,), {})("Missing credentials. Please pass an api_key")
    assert failure_cause(_wrapped(missing)) == "credentials"
    assert failure_cause(_wrapped(ValueError("x"), "AuthenticationError")) == "credentials"
    assert failure_cause(_wrapped(TimeoutError("slow"))) == ""
    looped = ValueError("a")
    looped.__context__ = looped
    assert failure_cause(looped) == ""


def test_an_empty_answer_is_returned_with_the_tokens_the_server_billed():
    # Blank content, or no choice at all: an answer the policy counts and judges, never a
    # transient failure whose call would go uncounted.
    transport = LitellmTransport(TeacherConfig())
    blank = transport._answer(None, _Response(_Usage(100, 0, None), "  "))
    no_choice = _Response(_Usage(100, 0, None))
    no_choice.choices = []
    for answer in (blank, transport._answer(None, no_choice)):
        assert (answer.text.strip(), answer.prompt_tokens, answer.truncated) == ("", 100, False)


def test_half_a_surrogate_pair_in_an_answer_becomes_a_replacement_character():
    # JSON may carry "\ud800"; no UTF-8 file can hold it, and the answer is written to several.
    transport = LitellmTransport(TeacherConfig())
    answer = transport._answer(None, _Response(_Usage(10, 5, None), "a\ud800b \U0001f600"))
    assert answer.text == "a\ufffdb \U0001f600"
    answer.text.encode("utf-8")
