"""PutEvents call checks, entry checks and the event envelope (engine.events.envelope)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.events.envelope import (
    MAX_ENTRIES_PER_CALL,
    MAX_REQUEST_BYTES,
    BuiltEvent,
    EntryError,
    EnvelopeValidationError,
    build_event,
    entry_size,
    event_bus_name_from,
    validate_batch,
)

NOW = datetime(2024, 5, 17, 10, 11, 12, 987654, tzinfo=UTC)


def an_entry(**overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Source": "com.example.orders",
        "DetailType": "OrderPlaced",
        "Detail": '{"orderId": "o-1", "amount": 42}',
    }
    entry.update(overrides)
    return {key: value for key, value in entry.items() if value is not None}


def build(entry: dict[str, Any]) -> BuiltEvent | EntryError:
    return build_event(entry, event_id="evt-1", account="123456789012", region="eu-west-1", now=NOW)


def built(entry: dict[str, Any]) -> BuiltEvent:
    result = build(entry)
    assert isinstance(result, BuiltEvent), result
    return result


def failed(entry: dict[str, Any]) -> EntryError:
    result = build(entry)
    assert isinstance(result, EntryError), result
    return result


# --- entry_size: "Calculating Amazon EventBridge PutEvents event entry size" (eb-putevent-size) ---


def test_entry_size_counts_source_detail_type_and_detail_in_utf8_bytes() -> None:
    entry = {"Source": "src", "DetailType": "type", "Detail": '{"k":"v"}'}
    assert entry_size(entry) == 3 + 4 + 9


def test_entry_size_counts_time_as_fourteen_bytes_whatever_its_spelling() -> None:
    without_time = an_entry()
    assert entry_size(an_entry(Time=1_700_000_000)) == entry_size(without_time) + 14
    assert entry_size(an_entry(Time="2015-11-11T21:29:54.123456+00:00")) == entry_size(without_time) + 14


def test_entry_size_counts_each_resource_and_multibyte_characters() -> None:
    entry = {"Source": "é", "DetailType": "€", "Detail": "{}", "Resources": ["arn:a", "日本"]}
    assert entry_size(entry) == 2 + 3 + 2 + 5 + 6


def test_entry_size_ignores_event_bus_name_and_trace_header() -> None:
    plain = an_entry()
    assert entry_size(an_entry(EventBusName="orders", TraceHeader="Root=1-abc")) == entry_size(plain)


def test_entry_size_of_an_empty_entry_is_zero() -> None:
    assert entry_size({}) == 0


# --- validate_batch: the call-level ValidationException ------------------------------------


def test_a_batch_of_one_to_ten_entries_passes() -> None:
    validate_batch([an_entry()])
    validate_batch([an_entry()] * MAX_ENTRIES_PER_CALL)


def test_eleven_entries_are_refused_with_boto_style_message() -> None:
    with pytest.raises(EnvelopeValidationError) as caught:
        validate_batch([an_entry()] * 11)
    message = caught.value.message
    assert caught.value.code == "ValidationException"
    assert message.startswith("1 validation error detected: Value '[PutEventsRequestEntry(time=null, ")
    assert message.endswith(
        "]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10"
    )
    assert message.count("PutEventsRequestEntry(") == 11
    assert "source=com.example.orders" in message


def test_no_entries_are_refused() -> None:
    with pytest.raises(EnvelopeValidationError) as caught:
        validate_batch([])
    assert caught.value.message == (
        "1 validation error detected: Value '[]' at 'entries' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_missing_entries_are_refused_as_null() -> None:
    with pytest.raises(EnvelopeValidationError) as caught:
        validate_batch(None)
    assert caught.value.message == (
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: "
        "Member must not be null"
    )


@pytest.mark.parametrize(
    ("entry", "fault"),
    [
        ("not an object", "Entries[0] must be a JSON object"),
        ({"Source": 5, "DetailType": "t", "Detail": "{}"}, "Entries[0].Source must be a string"),
        ({"Source": "s", "DetailType": "t", "Detail": {"a": 1}}, "Entries[0].Detail must be a string"),
        ({"Source": "s", "DetailType": "t", "Detail": "{}", "Resources": "arn"}, "Entries[0].Resources"),
        ({"Source": "s", "DetailType": "t", "Detail": "{}", "Resources": [1]}, "Entries[0].Resources"),
    ],
)
def test_entries_of_the_wrong_json_type_fail_to_parse(entry: Any, fault: str) -> None:
    with pytest.raises(EnvelopeValidationError) as caught:
        validate_batch([entry])
    assert caught.value.code == "SerializationException"
    assert fault in caught.value.message


def test_total_size_at_the_limit_passes_and_one_byte_more_is_refused() -> None:
    envelope_bytes = entry_size(an_entry(Detail='{"p":""}'))
    padding = MAX_REQUEST_BYTES - envelope_bytes
    at_limit = an_entry(Detail='{"p":"' + "x" * padding + '"}')
    assert entry_size(at_limit) == MAX_REQUEST_BYTES
    validate_batch([at_limit])
    over = an_entry(Detail='{"p":"' + "x" * (padding + 1) + '"}')
    with pytest.raises(EnvelopeValidationError) as caught:
        validate_batch([over])
    assert caught.value.message == "Total size of the entries in the request is over the limit."


def test_total_size_sums_all_entries_of_the_call() -> None:
    half = an_entry(Detail='{"p":"' + "x" * (MAX_REQUEST_BYTES // 2) + '"}')
    validate_batch([half])
    with pytest.raises(EnvelopeValidationError, match="over the limit"):
        validate_batch([half, half])


def test_the_size_limit_can_follow_the_raised_one_mebibyte_limit() -> None:
    big = an_entry(Detail='{"p":"' + "x" * 500_000 + '"}')
    with pytest.raises(EnvelopeValidationError):
        validate_batch([big])
    validate_batch([big], max_request_bytes=1024 * 1024)


@pytest.mark.parametrize(
    "bus",
    ["orders-bus", "default", "a.b_c-d", "arn:aws:events:us-east-1:123456789012:event-bus/orders-bus"],
)
def test_event_bus_names_and_arns_that_fit_the_model_pass(bus: str) -> None:
    validate_batch([an_entry(EventBusName=bus)])


def test_an_event_bus_name_outside_the_model_pattern_is_refused() -> None:
    with pytest.raises(EnvelopeValidationError) as caught:
        validate_batch([an_entry(), an_entry(EventBusName="orders bus!")])
    assert caught.value.message.startswith(
        "1 validation error detected: Value 'orders bus!' at 'entries.2.member.eventBusName' "
        "failed to satisfy constraint: Member must satisfy regular expression pattern: "
    )


def test_several_model_violations_are_reported_together() -> None:
    entry = an_entry(TraceHeader="x" * 501, Resources=["r" * 2049])
    with pytest.raises(EnvelopeValidationError) as caught:
        validate_batch([entry])
    message = caught.value.message
    assert message.startswith("2 validation errors detected: ")
    assert "at 'entries.1.member.traceHeader' failed to satisfy constraint: " in message
    assert "Member must have length less than or equal to 500" in message
    assert "at 'entries.1.member.resources' failed to satisfy constraint: " in message
    assert "[Member must have length less than or equal to 2048]" in message


def test_an_empty_trace_header_is_refused() -> None:
    with pytest.raises(EnvelopeValidationError, match="greater than or equal to 1"):
        validate_batch([an_entry(TraceHeader="")])


def test_an_over_long_event_bus_name_is_refused() -> None:
    with pytest.raises(EnvelopeValidationError, match="less than or equal to 1600"):
        validate_batch([an_entry(EventBusName="b" * 1601)])


# --- build_event: the envelope ------------------------------------------------------------


def test_an_entry_becomes_an_event_in_aws_envelope_shape_and_key_order() -> None:
    result = built(an_entry(Resources=["arn:aws:s3:::bucket"], Time=1_447_277_394))
    assert list(result.event) == [
        "version",
        "id",
        "detail-type",
        "source",
        "account",
        "time",
        "region",
        "resources",
        "detail",
    ]
    assert result.event == {
        "version": "0",
        "id": "evt-1",
        "detail-type": "OrderPlaced",
        "source": "com.example.orders",
        "account": "123456789012",
        "time": "2015-11-11T21:29:54Z",
        "region": "eu-west-1",
        "resources": ["arn:aws:s3:::bucket"],
        "detail": {"orderId": "o-1", "amount": 42},
    }


def test_without_time_the_event_takes_the_call_time_in_whole_seconds() -> None:
    assert built(an_entry()).event["time"] == "2024-05-17T10:11:12Z"


def test_without_resources_the_event_has_an_empty_list() -> None:
    assert built(an_entry()).event["resources"] == []


def test_the_event_does_not_share_the_callers_resource_list() -> None:
    resources = ["arn:1"]
    event = built(an_entry(Resources=resources)).event
    resources.append("arn:2")
    assert event["resources"] == ["arn:1"]


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        (1_447_277_394, "2015-11-11T21:29:54Z"),  # boto3 sends epoch seconds for the JSON protocol
        (1_447_277_394.75, "2015-11-11T21:29:54Z"),
        ("1447277394", "2015-11-11T21:29:54Z"),
        ("2015-11-11T21:29:54Z", "2015-11-11T21:29:54Z"),
        ("2015-11-11T23:29:54.5+02:00", "2015-11-11T21:29:54Z"),
        (datetime(2015, 11, 11, 21, 29, 54, tzinfo=UTC), "2015-11-11T21:29:54Z"),
        (datetime(2015, 11, 11, 16, 29, 54, tzinfo=timezone(timedelta(hours=-5))), "2015-11-11T21:29:54Z"),
        (datetime(2015, 11, 11, 21, 29, 54), "2015-11-11T21:29:54Z"),
    ],
)
def test_time_is_read_in_every_form_clients_send(time: Any, expected: str) -> None:
    assert built(an_entry(Time=time)).event["time"] == expected


@pytest.mark.parametrize("time", ["yesterday", "2015-13-45T99:00:00Z", True, float("nan"), 10**20, ["2015"]])
def test_unreadable_time_fails_the_entry(time: Any) -> None:
    error = failed(an_entry(Time=time))
    assert error.error_code == "InvalidArgument"
    assert error.error_message.startswith("Parameter Time is not valid. Reason: Time ")


def test_the_built_event_remembers_bus_size_and_trace_header() -> None:
    entry = an_entry(EventBusName="orders-bus", TraceHeader="Root=1-5759e988-bd862e3fe1be46a994272793")
    result = built(entry)
    assert result.bus_name_or_arn == "orders-bus"
    assert result.size == entry_size(entry)
    assert result.trace_header == "Root=1-5759e988-bd862e3fe1be46a994272793"
    assert built(an_entry()).bus_name_or_arn is None


# --- build_event: per-entry failures (LocalStack's AWS-validated validate_event; moto agrees) ---


@pytest.mark.parametrize("field", ["Source", "DetailType", "Detail"])
@pytest.mark.parametrize("absent", [None, ""])
def test_a_missing_required_field_fails_the_entry(field: str, absent: str | None) -> None:
    entry = an_entry()
    if absent is None:
        del entry[field]
    else:
        entry[field] = absent
    assert failed(entry) == EntryError(
        "InvalidArgument", f"Parameter {field} is not valid. Reason: {field} is a required argument."
    )


def test_missing_fields_are_reported_source_first() -> None:
    assert failed({}).error_message.startswith("Parameter Source is not valid.")
    assert failed({"Source": "s"}).error_message.startswith("Parameter DetailType is not valid.")


@pytest.mark.parametrize(
    "detail",
    ["detail", "{'single': 'quotes'}", '{"a": 1', "[1, 2]", '"a string"', "42", "null", '{"x": NaN}'],
)
def test_detail_that_is_not_a_json_object_is_malformed(detail: str) -> None:
    assert failed(an_entry(Detail=detail)) == EntryError("MalformedDetail", "Detail is malformed.")


def test_absurdly_nested_detail_is_malformed_not_a_crash() -> None:
    detail = '{"a":' * 100_000 + "1" + "}" * 100_000
    assert failed(an_entry(Detail=detail)).error_code == "MalformedDetail"


def test_an_empty_json_object_is_a_valid_detail() -> None:
    assert built(an_entry(Detail="{}")).event["detail"] == {}


def test_detail_type_is_limited_to_128_characters() -> None:
    assert built(an_entry(DetailType="t" * 128)).event["detail-type"] == "t" * 128
    error = failed(an_entry(DetailType="t" * 129))
    assert error.error_code == "InvalidArgument"
    assert error.error_message.startswith("Parameter DetailType is not valid. Reason: DetailType is 129")


def test_a_non_string_field_fails_the_entry_when_the_batch_was_not_checked() -> None:
    assert (
        failed(an_entry(Source=7)).error_message
        == "Parameter Source is not valid. Reason: Source must be a string."
    )


@given(
    source=st.text(min_size=1),
    detail_type=st.text(min_size=1, max_size=128),
    detail=st.dictionaries(st.text(), st.integers() | st.text() | st.booleans() | st.none()),
)
def test_any_well_formed_entry_round_trips_into_the_event(
    source: str, detail_type: str, detail: dict[str, Any]
) -> None:
    entry = {"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail)}
    result = built(entry)
    assert result.event["source"] == source
    assert result.event["detail-type"] == detail_type
    assert result.event["detail"] == detail
    assert result.size == len(source.encode()) + len(detail_type.encode()) + len(entry["Detail"].encode())


@given(st.integers(min_value=0, max_value=253_402_300_799))
def test_epoch_seconds_come_out_as_the_same_utc_second(seconds: int) -> None:
    time = built(an_entry(Time=seconds)).event["time"]
    parsed = datetime.strptime(time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert parsed.timestamp() == seconds


# --- event_bus_name_from --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "default"),
        ("", "default"),
        ("orders-bus", "orders-bus"),
        ("arn:aws:events:us-east-1:123456789012:event-bus/orders-bus", "orders-bus"),
        ("arn:aws-cn:events:cn-north-1:123456789012:event-bus/default", "default"),
        (
            "arn:aws:events:us-east-1:123456789012:event-bus/aws.partner/saas.com/123/orders",
            "aws.partner/saas.com/123/orders",
        ),
    ],
)
def test_event_bus_name_from_a_name_an_arn_or_nothing(value: str | None, name: str) -> None:
    assert event_bus_name_from(value) == name


@pytest.mark.parametrize(
    "value", ["arn:aws:events:us-east-1:123456789012:rule/orders", "arn:aws:sqs:us-east-1:123456789012:q"]
)
def test_an_arn_that_is_not_an_event_bus_is_refused(value: str) -> None:
    with pytest.raises(EnvelopeValidationError, match="is not an event bus ARN"):
        event_bus_name_from(value)
